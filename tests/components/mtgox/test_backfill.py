"""The backfilled statistics, with the recorder on, against the sandbox's past trades."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Final

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mtgox.backfill import (
    REQUEST_SPACING,
    RETRY_DELAY,
    SETTLE_DELAY,
    price_statistic_id,
    volume_statistic_id,
)
from custom_components.mtgox.const import CONF_HISTORY_DAYS
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import setup_entry
from .history import (
    HOUR,
    TRADES,
    assert_imported_hours,
    expected_hours,
    gaps,
    imported,
    pages,
    run_backfill,
    settle,
)

NOW: Final = "2026-11-29 12:00:05+00:00"
"""Five seconds into an hour: the test never crosses into the next one by accident."""
PAST: Final = {"past_days": 3}
PAIRS: Final = ("BTCUSD", "BTCEUR")
"""The pairs the entry tracks (tests/components/mtgox/conftest.py)."""

pytestmark = [
    pytest.mark.freeze_time(NOW),
    pytest.mark.parametrize("sandbox", [PAST], indirect=True),
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before the custom integrations are enabled."""


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
        await assert_imported_hours(hass, sandbox, pair, first, end)


async def test_a_restart_after_a_gap_imports_only_the_missing_hours(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Stopped for five hours: the next start asks for those hours only."""
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
    await run_backfill(hass, freezer, sandbox)
    before = await imported(hass, volume_statistic_id(sandbox.url, "BTCUSD"), {"sum"})
    await hass.config_entries.async_unload(mock_config_entry.entry_id)

    for _ in range(30):  # the market moves while Home Assistant is away
        freezer.tick(timedelta(minutes=10))
        for _ in range(5):
            sandbox.exchange.step_market()
    sandbox.exchange.commit()
    sandbox.counters.clear()
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await run_backfill(hass, freezer, sandbox)

    after = await imported(hass, volume_statistic_id(sandbox.url, "BTCUSD"), {"sum"})
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
    assert (
        await imported(hass, price_statistic_id(sandbox.url, "BTCUSD"), {"mean"}) == []
    )
    await settle(hass)
    assert sandbox.counters[TRADES] == 0  # not while the setups settle
    freezer.tick(SETTLE_DELAY)
    async_fire_time_changed(hass)
    await settle(hass)
    assert sandbox.counters[TRADES] == 1  # asked, in the background, and waiting
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_the_import_waits_for_home_assistant_to_start(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Set up while Home Assistant starts: nothing is asked before it has started."""
    hass.set_state(CoreState.starting)
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
    await run_backfill(hass, freezer, sandbox)
    assert sandbox.counters[TRADES] == 0

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    started = dt_util.utcnow()
    stamps = await run_backfill(hass, freezer, sandbox)
    assert stamps[0] - started >= SETTLE_DELAY
    end = datetime(2026, 11, 29, 12, tzinfo=UTC)
    for pair in PAIRS:
        await assert_imported_hours(hass, sandbox, pair, end - timedelta(days=1), end)


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
    assert (
        await imported(hass, price_statistic_id(sandbox.url, "BTCUSD"), {"mean"}) == []
    )

    freezer.tick(RETRY_DELAY)
    async_fire_time_changed(hass)
    await run_backfill(hass, freezer, sandbox)
    assert (
        len(await imported(hass, price_statistic_id(sandbox.url, "BTCEUR"), {"mean"}))
        == 24
    )
    assert mock_config_entry.runtime_data.backfill.caught_up.is_set()
