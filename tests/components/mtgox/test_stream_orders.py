"""The stream's private channel: order events and balances by push, each fill once.

Fills are made by the house in the sandbox's engine; a fill is reported once,
whether the push or a refresh tells first, across reconnects and the
exchange's cached order lists.
"""

from decimal import Decimal

import pytest
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.api.pushes import LagPush, WalletPush
from custom_components.mtgox.const import StreamState
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import place_order, state_of
from .market import trade_at
from .streaming import (
    BTC_BALANCE,
    MESSAGES,
    USD_BALANCE,
    balance,
    connected,
    coordinator_of,
    event_types,
    http_requests,
    later,
    resting_bid,
    stream_of,
    streaming,
    until,
)
from .test_event import house_sells, order_events

__all__ = ["order_events", "streaming"]  # fixtures


async def test_a_fill_fires_its_event_and_moves_balances_by_push(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The private channel fires the event and sets the balances; then one account read."""
    await resting_bid(hass, streaming)
    before = http_requests(sandbox)
    pushes = stream_of(streaming).pushes
    reads = pushes.account_reads

    house_sells(sandbox, "0.5", "100")
    await until(lambda: event_types(order_events) == ["filled"], "filled event")
    await until(
        lambda: Decimal(state_of(hass, BTC_BALANCE)) == balance(sandbox, "BTC"),
        "BTC balance",
    )
    assert Decimal(state_of(hass, USD_BALANCE)) == balance(sandbox, "USD")
    assert coordinator_of(streaming).data.orders == ()
    assert http_requests(sandbox) == before

    # What open orders hold moves without a message: the account is read once.
    await later(hass)
    assert pushes.account_reads == reads + 1
    assert http_requests(sandbox) == before + 1
    assert state_of(hass, "sensor.mt_gox_usd_in_open_orders") == "0.00000"
    assert event_types(order_events) == ["filled"]


@pytest.mark.parametrize("pushed_before_the_drop", [False, True])
async def test_no_second_event_for_one_fill_across_a_reconnect(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
    pushed_before_the_drop: bool,
) -> None:
    """A fill half pushed, half read by the refresh after a reconnect: one event."""
    oid = await resting_bid(hass, streaming)
    coordinator = coordinator_of(streaming)
    stream = stream_of(streaming)
    house_sells(sandbox, "0.2", "100")
    await until(
        lambda: coordinator.data.orders[0].amount == Decimal("0.3"), "partial fill"
    )
    if pushed_before_the_drop:
        house_sells(sandbox, "0.3", "100")
        await until(lambda: event_types(order_events) == ["filled"], "filled by push")
        sandbox.faults.add(FaultKind.DROP, path=MESSAGES, count=1)
        trade_at(sandbox.exchange, "BTCUSD", "800")
    else:
        sandbox.faults.add(FaultKind.DROP, path=MESSAGES, count=1)
        house_sells(sandbox, "0.3", "100")
    await until(lambda: stream.state is StreamState.RECONNECTING, "dropped")
    assert coordinator.update_interval == coordinator.polling_interval

    await later(hass)  # the refresh at once (after the floor), the first retry
    await connected(hass, streaming)
    await later(hass)
    assert event_types(order_events) == ["filled"]
    assert oid not in {order.oid for order in coordinator.data.orders}
    assert stream.counters.reconnects == 1
    assert stream.counters.connections == 2


async def test_a_stale_order_list_after_a_pushed_fill_fires_nothing(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The exchange's 10 s cache may still list an order the stream said is filled."""
    sandbox.server.cache_seconds = 10
    await resting_bid(hass, streaming)  # its refresh caches the list with the bid
    house_sells(sandbox, "0.5", "100")
    await until(lambda: event_types(order_events) == ["filled"], "filled by push")

    coordinator = coordinator_of(streaming)
    results = sandbox.counters["1:order/result"]  # the action asked once
    await coordinator.async_refresh()  # the cached list: the bid still open
    sandbox.server.cache_seconds = 0
    await coordinator.async_refresh()  # the bid gone: already reported
    await hass.async_block_till_done()
    assert event_types(order_events) == ["filled"]
    assert sandbox.counters["1:order/result"] == results


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_lag_wallets_and_a_failed_account_read(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """The lag push sets the lag; a wallet new to the entry and a failed read wait."""
    stream = stream_of(streaming)
    stream.pushes.apply(LagPush(Decimal("1.25")))
    assert state_of(hass, "sensor.mt_gox_engine_lag") == "1.25"

    data = coordinator_of(streaming).data
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/info", status=503, count=1)
    stream.pushes.apply(WalletPush("in", "CAD", Decimal(1), Decimal(1)))
    assert coordinator_of(streaming).data.account == data.account
    await later(hass)
    assert stream.pushes.account_reads == 1
    assert coordinator_of(streaming).data.account == data.account
    assert hass.states.get("sensor.mt_gox_cad_balance") is None


async def test_an_order_pushed_after_the_cached_list_is_not_taken_as_gone(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The exchange's 10 s cache may not list an order the stream just placed."""
    sandbox.server.cache_seconds = 10
    coordinator = coordinator_of(streaming)
    await coordinator.async_refresh()  # caches the list without the bid
    response = await place_order(hass, streaming, side="buy", amount="0.5", price="100")
    oid = str(response["order_id"])
    await until(lambda: bool(coordinator.data.orders), "order push")
    await coordinator.async_refresh()  # the cached list: no bid yet
    await hass.async_block_till_done()
    assert event_types(order_events) == []

    house_sells(sandbox, "0.5", "100")
    await until(lambda: event_types(order_events) == ["filled"], "filled by push")
    assert order_events[0].attributes["order_id"] == oid
