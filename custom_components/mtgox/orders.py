"""Order tracking: which open orders left the book, and how.

The account's open orders are polled with everything else; an order gone
from the list is asked about once with ``order/result``, which tells a fill
from a cancellation, and tried again at the next refreshes when that fails.
While the stream is up, its private channel says the same at once
(:meth:`OrderTracker.pushed`, :meth:`OrderTracker.pushed_gone`). Whichever
tells first reports an order; the other then ignores it, so that no order is
reported twice, across a reconnect or a refresh racing a push.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple

from homeassistant.util.dt import utcnow

from .api import MtGoxError, MtGoxOrderNotFoundError, Order
from .const import LOGGER

if TYPE_CHECKING:
    from .api import MtGoxClient, OrderResult, Side

ORDER_FILLED: Final = "filled"
ORDER_CANCELLED: Final = "cancelled"
# Refreshes in a row that may fail to read the fills of a closed order before
# the integration gives up on reporting it.
MAX_ORDER_RESULT_ATTEMPTS: Final = 5
# Orders placed by the entry whose pair and side cancel_order remembers.
MAX_PLACED_ORDERS: Final = 100
# Orders reported filled or cancelled that the tracker still recognises.
MAX_REPORTED_ORDERS: Final = 1000
# The exchange's order list may be this old (its cache): an order the stream
# placed more recently is not taken as gone for missing from it.
ORDER_LIST_AGE: Final = timedelta(seconds=10)


class OrderUpdate(NamedTuple):
    """An open order that left the book between two refreshes.

    ``event_type`` is ``filled`` or ``cancelled``; ``amount`` is what was still
    open when the integration last saw the order, ``filled_amount`` what the
    order traded over its whole life (from the exchange's order result).
    """

    event_type: str
    order: Order
    amount: Decimal
    filled_amount: Decimal


@dataclass
class _TrackedOrder:
    """An open order as the refreshes saw it.

    ``first_amount`` is the amount open when first seen: an order whose fills
    reach it was filled rather than cancelled. ``attempts`` counts the
    refreshes that could not read the fills of an order gone from the book.
    ``unlisted_since`` is when the stream first told of an order that no
    order list has shown yet.
    """

    order: Order
    first_amount: Decimal
    attempts: int = 0
    unlisted_since: datetime | None = None


class OrderTracker:
    """Follow one account's open orders from refresh to refresh."""

    def __init__(self, client: MtGoxClient) -> None:
        """Track nothing yet; ``client`` reads the results of closed orders."""
        self._client = client
        self._open: dict[str, _TrackedOrder] = {}
        self._closed: dict[str, _TrackedOrder] = {}
        self._reported: dict[str, None] = {}  # insertion-ordered set, oldest first
        self.placed: dict[str, Order] = {}
        """The orders this entry placed, as placed, by order id.

        The exchange's order list is cached for 10 s: an order placed just now
        may be missing from it and from the last refresh, yet can be cancelled.
        """

    def remember_placed(
        self, oid: str, pair: str, side: Side, amount: Decimal, price: Decimal | None
    ) -> None:
        """Keep an order this entry placed, the newest few, as it was sent."""
        item, currency = pair[:3], pair[3:]
        self.placed[oid] = Order(
            oid, pair, item, currency, side, amount, amount, price, "pending", utcnow()
        )
        while len(self.placed) > MAX_PLACED_ORDERS:
            del self.placed[next(iter(self.placed))]

    async def async_updates(self, orders: tuple[Order, ...]) -> tuple[OrderUpdate, ...]:
        """Tell which orders open at the last refresh are gone now, and how.

        Only when an order has left the book does this spend a request. Orders
        closed while Home Assistant was not running, or opened and closed
        between two refreshes, are never seen and never reported.
        """
        current = {
            order.oid: order for order in orders if order.oid not in self._reported
        }
        # The list may have been made this long ago: an order the stream told
        # of at that moment or later may be missing from it, yet open.
        listed_since = utcnow() - ORDER_LIST_AGE
        pushed_since = {
            oid: tracked
            for oid, tracked in self._open.items()
            if oid not in current
            and tracked.unlisted_since
            and tracked.unlisted_since >= listed_since
        }
        for oid, tracked in self._open.items():
            if oid not in current and oid not in pushed_since:
                self._closed[oid] = tracked
        self._open = pushed_since | {
            oid: _TrackedOrder(
                order,
                first_amount=(
                    self._open[oid].first_amount if oid in self._open else order.amount
                ),
            )
            for oid, order in current.items()
        }
        updates: list[OrderUpdate] = []
        for oid, tracked in list(self._closed.items()):
            result: OrderResult | None
            try:
                result = await self._client.order_result(tracked.order.side, oid)
            except MtGoxOrderNotFoundError:
                # The exchange forgets an order closed without a single fill.
                result = None
            except MtGoxError as err:
                self._result_failed(oid, tracked, err)
                continue
            if self._closed.pop(oid, None) is None:
                continue  # the stream told of it while its result was read
            self._remember_reported(oid)
            updates.append(_order_update(tracked, result))
        return tuple(updates)

    def pushed(self, order: Order) -> bool:
        """Follow an order the stream says was placed or changed; False if reported."""
        if order.oid in self._reported:
            return False
        # A change the stream held back, of an order a refresh saw go but
        # could not read yet: the order is followed as open again, in one place.
        tracked = self._open.get(order.oid) or self._closed.pop(order.oid, None)
        self._open[order.oid] = (
            _TrackedOrder(order, order.amount, unlisted_since=utcnow())
            if tracked is None
            else _TrackedOrder(
                order, tracked.first_amount, unlisted_since=tracked.unlisted_since
            )
        )
        return True

    def pushed_gone(self, oid: str, *, completed: bool) -> OrderUpdate | None:
        """Report an order the stream says left the book, unless already reported.

        ``completed``: it traded all that was open when first seen. The fills
        come from what the tracker saw, so no request is spent on them.
        """
        tracked = self._open.pop(oid, None) or self._closed.pop(oid, None)
        if tracked is None:
            return None
        self._remember_reported(oid)
        order = tracked.order
        return OrderUpdate(
            event_type=ORDER_FILLED if completed else ORDER_CANCELLED,
            order=order,
            amount=order.amount,
            filled_amount=tracked.first_amount - (0 if completed else order.amount),
        )

    def _remember_reported(self, oid: str) -> None:
        self._reported[oid] = None
        while len(self._reported) > MAX_REPORTED_ORDERS:
            del self._reported[next(iter(self._reported))]

    def _result_failed(self, oid: str, tracked: _TrackedOrder, err: MtGoxError) -> None:
        """Try a closed order again at the next refresh, a few times only."""
        tracked.attempts += 1
        if tracked.attempts < MAX_ORDER_RESULT_ATTEMPTS:
            LOGGER.debug("Could not read the result of order %s yet: %s", oid, err)
            return
        if self._closed.pop(oid, None) is None:
            return  # the stream told of it meanwhile
        LOGGER.warning(
            "Order %s left the book, but its result could not be read in %d "
            "refreshes (%s); no filled or cancelled event is sent for it",
            oid,
            tracked.attempts,
            err,
        )


def _order_update(tracked: _TrackedOrder, result: OrderResult | None) -> OrderUpdate:
    """Describe a closed order: filled once its fills reach what was first open.

    An order partly filled before the integration first saw it, then cancelled,
    counts as filled when its fills reach the amount first seen open.
    """
    filled_amount = Decimal(0) if result is None else result.total_amount
    return OrderUpdate(
        event_type=(
            ORDER_FILLED
            if filled_amount and filled_amount >= tracked.first_amount
            else ORDER_CANCELLED
        ),
        order=tracked.order,
        amount=tracked.order.amount,
        filled_amount=filled_amount,
    )
