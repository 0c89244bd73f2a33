"""Group commit: requests handled together share one database commit.

Each engine call runs whole, without awaiting, so its changes never straddle
a commit: a call is still all-or-nothing.  Instead of committing after each
call, whoever is about to show the world something (an HTTP answer, a
streaming frame) awaits :meth:`GroupCommit.durable`, which returns once
nothing uncommitted is left: at once when the store holds no changes, else
after the next group commit.  That commit runs as a callback on the event
loop once a turn of the loop has passed in which nobody new joined the group
(at most :data:`MAX_TURNS` turns after the first waiter), so requests whose
data arrived in the turns just after the first one's (under load, the other
connections' next requests) join it too, and they all wait for that one
``COMMIT``.  A lone request still commits in the turn after it ran.

So an answer is never sent before the commit that holds its request (and
every change made before it), and a crash before that commit loses only
requests nobody was answered.  A commit that fails fails every answer of its
group, as one failing commit failed its answer before.
"""

import asyncio
from collections.abc import Callable
from typing import Final

MAX_TURNS: Final = 8
"""Loop turns a group may keep growing before it commits regardless: each
commit costs a few page writes, a turn under load about a request's work."""


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
        self._turns = 0
        self._seen = 0
        self.commits = 0
        """Group commits run so far (for tests and benchmarks)."""

    async def durable(self) -> None:
        """Return once every change made so far is committed; raise if that failed."""
        if not self._has_changes():
            return
        loop = asyncio.get_running_loop()
        # One future per waiter: a waiter cancelled (its client gone) cancels
        # only its own, never the commit the others wait for.
        waiter = loop.create_future()
        self._waiting.append(waiter)
        if len(self._waiting) == 1:
            self._turns, self._seen = 0, 1
            loop.call_soon(self._next_turn, loop)
        await waiter

    def _next_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        """Commit, unless the group grew since the last look (then wait a turn more)."""
        if len(self._waiting) > self._seen and self._turns < MAX_TURNS:
            self._seen = len(self._waiting)
            self._turns += 1
            loop.call_soon(self._next_turn, loop)
        else:
            self._run()

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
