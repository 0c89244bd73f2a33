"""The engine lag sensor and the get_quote action, against the sandbox over loopback."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.mtgox.api import Side
from custom_components.mtgox.compat import ATTR_CONFIG_ENTRY_ID
from custom_components.mtgox.const import DOMAIN
from custom_components.mtgox.services import SERVICE_GET_QUOTE
from mtgox_sandbox.faults import FaultKind
from tests.api.test_engine_calls import book_total

from . import REFRESH_REQUESTS, setup_entry, state_of, tick
from .test_services import assert_translated

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
        MockConfigEntry,
    )

    from mtgox_sandbox.runner import Sandbox

LAG = "sensor.mt_gox_engine_lag"
PRICE = "sensor.bitcoin_usd_price"
LAG_REQUEST = {"1:order/lag": 1}


async def get_quote(
    hass: HomeAssistant, entry: MockConfigEntry, **fields: Any
) -> dict[str, Any]:
    """Ask for a quote and return the action's response."""
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_QUOTE,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **fields},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_lag_sensor_reads_the_engine_at_each_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Once enabled, the lag is read with every refresh, one request each."""
    await setup_entry(hass, mock_config_entry)
    # The first refresh ran before the sensor was added.
    assert state_of(hass, LAG) == STATE_UNAVAILABLE
    sandbox.counters.clear()

    await tick(hass, freezer, 31)

    assert state_of(hass, LAG) == "0.000000"
    assert hass.states.get(LAG).attributes["unit_of_measurement"] == "s"  # type: ignore[union-attr]
    # Every entity is enabled: the book volume sensors add one book a pair.
    assert sandbox.counters == REFRESH_REQUESTS | LAG_REQUEST | {"1:depth/fetch": 2}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_failed_lag_takes_down_only_its_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The lag is a diagnostic: its failure leaves prices and balances shown."""
    await setup_entry(hass, mock_config_entry)
    fault = sandbox.faults.add(FaultKind.STATUS, path="*/order/lag", status=500)
    await tick(hass, freezer, 31)

    assert state_of(hass, LAG) == STATE_UNAVAILABLE
    assert state_of(hass, PRICE) == "800.00000"

    sandbox.faults.remove(fault.id)
    await tick(hass, freezer, 31)
    assert state_of(hass, LAG) == "0.000000"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_rejected_key_on_the_lag_fails_the_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A block met on the lag request is a block of the whole refresh."""
    await setup_entry(hass, mock_config_entry)
    sandbox.faults.add(FaultKind.STATUS, path="*/order/lag", status=429)
    await tick(hass, freezer, 31)

    assert not mock_config_entry.runtime_data.coordinator.last_update_success
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE


async def test_disabled_lag_sensor_costs_no_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """By default the lag sensor is disabled and the lag never read."""
    await tick(hass, freezer, 31)

    assert hass.states.get(LAG) is None
    assert "1:order/lag" not in sandbox.counters


@pytest.mark.parametrize(
    ("side", "pair"), [("buy", None), ("sell", "BTCEUR"), ("buy", " btceur ")]
)
async def test_get_quote_matches_the_book(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    side: str,
    pair: str | None,
) -> None:
    """The quote is the book's price of the amount, as exact decimal strings."""
    fields = {"side": side, "amount": "0.75"} | ({"pair": pair} if pair else {})
    orders_before = sandbox.counters["1:order/add"]

    response = await get_quote(hass, init_integration, **fields)

    quoted_pair = (pair or "BTCUSD").strip().upper()
    currency = quoted_pair[3:]
    expected = book_total(
        sandbox, quoted_pair, Side.BID if side == "buy" else Side.ASK, Decimal("0.75")
    )
    assert response == {
        "pair": quoted_pair,
        "side": side,
        "amount": "0.75000000",
        "total": f"{expected:f}",
        "currency": currency,
    }
    assert sandbox.counters["1:order/quote"] == 1
    assert sandbox.counters["1:order/add"] == orders_before


@pytest.mark.parametrize(
    ("fields", "translation_key"),
    [
        ({"amount": "abc"}, "invalid_number"),
        ({"amount": "0.001"}, "amount_below_minimum"),
        ({"amount": "2"}, "amount_above_maximum"),
        ({"pair": "BTCGBP"}, "pair_not_tracked"),
    ],
)
async def test_get_quote_is_validated_like_an_order(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    fields: dict[str, str],
    translation_key: str,
) -> None:
    """Amounts and pairs an order could not have are refused before any request."""
    with pytest.raises(ServiceValidationError) as err:
        await get_quote(
            hass, init_integration, **{"side": "buy", "amount": "0.5"} | fields
        )

    assert_translated(err.value, translation_key)
    assert "1:order/quote" not in sandbox.counters


async def test_get_quote_translates_the_exchange_errors(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """An exchange that fails says so in the user's language, like the other actions."""
    sandbox.faults.add(FaultKind.STATUS, path="*/order/quote", status=503)

    with pytest.raises(HomeAssistantError) as err:
        await get_quote(hass, init_integration, side="sell", amount="0.5")

    assert_translated(err.value, "action_api_error")
