"""The backfilled statistics, with the recorder on, against the sandbox's past trades."""

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
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (  # type: ignore[import-untyped]
    async_wait_recording_done,
)

from custom_components.mtgox.backfill import (
    REQUEST_SPACING,
    RETRY_DELAY,
    price_statistic_id,
    volume_statistic_id,
)
from custom_components.mtgox.const import CONF_HISTORY_DAYS
from mtgox_sandbox.engine.models import TRADES_PAGE
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import setup_entry

TRADES: Final = "1:trades/fetch"
NOW: Final = "2026-11-29 12:00:05+00:00"
"""Five seconds into an hour: the test never crosses into the next one by accident."""
PAST: Final = {"past_days": 3}
HOUR: Final = timedelta(hours=1)
PAIRS: Final = ("BTCUSD", "BTCEUR")
"""The pairs the entry tracks (tests/components/mtgox/conftest.py)."""
USD_UNITS: Final = 100_000
EUR_UNITS: Final = 100_000
BTC_UNITS: Final = 100_000_000

pytestmark = [
    pytest.mark.freeze_time(NOW),
    pytest.mark.parametrize("sandbox", [PAST], indirect=True),
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before the custom integrations are enabled."""


def expected_hours(
    sandbox: Sandbox, pair: str, first: datetime, end: datetime
) -> dict[datetime, tuple[float, float, float, Fraction]]:
    """Compute (mean, min, max, volume) per hour from the sandbox's own trades."""
    units = {"BTCUSD": USD_UNITS, "BTCEUR": EUR_UNITS}[pair]
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


StatisticType = Literal["change", "last_reset", "max", "mean", "min", "state", "sum"]


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
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sandbox: Sandbox
) -> list[datetime]:
    """Let the clock run in 1 s steps until no page is asked for 30 s.

    Returns the (frozen) time at which the sandbox counted each trades request:
    everything due is run before the clock moves on.
    """
    stamps: list[datetime] = []
    seen = quiet = 0
    while quiet < 3 * REQUEST_SPACING:
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


async def test_imported_hours_equal_the_trades_aggregates(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Two days of both pairs: every hour's mean, min, max and volume, exactly once."""
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 2})
    stamps = await run_backfill(hass, freezer, sandbox)

    end = datetime(2026, 11, 29, 12, tzinfo=UTC)
    first = end - timedelta(days=2)
    assert len(stamps) == sum(pages(sandbox, pair, first, end) for pair in PAIRS)
    assert min(gaps(stamps)) >= REQUEST_SPACING
    for pair in PAIRS:
        expected = expected_hours(sandbox, pair, first, end)
        assert len(expected) == 48
        prices = await imported(hass, price_statistic_id(pair), {"mean", "min", "max"})
        volumes = await imported(hass, volume_statistic_id(pair), {"sum"})
        hours = [dt_util.utc_from_timestamp(row["start"]) for row in prices]
        assert hours == sorted(expected)
        total = Fraction(0)
        for row, volume_row, hour in zip(prices, volumes, hours, strict=True):
            mean, low, high, volume = expected[hour]
            assert row["mean"] == pytest.approx(mean, rel=1e-12)
            assert (row["min"], row["max"]) == (low, high)
            total += volume
            assert volume_row["sum"] == pytest.approx(float(total), rel=1e-12)


async def test_a_restart_after_a_gap_imports_only_the_missing_hours(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Stopped for five hours: the next start asks for those hours only."""
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
    await run_backfill(hass, freezer, sandbox)
    before = await imported(hass, volume_statistic_id("BTCUSD"), {"sum"})
    await hass.config_entries.async_unload(mock_config_entry.entry_id)

    for _ in range(30):  # the market moves while Home Assistant is away
        freezer.tick(timedelta(minutes=10))
        for _ in range(5):
            sandbox.exchange.step_market()
    sandbox.exchange.commit()
    sandbox.counters.clear()
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await run_backfill(hass, freezer, sandbox)

    after = await imported(hass, volume_statistic_id("BTCUSD"), {"sum"})
    assert after[: len(before)] == before
    new_hours = [
        dt_util.utc_from_timestamp(row["start"]) for row in after[len(before) :]
    ]
    last = dt_util.utc_from_timestamp(before[-1]["start"])
    assert new_hours == [last + HOUR * n for n in range(1, 6)]
    # One page per pair holds the five hours: nothing older was asked for again.
    assert sandbox.counters[TRADES] == 2
    end = last + HOUR * 6
    expected = expected_hours(sandbox, "BTCUSD", last + HOUR, end)
    added = sum((volume for *_, volume in expected.values()), Fraction(0))
    assert after[-1]["sum"] == pytest.approx(
        float(Fraction(str(before[-1]["sum"])) + added)
    )


async def test_depth_zero_asks_for_nothing(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A depth of 0 turns the import off: no trades request at all."""
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 0})
    await run_backfill(hass, freezer, sandbox)
    assert sandbox.counters[TRADES] == 0
    assert mock_config_entry.runtime_data.backfill is None


async def test_setup_does_not_wait_for_the_first_page(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """With the trades request never answered, the entry is loaded all the same."""
    sandbox.faults.add(FaultKind.TIMEOUT, path="1/*/trades/fetch")
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert await imported(hass, price_statistic_id("BTCUSD"), {"mean"}) == []
    await settle(hass)
    assert sandbox.counters[TRADES] == 1  # asked, in the background, and waiting
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_an_unreadable_exchange_is_tried_again_later(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed page stops the pass; five minutes later it starts again and completes."""
    sandbox.faults.add(FaultKind.STATUS, path="1/*/trades/fetch", count=1)
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
    await run_backfill(hass, freezer, sandbox)
    assert "Could not read the exchange's past trades" in caplog.text
    assert await imported(hass, price_statistic_id("BTCUSD"), {"mean"}) == []

    freezer.tick(RETRY_DELAY)
    async_fire_time_changed(hass)
    await run_backfill(hass, freezer, sandbox)
    assert len(await imported(hass, price_statistic_id("BTCEUR"), {"mean"})) == 24
    assert mock_config_entry.runtime_data.backfill.caught_up.is_set()
