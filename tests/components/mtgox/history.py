"""What the history import's tests share.

The sandbox's own hourly figures, the recorder's imported rows, and a clock
that runs until the import is quiet.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import partial
from itertools import pairwise
from typing import Any, Final, Literal

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (  # type: ignore[import-untyped]
    async_wait_recording_done,
)

from custom_components.mtgox.backfill import (
    REQUEST_SPACING,
    price_statistic_id,
    volume_statistic_id,
)
from mtgox_sandbox.engine.models import TRADES_PAGE
from mtgox_sandbox.runner import Sandbox

TRADES: Final = "1:trades/fetch"
HOUR: Final = timedelta(hours=1)
UNITS: Final = {"BTCUSD": 100_000, "BTCEUR": 100_000}
"""value_int units of one USD and one EUR."""
BTC_UNITS: Final = 100_000_000

StatisticType = Literal["change", "last_reset", "max", "mean", "min", "state", "sum"]


def expected_hours(
    sandbox: Sandbox, pair: str, first: datetime, end: datetime
) -> dict[datetime, tuple[float, float, float, Fraction]]:
    """Compute (mean, min, max, volume) per hour from the sandbox's own trades."""
    units = UNITS[pair]
    prices: dict[datetime, list[int]] = defaultdict(list)
    volumes: dict[datetime, int] = defaultdict(int)
    for trade in sandbox.exchange.store.trades(pair, 0):
        moment = datetime.fromtimestamp(trade.date, UTC)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        if first <= hour < end:
            prices[hour].append(trade.price_int)
            volumes[hour] += trade.amount_int
    return {
        hour: (
            float(Fraction(sum(found), len(found) * units)),
            min(found) / units,
            max(found) / units,
            Fraction(volumes[hour], BTC_UNITS),
        )
        for hour, found in prices.items()
    }


async def imported(
    hass: HomeAssistant, statistic_id: str, types: set[StatisticType]
) -> list[dict[str, Any]]:
    """Return the recorder's hourly rows of one statistic."""
    await async_wait_recording_done(hass)
    rows = await hass.async_add_executor_job(
        partial(
            statistics_during_period,
            hass,
            datetime(2000, 1, 1, tzinfo=UTC),
            None,
            {statistic_id},
            "hour",
            None,
            types,
        )
    )
    return [dict(row) for row in rows.get(statistic_id, [])]


async def assert_imported_hours(
    hass: HomeAssistant, sandbox: Sandbox, pair: str, first: datetime, end: datetime
) -> None:
    """Assert that the sandbox's pair has every hour from ``first`` to ``end`` once.

    Each hour's mean, min, max and summed volume equal the figures computed
    here from the sandbox's own trades.
    """
    expected = expected_hours(sandbox, pair, first, end)
    assert len(expected) == (end - first) / HOUR
    url = sandbox.url
    prices = await imported(hass, price_statistic_id(url, pair), {"mean", "min", "max"})
    volumes = await imported(hass, volume_statistic_id(url, pair), {"sum"})
    hours = [dt_util.utc_from_timestamp(row["start"]) for row in prices]
    assert hours == sorted(expected)
    total = Fraction(0)
    for row, volume_row, hour in zip(prices, volumes, hours, strict=True):
        mean, low, high, volume = expected[hour]
        assert row["mean"] == pytest.approx(mean, rel=1e-12)
        assert (row["min"], row["max"]) == (low, high)
        total += volume
        assert volume_row["sum"] == pytest.approx(float(total), rel=1e-12)


async def settle(hass: HomeAssistant) -> None:
    """Let everything due at the frozen time run, loopback requests included.

    Not ``wait_background_tasks``: the backfill is a background task that
    never ends (it waits for the next hour).
    """
    for _ in range(5):
        await hass.async_block_till_done()
        for _ in range(40):
            await asyncio.sleep(0)


async def run_backfill(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    *,
    quiet_for: float = 3 * REQUEST_SPACING,
) -> list[datetime]:
    """Let the clock run in 1 s steps until no page is asked for ``quiet_for`` s.

    Returns the (frozen) time at which the sandbox counted each trades request:
    everything due is run before the clock moves on.
    """
    stamps: list[datetime] = []
    seen = quiet = 0
    while quiet < quiet_for:
        await settle(hass)
        now = sandbox.counters[TRADES]
        stamps.extend([dt_util.utcnow()] * (now - seen))
        quiet = 0 if now > seen else quiet + 1
        seen = now
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
    await async_wait_recording_done(hass)
    return stamps


def pages(sandbox: Sandbox, pair: str, first: datetime, end: datetime) -> int:
    """Count the pages from ``first`` until one is empty or reaches ``end``."""
    since, count = int(first.timestamp()) * 1_000_000 - 1, 0
    while True:
        page = sandbox.exchange.store.trades(pair, since, TRADES_PAGE)
        count += 1
        if not page or page[-1].date >= end.timestamp():
            return count
        since = page[-1].tid


def gaps(stamps: list[datetime]) -> Iterator[float]:
    """Yield the seconds between consecutive requests."""
    yield from ((b - a).total_seconds() for a, b in pairwise(stamps))
