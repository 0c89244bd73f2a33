"""API v0's own shapes: its order list, and the new order its reply may not name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import MtGoxOrderPlacedError, MtGoxResponseError
from .fields import (
    JsonObject,
    excerpt,
    field,
    from_seconds,
    integer,
    json_list,
    json_object,
    number,
    text,
)
from .models import Order, Side
from .money import from_int_units

if TYPE_CHECKING:
    from decimal import Decimal

_V0_SIDES = {1: Side.ASK, 2: Side.BID}
V0_ORDER_TYPES = {side: str(number) for number, side in _V0_SIDES.items()}
"""The ``type`` v0 sends for a side: 1 ask, 2 bid."""
_V0_STATUSES = {1: "open", 2: "invalid"}
"""The documented v0 statuses in v1 words; others (0 occurs) keep their number."""


def parse_v0_orders(payload: object) -> list[Order]:
    """Parse v0's open orders, ``{"orders": [...], ...}``."""
    orders = json_list(field(json_object(payload, "orders reply"), "orders"), "orders")
    return [_order(order) for order in orders]


def new_order_oid(
    payload: object,
    before: frozenset[str],
    pair: str,
    side: Side,
    amount: Decimal,
    price: Decimal | None,
) -> str:
    """Return the oid of the order a v0 reply without ``oid`` lists as new.

    The new order is the listed one that was not open before; if several are
    (the list read before may come from the exchange's 10 s cache), the one of
    the side, amount and price just asked for. Raises MtGoxOrderPlacedError
    when none or several remain: the order was placed all the same.
    """
    try:
        listed = parse_v0_orders(payload)
    except MtGoxResponseError:
        listed = []
    new = [order for order in listed if order.oid not in before]
    if len(new) > 1:
        new = [
            order
            for order in new
            if order.pair == pair
            and order.side is side
            and order.amount == amount
            and (price is None or order.price == price)
        ]
    if len(new) == 1:
        return new[0].oid
    raise MtGoxOrderPlacedError(
        f"{side.value} order on {pair} was placed, but the exchange's reply "
        "does not say which open order it is"
    )


def _order(value: object) -> Order:
    order = json_object(value, "order")
    item = text(order, "item", "order")
    currency = text(order, "currency", "order")
    order_side = _V0_SIDES.get(integer(field(order, "type"), "v0 order type"))
    if order_side is None:
        raise MtGoxResponseError(f"v0 order type is not 1 or 2: {excerpt(order)}")
    real_status = order.get("real_status")
    if isinstance(real_status, str) and real_status:
        status = real_status
    else:
        code = integer(field(order, "status"), "v0 order status")
        status = _V0_STATUSES.get(code, str(code))
    amount = _amount(order, "amount", item)
    price = None if order.get("price") is None else _amount(order, "price", currency)
    return Order(
        oid=text(order, "oid", "order"),
        pair=f"{item}{currency}",
        item=item,
        currency=currency,
        side=order_side,
        amount=amount,
        effective_amount=amount,
        price=price,
        status=status,
        date=from_seconds(field(order, "date"), "order date"),
    )


def _amount(order: JsonObject, key: str, currency: str) -> Decimal:
    """Return a v0 amount: exact ``<key>_int`` (2013) or the plain number (2011)."""
    units = order.get(f"{key}_int")
    if units is None:
        return number(order, key, "order")
    return from_int_units(integer(units, f"order {key}_int"), currency)
