"""Switchable faults and the anti-DDoS limiter.

A :class:`Faults` instance is shared by the running server and whoever wants to
break it: tests (``server.faults.add(FaultKind.DROP, path="*/order/add")``) and
the admin endpoint (``POST /admin/faults``).  Every fault is limited to request
paths matching a glob (``fnmatch``, matched against the path after ``/api/``,
e.g. ``"2/BTCUSD/money/order/add"``) and, optionally, to a number of requests;
it disappears once used up.  The streaming API's faults match
``stream/<websocket|socketio>/<message|subscribe|call>``: ``drop``,
``latency`` (``seconds`` per message), ``silent`` and ``garbage`` act on
outgoing messages, ``refuse_subscription`` on subscriptions, ``stale_nonce``
on signed calls; only a path starting with ``stream/`` reaches them (and
never an HTTP request), so ``"*"`` still means every HTTP request.  Several faults may match one request: all of them
take effect (a latency and a dropped connection, say).

The :class:`RateLimiter` models the 2012 wiki's warning ("do not request results
more often than that, you might be blocked by the anti-DDoS filters"): more than
``limit`` requests within ``window`` seconds from one client blocks that client
for ``block_seconds``.
"""

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from itertools import count as count_from
from typing import Any, Final


class FaultKind(StrEnum):
    """What a fault does to a request it matches."""

    LATENCY = "latency"
    """Answer normally after ``seconds`` of delay."""
    TIMEOUT = "timeout"
    """Never answer: hold the request until the server stops, then drop it."""
    STATUS = "status"
    """Answer ``status`` (default 503) with the version's JSON error body, unprocessed."""
    HTML = "html"
    """Answer ``status`` (default 502) with a proxy's HTML error page, unprocessed."""
    TRUNCATED_JSON = "truncated_json"
    """Process the request, then send only the first half of the JSON body."""
    MYSQL_ERROR = "mysql_error"
    """Answer "MySQL error, please retry later" as text with HTTP 200, unprocessed."""
    STALE_NONCE = "stale_nonce"
    """Reject a private call as if its nonce were stale (the nonce is not consumed)."""
    CLOCK_SKEW = "clock_skew"
    """Check tonces against a server clock that is ``seconds`` ahead (or behind)."""
    DROP = "drop"
    """Close the connection without answering, unprocessed."""
    EXECUTE_THEN_DROP = "execute_then_drop"
    """Process the request fully (place the order...), then close the connection."""
    EXECUTE_THEN_HANG = "execute_then_hang"
    """Process the request fully, then hold the connection until the server stops."""
    SILENT = "silent"
    """Streaming: stop sending anything (heartbeats too) while staying connected."""
    GARBAGE = "garbage"
    """Streaming: send a frame that is not JSON before the next message."""
    REFUSE_SUBSCRIPTION = "refuse_subscription"
    """Streaming: answer a subscription with a refusing ``remark``."""
    OMIT_OID = "omit_oid"
    """Answer without the reply's top-level ``oid``: a v0 ``buyBTC.php`` then
    looks like the recorded real one, ``status`` and ``orders`` only."""


DEFAULT_STATUS: Final[dict[FaultKind, int]] = {
    FaultKind.STATUS: 503,
    FaultKind.HTML: 502,
}

STREAM_PREFIX: Final = "stream/"

_fault_ids = count_from(1)


@dataclass(slots=True)
class Fault:
    """One active fault; ``remaining`` is ``None`` for "until removed"."""

    kind: FaultKind
    path: str = "*"
    remaining: int | None = None
    seconds: float = 0.0
    status: int = 0
    id: int = field(default_factory=lambda: next(_fault_ids))

    def matches(self, path: str) -> bool:
        """Return whether this fault applies to ``path`` (the part after ``/api/``)."""
        if path.startswith(STREAM_PREFIX) != self.path.startswith(STREAM_PREFIX):
            return False  # "*" means every HTTP request, never a stream event
        return self.remaining != 0 and fnmatchcase(path, self.path)

    def as_json(self) -> dict[str, Any]:
        """Return the fault as the admin endpoint shows it."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "path": self.path,
            "count": self.remaining,
            "seconds": self.seconds,
            "status": self.status,
        }


class Faults:
    """The set of faults currently switched on; safe to change while running."""

    def __init__(self) -> None:
        """Start with no fault."""
        self._active: list[Fault] = []

    def add(
        self,
        kind: FaultKind | str,
        *,
        path: str = "*",
        count: int | None = None,
        seconds: float = 0.0,
        status: int | None = None,
    ) -> Fault:
        """Switch a fault on for ``count`` matching requests (``None``: until removed).

        ``seconds`` is the delay of ``latency`` and the offset of ``clock_skew``;
        ``status`` the HTTP status of ``status`` and ``html`` faults.
        """
        kind = FaultKind(kind)
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or None for unlimited)")
        if status is None:
            status = DEFAULT_STATUS.get(kind, 0)
        fault = Fault(kind, path, count, float(seconds), status)
        self._active.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        """Switch one fault off; return whether it was still active."""
        before = len(self._active)
        self._active = [fault for fault in self._active if fault.id != fault_id]
        return len(self._active) != before

    def clear(self) -> None:
        """Switch every fault off."""
        self._active.clear()

    @property
    def active(self) -> list[Fault]:
        """Return the faults still switched on, oldest first."""
        return list(self._active)

    def take(self, path: str) -> list[Fault]:
        """Return the faults that apply to this request, using up one of each count."""
        taken = [fault for fault in self._active if fault.matches(path)]
        if not taken:  # most requests: nothing to use up
            return taken
        for fault in taken:
            if fault.remaining is not None:
                fault.remaining -= 1
        self._active = [fault for fault in self._active if fault.remaining != 0]
        return taken

    def as_json(self) -> list[dict[str, Any]]:
        """Return the active faults as the admin endpoint shows them."""
        return [fault.as_json() for fault in self._active]


RATE_WINDOW_SECONDS: Final = 10.0
"""The anti-DDoS window: the wiki's 10-second cache period."""

DEFAULT_RATE_LIMIT: Final = 30
"""Requests allowed per window and client: one every third of a second on average."""

DEFAULT_BLOCK_SECONDS: Final = 60.0
"""How long a client that went over the limit stays blocked."""


MAX_CLIENTS: Final = 10_000
"""Clients the limiter remembers at most; past it the least recently seen is forgotten."""


@dataclass(slots=True)
class _ClientWindow:
    """One client's recent request times and the end of its block, if blocked."""

    recent: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    last_seen: float = 0.0


class RateLimiter:
    """Counts requests per client in a sliding window and blocks greedy clients.

    ``limit``, ``window``, ``block_seconds`` and ``max_clients`` may be changed
    while running; a ``limit`` of 0 switches the limiter off.  Clients are kept
    least recently seen first: idle ones (no request within the window, not
    blocked) are forgotten as new requests arrive, and beyond ``max_clients``
    the least recently seen is forgotten, so memory stays bounded whatever
    identities callers invent.
    """

    def __init__(
        self,
        limit: int = DEFAULT_RATE_LIMIT,
        *,
        window: float = RATE_WINDOW_SECONDS,
        block_seconds: float = DEFAULT_BLOCK_SECONDS,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow ``limit`` requests per ``window`` seconds, then block for a while."""
        self.limit = limit
        self.window = window
        self.block_seconds = block_seconds
        self.max_clients = max_clients
        self._clock = clock
        self._clients: dict[Hashable, _ClientWindow] = {}

    def __len__(self) -> int:
        """Return how many clients are remembered."""
        return len(self._clients)

    def retry_after(self, client: Hashable) -> float | None:
        """Record a request from ``client``; return the seconds it must wait if blocked."""
        if self.limit <= 0:
            return None
        now = self._clock()
        # Re-inserted on every request, so the dict runs least recently seen first.
        state = self._clients.pop(client, None) or _ClientWindow()
        self._forget_idle(now)
        self._clients[client] = state
        state.last_seen = now
        if now < state.blocked_until:
            return state.blocked_until - now
        recent = state.recent
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        recent.append(now)
        if len(recent) <= self.limit:
            return None
        # Over the limit: block, and start afresh once the block is lifted.
        recent.clear()
        state.blocked_until = now + self.block_seconds
        return self.block_seconds

    def _forget_idle(self, now: float) -> None:
        """Forget idle clients from the oldest on, and the oldest beyond the cap."""
        while self._clients:
            oldest = next(iter(self._clients))
            state = self._clients[oldest]
            idle = state.last_seen <= now - self.window and state.blocked_until <= now
            if not idle and len(self._clients) < self.max_clients:
                return
            del self._clients[oldest]

    def reset(self) -> None:
        """Forget every client's history and lift every block."""
        self._clients.clear()
