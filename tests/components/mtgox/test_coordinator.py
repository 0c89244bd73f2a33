"""Tests of the Mt.Gox coordinator: requests, failures, back-off and recovery.

Each test asks for ``freezer`` before ``init_integration``: the clock must be
frozen before the first refresh schedules the next one.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.api import MtGoxApiError, Order, Side
from custom_components.mtgox.const import CONF_PAIRS
from custom_components.mtgox.helpers import api_error_message
from custom_components.mtgox.orders import MAX_PLACED_ORDERS
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import (
    FLOOR,
    REFRESH_REQUESTS,
    assert_reauth_started,
    place_order,
    setup_entry,
    state_of,
    tick,
)

PRICE = "sensor.bitcoin_usd_price"
EURO_PRICE = "sensor.bitcoin_eur_price"
BALANCE = "sensor.mt_gox_btc_balance"


@pytest.mark.parametrize("every_entity_enabled", [False, True])
async def test_requests_per_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    request: pytest.FixtureRequest,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    every_entity_enabled: bool,
) -> None:
    """One ticker per pair, one account info and one order list.

    However many entities are enabled, but for the engine lag and the book
    volume sensors (disabled by default), which add their requests from the
    refresh after they are added: the lag's, and one book per pair whichever
    of its two volume sensors are enabled.
    """
    if every_entity_enabled:
        request.getfixturevalue("entity_registry_enabled_by_default")
    await setup_entry(hass, mock_config_entry)
    # 2 pairs x 11 (5 of them disabled by default), 6 account (the lag
    # disabled by default; the stream's state) and 5 wallets x 3.
    sensors = hass.states.async_entity_ids("sensor")
    assert len(sensors) == (43 if every_entity_enabled else 32)
    assert sandbox.counters == REFRESH_REQUESTS

    sandbox.counters.clear()
    # Refreshes fall on whole seconds, 29 to 31 s after the last one.
    await tick(hass, freezer, 28)
    assert not sandbox.counters

    await tick(hass, freezer, 3)
    enabled_requests = (
        {"1:order/lag": 1, "1:depth/fetch": 2} if every_entity_enabled else {}
    )
    assert sandbox.counters == REFRESH_REQUESTS | enabled_requests


async def test_failure_and_recovery(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """Entities go unavailable with one log line, and come back with another."""
    fault = sandbox.faults.add(FaultKind.HTML, path="*", status=502)
    await tick(hass, freezer)
    await tick(hass, freezer)
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE
    assert state_of(hass, BALANCE) == STATE_UNAVAILABLE
    assert caplog.text.count("Error fetching mtgox data") == 1
    assert "Could not reach the exchange" in caplog.text
    # The coordinator's own line is the only one: no pair is reported apart.
    assert "Ticker of" not in caplog.text

    sandbox.faults.remove(fault.id)
    await tick(hass, freezer)
    await tick(hass, freezer)
    assert state_of(hass, PRICE) == "800.00000"
    assert state_of(hass, BALANCE) == "10.00000000"
    assert caplog.text.count("Fetching mtgox data recovered") == 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            {"kind": FaultKind.MYSQL_ERROR},
            "The exchange sent a response that could not be understood",
        ),
        (
            {"kind": FaultKind.STATUS, "status": 500},
            "The exchange reported an error: Internal server error",
        ),
        ({"kind": FaultKind.DROP}, "Could not reach the exchange"),
    ],
)
async def test_account_failures(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    fault: dict[str, Any],
    message: str,
) -> None:
    """A failing private call fails the refresh with a translated reason."""
    sandbox.faults.add(path="1/generic/info", count=1, **fault)
    await tick(hass, freezer)
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE
    assert f"Error fetching mtgox data: {message}\n" in caplog.text


async def test_one_bad_pair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A pair whose ticker fails goes unavailable alone, logged once each way."""
    fault = sandbox.faults.add(FaultKind.STATUS, path="1/BTCEUR/ticker", status=500)
    await tick(hass, freezer)
    await tick(hass, freezer)
    assert state_of(hass, EURO_PRICE) == STATE_UNAVAILABLE
    assert state_of(hass, PRICE) == "800.00000"
    assert state_of(hass, BALANCE) == "10.00000000"
    assert caplog.text.count("Ticker of BTCEUR unavailable") == 1
    assert init_integration.runtime_data.coordinator.last_update_success

    sandbox.faults.remove(fault.id)
    await tick(hass, freezer)
    await tick(hass, freezer)
    assert state_of(hass, EURO_PRICE) == "590.00000"
    assert caplog.text.count("Ticker of BTCEUR recovered") == 1


async def test_rate_limit_backs_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A block stops every request for as long as the exchange asked."""
    coordinator = init_integration.runtime_data.coordinator
    limiter = sandbox.server.limiter
    limiter.limit, limiter.window, limiter.block_seconds = 1, 60, 100
    await tick(hass, freezer)
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE
    error = coordinator.last_exception
    assert error is not None
    assert error.translation_key == "rate_limited"
    assert error.retry_after == 100

    # Nothing is asked while blocked, whatever the schedule says.
    sandbox.counters.clear()
    await tick(hass, freezer, 30)
    await tick(hass, freezer, 30)
    assert not sandbox.counters
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE

    limiter.reset()
    limiter.limit = 0
    await tick(hass, freezer, 41)
    await tick(hass, freezer, 30)
    assert sandbox.counters["1:info"] >= 1
    assert state_of(hass, PRICE) == "800.00000"


@pytest.mark.parametrize("block_seconds", [1e12, 1e8])
async def test_a_huge_retry_after_is_capped_at_an_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    block_seconds: float,
) -> None:
    """A block of years (or past the calendar) waits an hour, then asks again."""
    coordinator = init_integration.runtime_data.coordinator
    limiter = sandbox.server.limiter
    limiter.limit, limiter.window, limiter.block_seconds = 1, 60, block_seconds
    await tick(hass, freezer)
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE
    error = coordinator.last_exception
    assert error is not None
    assert error.translation_key == "rate_limited"
    assert getattr(error, "retry_after", None) == 3600
    assert "Unexpected error" not in caplog.text
    assert "waiting 3600 s at most" in caplog.text

    sandbox.counters.clear()
    await tick(hass, freezer, 3570)
    assert not sandbox.counters
    await tick(hass, freezer, 60)
    assert sandbox.counters["1:ticker"] >= 1


async def test_blocked_ticker_blocks_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A block met on a public call holds back every call, private ones too.

    It fails the whole refresh that met it; until it ends, refreshes send
    nothing.  The account and order list of the refresh that meets the block are already
    in flight beside the ticker; the refreshes after it send nothing.
    """
    sandbox.faults.add(FaultKind.HTML, path="1/BTCUSD/ticker", status=429, count=1)
    await tick(hass, freezer)
    assert state_of(hass, BALANCE) == STATE_UNAVAILABLE
    sent = sandbox.counters.copy()
    coordinator = init_integration.runtime_data.coordinator

    # A 429 without Retry-After blocks for the 10 s floor.
    freezer.tick(timedelta(seconds=FLOOR - 1))
    await coordinator.async_refresh()
    assert sandbox.counters == sent
    assert state_of(hass, BALANCE) == STATE_UNAVAILABLE

    freezer.tick(timedelta(seconds=1))
    await coordinator.async_refresh()
    assert sandbox.counters - sent == REFRESH_REQUESTS
    assert state_of(hass, BALANCE) != STATE_UNAVAILABLE


async def test_rejected_key_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A key revoked while running asks the user for a new one."""
    sandbox.exchange.revoke_key(sandbox.key)
    await tick(hass, freezer)

    assert state_of(hass, PRICE) == STATE_UNAVAILABLE
    assert_reauth_started(hass, init_integration)


async def test_unexpected_error_is_not_a_pair_failure(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A bug (here a malformed pair in the options) surfaces as an error."""
    await setup_entry(hass, mock_config_entry, options={CONF_PAIRS: ["BTC"]})
    assert "Unexpected error fetching mtgox data" in caplog.text
    assert "not a pair such as 'BTCUSD'" in caplog.text


async def test_requested_refresh_keeps_the_floor_after_a_scheduled_one(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An action 1 s after a scheduled refresh fetches only 10 s after it, once."""
    await setup_entry(hass, mock_config_entry)
    await tick(hass, freezer, 31)
    assert sandbox.counters["1:info"] == 2

    sandbox.counters.clear()
    await tick(hass, freezer, 1)
    await place_order(hass, mock_config_entry, side="buy", amount="0.01", price="1")
    await place_order(hass, mock_config_entry, side="buy", amount="0.01", price="1")
    # The orders went in, but no refresh fetched anything yet.
    assert sandbox.counters["1:order/add"] == 2
    assert sandbox.counters["1:info"] == 0
    assert sandbox.counters["1:ticker"] == 0

    await tick(hass, freezer, 8)
    assert sandbox.counters["1:info"] == 0

    await tick(hass, freezer, 1)
    # Both requests coalesced into one refresh, 10 s after the scheduled one.
    assert sandbox.counters["1:info"] == 1
    assert sandbox.counters["1:orders"] == 1
    assert sandbox.counters["1:ticker"] == 2


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (MtGoxApiError("Order not found", "unknown_error"), "Order not found"),
        (MtGoxApiError("  ", "unknown_error"), "unknown_error"),
        (MtGoxApiError(""), "no message"),
    ],
)
def test_api_error_message_is_never_empty(error: MtGoxApiError, message: str) -> None:
    """An exchange error without a message falls back to its token, then says so."""
    assert api_error_message(error) == message


async def test_unchanged_states_are_not_rewritten(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A refresh that changes nothing writes nothing; a change is written."""
    balance = "sensor.mt_gox_usd_balance"
    before = hass.states.get(balance)
    assert before is not None
    # Home Assistant updates the last report of an unchanged state in place.
    reported = before.last_reported

    sandbox.counters.clear()
    await tick(hass, freezer)
    assert sandbox.counters["1:info"] == 1
    after = hass.states.get(balance)
    assert after is not None
    # Not even reported again.
    assert after.last_reported == reported

    # Unavailable, then back: both written.
    sandbox.faults.add(FaultKind.STATUS, path="*", status=500)
    await tick(hass, freezer)
    assert state_of(hass, balance) == STATE_UNAVAILABLE
    sandbox.faults.clear()
    await tick(hass, freezer)
    assert state_of(hass, balance) == before.state


async def test_placed_orders_kept_for_cancelling_are_the_newest_few(
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """An entry that places order after order keeps only the newest few."""
    orders = init_integration.runtime_data.coordinator.orders
    for number in range(MAX_PLACED_ORDERS + 1):
        orders.remember_placed(
            f"order-{number}", "BTCUSD", Side.BID, Decimal("0.5"), Decimal(100)
        )

    assert len(orders.placed) == MAX_PLACED_ORDERS
    assert "order-0" not in orders.placed
    newest = orders.placed[f"order-{MAX_PLACED_ORDERS}"]
    # Kept as it was sent, to cancel it and describe it by.
    assert newest == Order(
        oid=f"order-{MAX_PLACED_ORDERS}",
        pair="BTCUSD",
        item="BTC",
        currency="USD",
        side=Side.BID,
        amount=Decimal("0.5"),
        effective_amount=Decimal("0.5"),
        price=Decimal(100),
        status="pending",
        date=dt_util.utcnow(),
    )
