"""Nonces for signed calls: strictly increasing per API key."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

SKIP_AHEAD_US = 10_000_000
"""How far skip_ahead() jumps past the clock, in microseconds (10 s).

A stale nonce means another client used the same key with a nonce at or above
ours; such clients use the wall clock in microseconds, so their nonces sit near
"now". Jumping 10 s past our clock clears any client whose clock runs up to 10 s
ahead of ours (the same skew the exchange itself tolerated for tonces), while a
client sharing the key and using the plain clock is locked out for at most those
10 s, not longer. The jump is measured from the clock, never from the mark, so
repeated refusals (a key that keeps failing) do not push the mark ever further.
"""


def _wall_clock_us() -> int:
    return time.time_ns() // 1000


class NonceSource:
    """Strictly increasing nonces for one API key, safe across concurrent calls and restarts.

    Nonces are the wall clock in microseconds, like every Mt.Gox client used, but
    never less than one above the last nonce issued: a clock set back or two
    calls in the same microsecond still get increasing nonces. Persist the
    high-water mark through ``on_change`` and pass it back as ``high_water`` after
    a restart.

    The exchange rejects a nonce lower than the last one it saw, so the nonces
    must also arrive in order: a client holds ``lock`` from issuing a nonce until
    the reply to that request has arrived. Share one NonceSource between all
    clients that use the same key.
    """

    def __init__(
        self,
        high_water: int = 0,
        *,
        clock_us: Callable[[], int] = _wall_clock_us,
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        """Start above ``high_water``, the highest nonce this key has used."""
        if high_water < 0:
            raise ValueError("high_water must not be negative")
        self._high_water = high_water
        self._clock_us = clock_us
        self._on_change = on_change
        self.lock = asyncio.Lock()

    @property
    def high_water(self) -> int:
        """Return the highest nonce issued so far (or skipped to)."""
        return self._high_water

    def issue(self) -> int:
        """Return the next nonce: the clock, or one above the high-water mark."""
        nonce = max(self._clock_us(), self._high_water + 1)
        self._raise_high_water(nonce)
        return nonce

    def skip_ahead(self) -> None:
        """Jump SKIP_AHEAD_US past the clock after the exchange refused a stale nonce.

        A mark already beyond that is kept: never lowered, never pushed further.
        """
        target = self._clock_us() + SKIP_AHEAD_US
        if target > self._high_water:
            self._raise_high_water(target)

    def _raise_high_water(self, value: int) -> None:
        self._high_water = value
        if self._on_change is not None:
            self._on_change(value)

    def __repr__(self) -> str:
        """Show the high-water mark."""
        return f"NonceSource(high_water={self._high_water})"
