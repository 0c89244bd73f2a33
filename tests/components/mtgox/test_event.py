"""Tests of the order event entity against the sandbox's matching engine.

An order placed through the action rests on the book; the house then trades
against it (or the engine cancels it), and the next refresh reports it.
"""

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components import mtgox
from custom_components.mtgox.const import DOMAIN
from custom_components.mtgox.coordinator import MtGoxDataUpdateCoordinator
from custom_components.mtgox.orders import MAX_ORDER_RESULT_ATTEMPTS
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import place_order, run_requested_refresh
from .market import clear_quotes, units

ORDERS = "event.mt_gox_orders"
RESULT_REQUESTS = "1:order/result"


def coordinator_of(entry: MockConfigEntry) -> MtGoxDataUpdateCoordinator:
    """Return the entry's coordinator."""
    coordinator: MtGoxDataUpdateCoordinator = entry.runtime_data.coordinator
    return coordinator


def refreshed(coordinator: MtGoxDataUpdateCoordinator) -> bool:
    """Return whether the coordinator's last refresh succeeded."""
    return coordinator.last_update_success


def orders_state(hass: HomeAssistant) -> State:
    """Return the state of the order event entity."""
    state = hass.states.get(ORDERS)
    assert state is not None
    return state


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Refresh the entry's coordinator now and let the event entity write its state."""
    await coordinator_of(entry).async_refresh()
    await hass.async_block_till_done()


async def place_bid(
    hass: HomeAssistant, entry: MockConfigEntry, amount: str, price: str
) -> str:
    """Place a BTCUSD limit bid through the action and return its order ID."""
    response = await place_order(hass, entry, side="buy", amount=amount, price=price)
    # The refresh the action requested sees the order open.
    await run_requested_refresh(hass)
    assert response["status"] == "unfilled"
    order_id: str = str(response["order_id"])
    return order_id


def house_sells(sandbox: Sandbox, amount: str, price: str) -> None:
    """Make the house sell to whatever bids at ``price`` or more."""
    exchange = sandbox.exchange
    clear_quotes(exchange, "BTCUSD")
    exchange.place_order(
        exchange.house_account("taker"),
        "BTCUSD",
        "ask",
        units(amount, "BTC"),
        units(price, "USD"),
    )


def event_attributes(state: State) -> dict[str, Any]:
    """Return the event's type and data, without the entity's own attributes."""
    return {
        key: value
        for key, value in state.attributes.items()
        if key not in {"event_types", "friendly_name", "icon"}
    }


@pytest.fixture
def order_events(hass: HomeAssistant) -> list[State]:
    """Collect the states of the order event entity that are new events.

    An event entity's state is the time of its last event; going unavailable
    while a refresh fails, and back, is no new event (automations skip it with
    ``not_from: unavailable``); nor is the entity's first state, unknown.
    """
    states: list[State] = []

    def collect(event: Event[EventStateChangedData]) -> None:
        state, old_state = event.data["new_state"], event.data["old_state"]
        if (
            state is not None
            and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
            and (old_state is None or old_state.state != STATE_UNAVAILABLE)
        ):
            states.append(state)

    async_track_state_change_event(hass, [ORDERS], collect)
    return states


async def test_entity(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """One order event entity per account, on the account's device, named and iconed."""
    entry = entity_registry.async_get(ORDERS)
    assert entry is not None
    assert entry.unique_id == f"{sandbox.account.id}_orders"
    assert entry.translation_key == "orders"
    device = dr.async_get(hass).async_get(entry.device_id or "")
    assert device is not None
    assert device.identifiers == {(DOMAIN, sandbox.account.id)}
    state = orders_state(hass)
    assert state.attributes["event_types"] == ["filled", "cancelled"]
    assert state.attributes["friendly_name"] == "Mt.Gox Orders"
    integration = Path(mtgox.__file__).parent
    for name in ("strings.json", "icons.json"):
        keys = json.loads((integration / name).read_text(encoding="utf-8"))
        assert "orders" in keys["entity"]["event"], name


async def test_fill(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
) -> None:
    """A resting bid the house sells into fires ``filled`` with the order's data."""
    assert orders_state(hass).state == STATE_UNKNOWN
    order_id = await place_bid(hass, init_integration, "0.5", "790")
    await hass.async_block_till_done()
    assert [order.oid for order in coordinator_of(init_integration).data.orders] == [
        order_id
    ]
    assert order_events == []

    house_sells(sandbox, "0.5", "790")
    results_before = sandbox.counters[RESULT_REQUESTS]
    await refresh(hass, init_integration)

    assert [event_attributes(state) for state in order_events] == [
        {
            "event_type": "filled",
            "order_id": order_id,
            "pair": "BTCUSD",
            "side": "buy",
            "amount": "0.50000000",
            "filled_amount": "0.50000000",
            "price": "790.00000",
            "currency": "USD",
        }
    ]
    # One order left the book: one order result was read to tell how.
    assert sandbox.counters[RESULT_REQUESTS] == results_before + 1

    # Later refreshes neither report it again nor ask about it.
    await refresh(hass, init_integration)
    assert len(order_events) == 1
    assert sandbox.counters[RESULT_REQUESTS] == results_before + 1


async def test_order_open_before_setup(
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    order_events: list[State],
) -> None:
    """An order already open at the first refresh is reported when it fills."""
    order = sandbox.exchange.place_order(
        sandbox.account, "BTCUSD", "bid", units("0.2", "BTC"), units("780", "USD")
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert order_events == []

    house_sells(sandbox, "0.2", "780")
    await refresh(hass, mock_config_entry)

    assert [
        (state.attributes["event_type"], state.attributes["order_id"])
        for state in order_events
    ] == [("filled", order.oid)]


async def test_cancel(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
) -> None:
    """An order cancelled on the exchange fires ``cancelled``, with nothing filled."""
    order_id = await place_bid(hass, init_integration, "0.25", "700")
    await hass.async_block_till_done()

    sandbox.exchange.cancel_order(sandbox.account, order_id)
    await refresh(hass, init_integration)

    assert [event_attributes(state) for state in order_events] == [
        {
            "event_type": "cancelled",
            "order_id": order_id,
            "pair": "BTCUSD",
            "side": "buy",
            "amount": "0.25000000",
            "filled_amount": "0.00000000",
            "price": "700.00000",
            "currency": "USD",
        }
    ]


@pytest.mark.parametrize(
    ("filled", "left"), [("0.40000000", "0.60000000"), ("0.60000000", "0.40000000")]
)
async def test_partial_fill_then_cancel(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
    filled: str,
    left: str,
) -> None:
    """A partly filled order, then cancelled, is cancelled and says what filled.

    Its partial fill alone, seen at a refresh, fires nothing: it is still open.
    Filled is judged against the amount first seen open, so an order cancelled
    after filling more than it had left is still cancelled.
    """
    order_id = await place_bid(hass, init_integration, "1", "790")
    await hass.async_block_till_done()
    house_sells(sandbox, filled, "790")
    await refresh(hass, init_integration)
    assert order_events == []

    sandbox.exchange.cancel_order(sandbox.account, order_id)
    await refresh(hass, init_integration)

    assert [event_attributes(state) for state in order_events] == [
        {
            "event_type": "cancelled",
            "order_id": order_id,
            "pair": "BTCUSD",
            "side": "buy",
            "amount": left,
            "filled_amount": filled,
            "price": "790.00000",
            "currency": "USD",
        }
    ]


async def test_two_orders_close_in_one_refresh(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
) -> None:
    """Each order that closed since the last refresh fires its own event."""
    filled = await place_bid(hass, init_integration, "0.1", "795")
    cancelled = await place_bid(hass, init_integration, "0.1", "600")
    await refresh(hass, init_integration)

    house_sells(sandbox, "0.1", "795")
    sandbox.exchange.cancel_order(sandbox.account, cancelled)
    await refresh(hass, init_integration)

    assert sorted(
        (state.attributes["order_id"], state.attributes["event_type"])
        for state in order_events
    ) == sorted([(filled, "filled"), (cancelled, "cancelled")])


async def test_an_unreadable_result_holds_back_no_other_order(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The order whose result fails is asked again later; the others fire now."""
    orders = {
        await place_bid(hass, init_integration, "0.1", "600"),
        await place_bid(hass, init_integration, "0.1", "601"),
    }
    await refresh(hass, init_integration)
    for order_id in orders:
        sandbox.exchange.cancel_order(sandbox.account, order_id)
    # Whichever order is asked about first gets the error.
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/order/result", count=1)

    await refresh(hass, init_integration)
    assert len(order_events) == 1
    await refresh(hass, init_integration)

    assert {state.attributes["order_id"] for state in order_events} == orders
    assert len(order_events) == len(orders)


@pytest.mark.parametrize(
    "fault",
    # An error answer of the exchange, and a connection dropped.
    [FaultKind.STATUS, FaultKind.DROP],
)
async def test_unreadable_result_is_reported_later(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
    fault: FaultKind,
) -> None:
    """When the order result cannot be read, the next refresh asks again.

    A failed refresh in between fires nothing a second time.
    """
    order_id = await place_bid(hass, init_integration, "0.5", "790")
    await hass.async_block_till_done()
    house_sells(sandbox, "0.5", "790")
    sandbox.faults.add(fault, path="1/generic/order/result", count=1)
    coordinator = coordinator_of(init_integration)

    await refresh(hass, init_integration)
    assert order_events == []

    await refresh(hass, init_integration)
    assert [state.attributes["event_type"] for state in order_events] == ["filled"]
    assert order_events[0].attributes["order_id"] == order_id

    info_fault = sandbox.faults.add(FaultKind.STATUS, path="1/generic/info", count=1)
    await refresh(hass, init_integration)
    assert info_fault.remaining == 0
    assert not refreshed(coordinator)
    assert orders_state(hass).state == STATE_UNAVAILABLE
    await refresh(hass, init_integration)
    assert refreshed(coordinator)
    assert orders_state(hass).state == order_events[0].state
    assert len(order_events) == 1


async def test_gives_up_on_an_order_whose_result_never_comes(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a few refreshes without its result, an order is no longer asked about.

    Each failure is logged at debug level, and giving up as a warning, each
    with the order's id and the error.
    """
    order_id = await place_bid(hass, init_integration, "0.5", "790")
    await hass.async_block_till_done()
    house_sells(sandbox, "0.5", "790")
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/order/result")
    coordinator = coordinator_of(init_integration)
    results_before = sandbox.counters[RESULT_REQUESTS]
    caplog.clear()

    for _ in range(MAX_ORDER_RESULT_ATTEMPTS + 2):
        await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert sandbox.counters[RESULT_REQUESTS] == (
        results_before + MAX_ORDER_RESULT_ATTEMPTS
    )
    assert order_events == []
    logged = [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == "custom_components.mtgox" and order_id in record.getMessage()
    ]
    error = "Internal server error [unknown_error]"  # the sandbox's HTTP 500
    tried_again = f"Could not read the result of order {order_id} yet: {error}"
    assert logged == [(logging.DEBUG, tried_again)] * (
        MAX_ORDER_RESULT_ATTEMPTS - 1
    ) + [
        (
            logging.WARNING,
            f"Order {order_id} left the book, but its result could not be read in "
            f"{MAX_ORDER_RESULT_ATTEMPTS} refreshes ({error}); no filled or "
            "cancelled event is sent for it",
        )
    ]


async def test_event_after_a_failed_refresh_is_a_change_from_available(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    order_events: list[State],
) -> None:
    """An order closing while the entity is unavailable fires from an available state.

    So an automation that skips changes from ``unavailable`` still sees it.
    """
    order_id = await place_bid(hass, init_integration, "0.5", "790")
    await hass.async_block_till_done()
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/info", count=1)
    await refresh(hass, init_integration)
    assert orders_state(hass).state == STATE_UNAVAILABLE

    house_sells(sandbox, "0.5", "790")
    await refresh(hass, init_integration)

    assert [
        (state.attributes["event_type"], state.attributes["order_id"])
        for state in order_events
    ] == [("filled", order_id)]
