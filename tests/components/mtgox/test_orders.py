"""The order tracker: what refreshes and pushes tell of orders, each told once.

The tracker is driven here as the coordinator and the stream drive it, with a
real client against the sandbox; test_event.py and test_stream_orders.py show
the same through Home Assistant's events.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.mtgox.api import ApiVersion, MtGoxClient, Order, Side
from custom_components.mtgox.orders import (
    MAX_ORDER_RESULT_ATTEMPTS,
    MAX_REPORTED_ORDERS,
    ORDER_CANCELLED,
    ORDER_FILLED,
    ORDER_LIST_AGE,
    OrderTracker,
    OrderUpdate,
)
from mtgox_sandbox.faults import FaultKind
from tests.api.test_client_sandbox import make_client

from .streaming import until

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from freezegun.api import FrozenDateTimeFactory

    from mtgox_sandbox.runner import Sandbox

RESULT_REQUESTS = "1:order/result"
ONE = Decimal(1)
PLACED = datetime(2013, 11, 29, tzinfo=UTC)


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[MtGoxClient]:
    """Return a v1 client of the sandbox's demo account."""
    async with aiohttp.ClientSession() as session:
        yield make_client(sandbox, session, ApiVersion.V1)


def open_order(oid: str, amount: Decimal) -> Order:
    """Return an open ask of ``amount`` BTC, as the stream pushes it."""
    return Order(
        oid=oid,
        pair="BTCUSD",
        item="BTC",
        currency="USD",
        side=Side.ASK,
        amount=amount,
        effective_amount=amount,
        price=Decimal(1000),
        status="open",
        date=PLACED,
    )


async def test_a_pushed_cancel_tells_what_traded_before_it(
    client: MtGoxClient,
) -> None:
    """Partly filled, then cancelled: the fills are what the pushes showed."""
    tracker = OrderTracker(client)
    assert tracker.pushed(open_order("a", ONE))
    assert tracker.pushed(open_order("a", Decimal("0.4")))

    assert tracker.pushed_gone("a", completed=False) == OrderUpdate(
        ORDER_CANCELLED, open_order("a", Decimal("0.4")), Decimal("0.4"), Decimal("0.6")
    )


async def test_a_pushed_fill_tells_all_that_was_first_open(
    client: MtGoxClient,
) -> None:
    """Completed: every unit open when first seen traded."""
    tracker = OrderTracker(client)
    assert tracker.pushed(open_order("a", ONE))
    assert tracker.pushed(open_order("a", Decimal("0.25")))

    assert tracker.pushed_gone("a", completed=True) == OrderUpdate(
        ORDER_FILLED, open_order("a", Decimal("0.25")), Decimal("0.25"), ONE
    )


async def test_an_order_reported_by_a_refresh_is_not_taken_again_from_a_push(
    sandbox: Sandbox, client: MtGoxClient
) -> None:
    """A push that arrives after the refresh told of the order changes nothing."""
    tracker = OrderTracker(client)
    oid = await client.add_order("BTCUSD", Side.ASK, ONE, Decimal(9000))
    await tracker.async_updates(tuple(await client.open_orders()))
    await client.cancel_order("BTCUSD", oid)

    (update,) = await tracker.async_updates(tuple(await client.open_orders()))
    assert (update.order.oid, update.event_type) == (oid, ORDER_CANCELLED)
    assert not tracker.pushed(update.order)
    assert tracker.pushed_gone(oid, completed=False) is None
    assert await tracker.async_updates(tuple(await client.open_orders())) == ()
    assert sandbox.counters[RESULT_REQUESTS] == 1


async def test_an_order_whose_result_failed_then_pushed_gone_is_told_once(
    sandbox: Sandbox, client: MtGoxClient
) -> None:
    """The stream tells of an order a refresh saw go but could not read yet.

    The push reports it; the next refresh must neither report it again nor
    spend a request on its result.
    """
    tracker = OrderTracker(client)
    oid = await client.add_order("BTCUSD", Side.ASK, ONE, Decimal(9000))
    (listed,) = await client.open_orders()
    await tracker.async_updates((listed,))
    await client.cancel_order("BTCUSD", oid)
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/order/result", count=1)
    assert await tracker.async_updates(tuple(await client.open_orders())) == ()

    # A change the stream held back arrives before the removal.
    assert tracker.pushed(listed)
    update = tracker.pushed_gone(oid, completed=False)
    assert update is not None
    assert (update.order.oid, update.event_type) == (oid, ORDER_CANCELLED)
    assert await tracker.async_updates(tuple(await client.open_orders())) == ()
    assert sandbox.counters[RESULT_REQUESTS] == 1


async def test_an_order_only_the_stream_has_shown_waits_for_the_list(
    sandbox: Sandbox, client: MtGoxClient, freezer: FrozenDateTimeFactory
) -> None:
    """A pushed order missing from the list is open until the list is newer.

    The exchange's order list may be ORDER_LIST_AGE old: only a list read
    more than that after the push was made after it.
    """
    tracker = OrderTracker(client)
    assert tracker.pushed(open_order("a", ONE))
    freezer.tick(ORDER_LIST_AGE / 2)
    assert tracker.pushed(open_order("a", Decimal("0.5")))  # a fill, still unlisted
    freezer.tick(ORDER_LIST_AGE / 2)

    assert await tracker.async_updates(()) == ()  # the list may predate the push
    assert sandbox.counters[RESULT_REQUESTS] == 0
    freezer.tick(timedelta(microseconds=1))
    assert await tracker.async_updates(()) != ()  # gone: its result is asked for
    assert sandbox.counters[RESULT_REQUESTS] == 1


async def test_reported_orders_are_remembered_up_to_a_bound(
    client: MtGoxClient,
) -> None:
    """The oldest reported order is forgotten first, so memory stays bounded."""
    tracker = OrderTracker(client)
    oids = [f"order-{index}" for index in range(MAX_REPORTED_ORDERS + 1)]
    for oid in oids:
        tracker.pushed(open_order(oid, ONE))
        assert tracker.pushed_gone(oid, completed=True) is not None

    assert tracker.pushed(open_order(oids[0], ONE))  # forgotten: followed anew
    assert not tracker.pushed(open_order(oids[1], ONE))
    assert not tracker.pushed(open_order(oids[-1], ONE))


@pytest.mark.parametrize("result_fails", [False, True], ids=["read", "failed"])
async def test_a_push_while_a_result_is_read_is_the_one_told(
    sandbox: Sandbox, client: MtGoxClient, result_fails: bool
) -> None:
    """The stream tells of an order while a refresh waits for its result.

    The push reports it; the refresh, when its reply comes (or fails for the
    last time), tells nothing more and does not trip over the order's absence.
    """
    tracker = OrderTracker(client)
    oid = await client.add_order("BTCUSD", Side.ASK, ONE, Decimal(9000))
    await tracker.async_updates(tuple(await client.open_orders()))
    await client.cancel_order("BTCUSD", oid)
    if result_fails:  # every attempt but the last has failed already
        sandbox.faults.add(FaultKind.STATUS, path="1/generic/order/result")
        for _ in range(MAX_ORDER_RESULT_ATTEMPTS - 1):
            assert await tracker.async_updates(()) == ()
    sandbox.faults.add(
        FaultKind.LATENCY, path="1/generic/order/result", seconds=0.2, count=1
    )
    refresh = asyncio.create_task(tracker.async_updates(()))
    asked = (MAX_ORDER_RESULT_ATTEMPTS - 1) * result_fails + 1
    await until(lambda: sandbox.counters[RESULT_REQUESTS] == asked, "result asked")

    update = tracker.pushed_gone(oid, completed=False)
    assert update is not None
    assert update.event_type == ORDER_CANCELLED
    assert await refresh == ()
    assert await tracker.async_updates(()) == ()
