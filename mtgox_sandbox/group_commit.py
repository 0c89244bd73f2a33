"""Group commit: requests handled together share one database commit.

Each engine call runs whole, without awaiting, so its changes never straddle
a commit: a call is still all-or-nothing.  Instead of committing after each
call, whoever is about to show the world something (an HTTP answer, a
streaming frame) awaits :meth:`GroupCommit.durable`, which returns once
nothing uncommitted is left: at once when the store holds no changes, else
after the next group commit.  That commit runs as a callback scheduled on
the event loop, so it comes after every request whose handler already ran in
the same loop iteration, and they all wait for that one ``COMMIT``.

So an answer is never sent before the commit that holds its request (and
every change made before it), and a crash before that commit loses only
requests nobody was answered.  A commit that fails fails every answer of its
group, as one failing commit failed its answer before.
"""

import asyncio
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware


class GroupCommit:
    """Commit the store once per group of waiting answers.

    ``commit`` writes and commits every change so far; ``has_changes`` tells
    whether there is anything uncommitted (others, such as market ticks, may
    commit on their own in between, which leaves nothing to wait for).
    """

    def __init__(
        self, commit: Callable[[], None], has_changes: Callable[[], bool]
    ) -> None:
        """Commit through ``commit`` when ``has_changes``."""
        self._commit = commit
        self._has_changes = has_changes
        self._waiting: list[asyncio.Future[None]] = []
        self.commits = 0
        """Group commits run so far (for tests and benchmarks)."""

    async def durable(self) -> None:
        """Return once every change made so far is committed; raise if that failed."""
        if not self._has_changes():
            return
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._run)
        # One future per waiter: a waiter cancelled (its client gone) cancels
        # only its own, never the commit the others wait for.
        waiter = loop.create_future()
        self._waiting.append(waiter)
        await waiter

    def _run(self) -> None:
        """Commit for everyone waiting, and wake them."""
        group, self._waiting = self._waiting, []
        self.commits += 1
        try:
            self._commit()
        except Exception as error:  # noqa: BLE001 - every waiter gets it
            for waiter in group:
                if not waiter.done():
                    waiter.set_exception(error)
        else:
            for waiter in group:
                if not waiter.done():
                    waiter.set_result(None)


def commit_before_answer(group: GroupCommit) -> Middleware:
    """Return the middleware holding every answer until ``group`` has committed."""

    @web.middleware
    async def hold(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        await group.durable()
        return response

    return hold
