"""Order safety: never twice, never out of nonce order, never lost across a restart.

The order actions move money.  These tests put them through what the real
exchange did to orders: a reply lost after the order was placed (or before),
a burst of concurrent orders while the coordinator polls, and a restart after
the system clock was set back.  What the exchange accepted is read from the
sandbox itself; the nonce errors from the client's debug log, which records
every reply's status.
"""

import asyncio
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any, Final

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from custom_components.mtgox.coordinator import MtGoxConfigEntry
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import (
    CLIENT_TIMEOUT,
    LIMIT_BUY,
    ORDER_ADD,
    open_sandbox_orders,
    place_order,
    state_of,
    wait_for_requests,
)

CLIENT_LOGGER: Final = "custom_components.mtgox.api.client"
CONCURRENT_ORDERS: Final = 50


def refused_requests(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the client's requests the exchange refused (HTTP 403) or retried."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == CLIENT_LOGGER
        and (
            record.getMessage().endswith("-> HTTP 403")
            or record.getMessage().startswith("Stale nonce")
        )
    ]


@pytest.mark.parametrize(
    ("fault", "placed"),
    [
        # Placed, then the connection was held until the client gave up.
        (FaultKind.EXECUTE_THEN_HANG, 1),
        # Held without being processed: not placed, but we cannot know that.
        (FaultKind.TIMEOUT, 0),
        # Closed without being processed: not placed either.
        (FaultKind.DROP, 0),
    ],
)
async def test_lost_reply_is_reported_unknown_and_never_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
    fault: FaultKind,
    placed: int,
) -> None:
    """No reply to order/add: say the outcome is unknown, where to look, refresh.

    (A reply lost after an answer, ``execute_then_drop``, is in test_services.)
    """
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    sandbox.faults.add(fault, path="1/*/order/add", count=1)

    call = asyncio.ensure_future(place_order(hass, init_integration, **LIMIT_BUY))
    await wait_for_requests(sandbox, ORDER_ADD, 1)
    # Let the client's timeout run out (the held requests never end by themselves).
    freezer.tick(timedelta(seconds=CLIENT_TIMEOUT + 1))
    with pytest.raises(HomeAssistantError) as err:
        await call

    assert err.value.translation_key == "order_outcome_unknown"
    assert err.value.translation_placeholders == {
        "side": "buy",
        "amount": "0.5",
        "pair": "BTCUSD",
    }
    message = str(err.value)
    assert "may or may not have been placed" in message
    assert "It was not retried" in message
    assert "Check the open orders (Get orders)" in message
    # Sent once, never again.
    assert sandbox.counters[ORDER_ADD] == 1
    orders = open_sandbox_orders(sandbox)
    assert len(orders) == placed
    # The account was read again, so what the exchange holds shows at once.
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.last_update_success
    assert [held.oid for held in coordinator.data.orders] == [
        order.oid for order in orders
    ]
    assert state_of(hass, "sensor.mt_gox_open_orders") == str(placed)


async def test_fifty_concurrent_orders_while_polling(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
) -> None:
    """Fifty orders at once, refreshes in between: each placed once, no nonce refused.

    The exchange refuses any nonce not above the last one it accepted, so zero
    refusals over every private request means the nonces it received were
    strictly increasing.
    """
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    coordinator = init_integration.runtime_data.coordinator
    nonces = init_integration.runtime_data.nonce_store.source
    first_mark = sandbox.account.nonce_high_water
    sandbox.counters.clear()
    # A price per order tells the orders apart: 100.01, 100.02, ... USD.
    prices = [Decimal(100) + Decimal(i) / 100 for i in range(1, CONCURRENT_ORDERS + 1)]
    calls: list[Any] = [
        place_order(hass, init_integration, side="buy", amount="0.1", price=str(price))
        for price in prices
    ]
    # A poll after every tenth order.
    for position in range(CONCURRENT_ORDERS, 0, -10):
        calls.insert(position, coordinator.async_refresh())

    results = await asyncio.gather(*calls)

    responses = [result for result in results if result is not None]
    assert len(responses) == CONCURRENT_ORDERS
    assert refused_requests(caplog) == []
    orders = open_sandbox_orders(sandbox)
    # Every order reached the exchange once, and rests there once.
    assert sandbox.counters[ORDER_ADD] == CONCURRENT_ORDERS
    assert sorted(Decimal(order.price_int or 0) / 10**5 for order in orders) == prices
    assert {order.oid for order in orders} == {
        response["order_id"] for response in responses
    }
    assert {response["status"] for response in responses} == {"unfilled"}
    # Each private request consumed one nonce, the last one ours.
    assert sandbox.counters["1:info"] == sandbox.counters["1:orders"] >= 5
    assert sandbox.account.nonce_high_water == nonces.high_water > first_mark
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert len(coordinator.data.orders) <= CONCURRENT_ORDERS


async def test_restart_with_the_clock_set_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
) -> None:
    """After a restart a day in the past, nonces continue above the saved mark.

    The clock a day back makes every clock-based nonce stale; only the mark the
    entry saved lets the account be read and an order be placed at once.
    """
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    await place_order(hass, init_integration, **LIMIT_BUY)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    mark_before = sandbox.account.nonce_high_water

    freezer.move_to(dt_util.utcnow() - timedelta(days=1))
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.LOADED
    assert state_of(hass, "sensor.mt_gox_open_orders") == "1"
    await place_order(hass, init_integration, **LIMIT_BUY)
    assert len(open_sandbox_orders(sandbox)) == 2
    assert refused_requests(caplog) == []
    nonces = init_integration.runtime_data.nonce_store.source
    assert sandbox.account.nonce_high_water == nonces.high_water > mark_before
    # The clock is a day behind the nonces, which kept counting from the mark.
    assert mark_before > int(dt_util.utcnow().timestamp() * 10**6)
