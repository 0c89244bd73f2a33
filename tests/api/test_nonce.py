"""NonceSource: strictly increasing, in order under concurrency, restart-safe."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest

from custom_components.mtgox.api import NonceSource
from custom_components.mtgox.api.nonce import SKIP_AHEAD_US


class SettableClock:
    """A microsecond clock the test moves by hand, backwards too."""

    def __init__(self, now_us: int) -> None:
        """Start at ``now_us``."""
        self.now_us = now_us

    def __call__(self) -> int:
        """Return the time the test set."""
        return self.now_us


def test_issue_follows_the_clock_when_it_is_ahead() -> None:
    clock = SettableClock(1_000_000)
    source = NonceSource(clock_us=clock)

    first = source.issue()
    clock.now_us = 2_000_000
    second = source.issue()

    assert (first, second) == (1_000_000, 2_000_000)
    assert source.high_water == 2_000_000


def test_issue_stays_increasing_when_the_clock_stands_still() -> None:
    source = NonceSource(clock_us=SettableClock(5))

    assert [source.issue() for _ in range(4)] == [5, 6, 7, 8]


def test_issue_stays_increasing_when_the_clock_is_set_back() -> None:
    clock = SettableClock(10_000_000)
    source = NonceSource(clock_us=clock)
    before = source.issue()

    clock.now_us = 3_000_000
    after = [source.issue() for _ in range(3)]

    assert after == [before + 1, before + 2, before + 3]


def test_a_restart_resumes_above_the_persisted_high_water_mark() -> None:
    persisted: list[int] = []
    first_run = NonceSource(clock_us=SettableClock(100), on_change=persisted.append)
    first_run.issue()
    first_run.issue()

    second_run = NonceSource(persisted[-1], clock_us=SettableClock(50))

    assert persisted == [100, 101]
    assert second_run.issue() == 102


def test_on_change_reports_every_new_high_water_mark() -> None:
    seen: list[int] = []
    source = NonceSource(clock_us=SettableClock(7), on_change=seen.append)

    source.issue()
    source.skip_ahead()

    assert seen == [7, 7 + SKIP_AHEAD_US]


def test_skip_ahead_jumps_past_the_clock() -> None:
    source = NonceSource(clock_us=SettableClock(1_000_000))

    source.skip_ahead()

    assert source.high_water == 1_000_000 + SKIP_AHEAD_US
    assert source.issue() == 1_000_000 + SKIP_AHEAD_US + 1


def test_skip_ahead_keeps_a_high_water_mark_beyond_the_jump() -> None:
    # Never lowered, and not pushed further either: repeated refusals do not compound.
    seen: list[int] = []
    source = NonceSource(
        50_000_000, clock_us=SettableClock(1_000_000), on_change=seen.append
    )

    source.skip_ahead()
    source.skip_ahead()

    assert source.high_water == 50_000_000
    assert seen == []


def test_skip_ahead_leaves_a_mark_exactly_at_the_jump_alone() -> None:
    seen: list[int] = []
    source = NonceSource(
        1_000_000 + SKIP_AHEAD_US,
        clock_us=SettableClock(1_000_000),
        on_change=seen.append,
    )

    source.skip_ahead()

    assert seen == []


def test_a_new_key_starts_at_nonce_one_at_the_latest() -> None:
    source = NonceSource(clock_us=SettableClock(0))

    assert source.high_water == 0
    assert source.issue() == 1


def test_repeated_skips_at_one_time_do_not_compound() -> None:
    source = NonceSource(clock_us=SettableClock(1_000_000))

    source.skip_ahead()
    source.skip_ahead()

    assert source.high_water == 1_000_000 + SKIP_AHEAD_US


def test_repr_shows_the_high_water_mark() -> None:
    assert repr(NonceSource(42)) == "NonceSource(high_water=42)"


def test_negative_high_water_is_refused() -> None:
    with pytest.raises(ValueError, match="^high_water must not be negative$"):
        NonceSource(-1)


def test_default_clock_is_the_wall_clock_in_microseconds() -> None:
    before = time.time_ns() // 1000
    nonce = NonceSource().issue()
    after = time.time_ns() // 1000

    assert isinstance(nonce, int)
    assert before <= nonce <= after

    # 2020-01-01 and 2100-01-01 in µs: the unit is microseconds, not ns or s.
    assert 1_577_836_800_000_000 < nonce < 4_102_444_800_000_000


async def test_nonces_reach_the_server_in_issue_order_under_concurrency() -> None:
    """Tasks that interleave while holding the lock still send in nonce order."""
    clock = SettableClock(1_000)
    source = NonceSource(clock_us=clock)
    sent: list[int] = []

    async def signed_call(step_clock_back: bool) -> None:
        async with source.lock:
            nonce = source.issue()
            if step_clock_back:
                clock.now_us -= 500
            # The round trip: other tasks run now but cannot take the lock.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            sent.append(nonce)

    await asyncio.gather(*(signed_call(step % 3 == 0) for step in range(60)))

    assert len(sent) == 60
    assert all(earlier < later for earlier, later in pairwise(sent))
