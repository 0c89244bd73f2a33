"""The Streaming API's messages, parsed into immutable models with exact amounts.

A channel message is ``{"channel", "channel_name", "op": "private", "private":
<kind>, <kind>: <payload>}``; answers to operations are ``op`` ``subscribe``,
``unsubscribe``, ``remark`` or ``result``.  :func:`parse_push` turns one text
frame into a model, None for a message of no interest (an unknown kind, a
call's result), or raises MtGoxResponseError: the frame is then skipped and the
connection stays usable.  Amounts come from ``*_int`` and ``value_int`` only,
never from the float-like ``price`` and ``amount`` numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple

from .errors import MtGoxResponseError
from .fields import (
    JsonObject,
    excerpt,
    field,
    from_microseconds,
    integer,
    json_object,
    money,
    side,
    string,
    text,
)
from .models import PAIR_PATTERN, ApiVersion, Order, Side, Ticker
from .money import from_int_units
from .parsing import load_json, parse_orders, parse_ticker

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

_MICROSECOND_PLACES: Final = 6


class TickerPush(NamedTuple):
    """A pair's new ticker."""

    ticker: Ticker


class DepthPush(NamedTuple):
    """One price level of a pair's book changed; ``volume_change`` < 0 when it shrank."""

    pair: str
    side: Side
    price: Decimal
    volume_change: Decimal
    total_volume: Decimal
    updated: datetime


class TradePush(NamedTuple):
    """A trade on the exchange; ``side`` is the taker's (``trade_type``)."""

    trade_id: str
    pair: str
    side: Side
    amount: Decimal
    price: Decimal
    primary: bool


class LagPush(NamedTuple):
    """How long the engine's queue delays a new order, in seconds."""

    lag: Decimal


class OrderPush(NamedTuple):
    """One of the account's orders as it now stands (placed, partly filled)."""

    order: Order


class OrderGonePush(NamedTuple):
    """One of the account's orders left the book.

    ``reason`` is ``requested`` (cancelled), ``completed_passive`` (filled
    while resting) or ``completed_active`` (done while being placed).
    """

    oid: str
    reason: str

    @property
    def completed(self) -> bool:
        """Return whether the order left the book because it was done trading."""
        return self.reason.startswith("completed")


class WalletPush(NamedTuple):
    """A posting on one of the account's wallets and the wallet's new balance."""

    op: str
    currency: str
    amount: Decimal
    balance: Decimal


class Subscribed(NamedTuple):
    """The server's answer to a subscription."""

    channel: str


class Remark(NamedTuple):
    """A refusal: of a subscription, an operation or a frame."""

    message: str


type Push = (
    TickerPush
    | DepthPush
    | TradePush
    | LagPush
    | OrderPush
    | OrderGonePush
    | WalletPush
    | Subscribed
    | Remark
)


def parse_push(frame: str | bytes) -> Push | None:
    """Parse one text frame of the plain websocket."""
    message = json_object(load_json(frame), "message")
    match message.get("op"):
        case "private":
            kind = text(message, "private", "message")
            parse = _CHANNEL_PAYLOADS.get(kind)
            if parse is None:
                return None
            return parse(message, field(message, kind))
        case "subscribe":
            return Subscribed(text(message, "channel", "subscription"))
        case "remark":
            reason = message.get("message")
            return Remark(reason if isinstance(reason, str) else excerpt(reason))
        case "unsubscribe" | "result":
            return None
    raise MtGoxResponseError(f"unknown message: {excerpt(message)}")


def _pair_of(message: JsonObject) -> str:
    """Return the pair a ``ticker.BTCUSD`` channel name names."""
    name = text(message, "channel_name", "message")
    pair = name.partition(".")[2]
    if not PAIR_PATTERN.fullmatch(pair):
        raise MtGoxResponseError(f"no pair in channel name {excerpt(name)}")
    return pair


def _ticker(message: JsonObject, payload: object) -> TickerPush:
    return TickerPush(parse_ticker(ApiVersion.V2, _pair_of(message), payload))


def _depth(_message: JsonObject, payload: object) -> DepthPush:
    depth = json_object(payload, "depth")
    currency = text(depth, "currency", "depth")
    item = text(depth, "item", "depth")

    def units(key: str, unit: str) -> Decimal:
        return from_int_units(integer(field(depth, key), f"depth {key}"), unit)

    price = units("price_int", currency)
    total_volume = units("total_volume_int", item)
    if price <= 0 or total_volume < 0:
        raise MtGoxResponseError(f"depth: not a book level: {excerpt(depth)}")
    return DepthPush(
        pair=f"{item}{currency}",
        side=side(text(depth, "type_str", "depth")),
        price=price,
        volume_change=units("volume_int", item),
        total_volume=total_volume,
        updated=from_microseconds(field(depth, "now"), "depth now"),
    )


def _trade(_message: JsonObject, payload: object) -> TradePush:
    trade = json_object(payload, "trade")
    currency = text(trade, "price_currency", "trade")
    item = text(trade, "item", "trade")
    primary = trade.get("primary")
    return TradePush(
        trade_id=text(trade, "tid", "trade"),
        pair=f"{item}{currency}",
        side=side(text(trade, "trade_type", "trade")),
        amount=from_int_units(
            integer(field(trade, "amount_int"), "trade amount"), item
        ),
        price=from_int_units(
            integer(field(trade, "price_int"), "trade price"), currency
        ),
        primary=primary in {"Y", True},
    )


def _lag(_message: JsonObject, payload: object) -> LagPush:
    age = integer(field(json_object(payload, "lag"), "age"), "lag age")
    if age < 0:
        raise MtGoxResponseError(f"lag age: expected at least 0, got {age}")
    return LagPush(Decimal(age).scaleb(-_MICROSECOND_PLACES))


def _user_order(_message: JsonObject, payload: object) -> OrderPush | OrderGonePush:
    order = json_object(payload, "user_order")
    if "reason" in order:
        return OrderGonePush(
            oid=text(order, "oid", "user_order"),
            reason=text(order, "reason", "user_order"),
        )
    return OrderPush(parse_orders(ApiVersion.V2, [order])[0])


def _wallet(_message: JsonObject, payload: object) -> WalletPush:
    wallet = json_object(payload, "wallet")
    balance = json_object(field(wallet, "balance"), "wallet balance")
    currency = string(balance.get("currency"), "wallet currency")
    return WalletPush(
        op=text(wallet, "op", "wallet"),
        currency=currency,
        amount=money(wallet, "amount", "wallet", currency),
        balance=money(wallet, "balance", "wallet", currency),
    )


_CHANNEL_PAYLOADS: Final[dict[str, Callable[[JsonObject, object], Push]]] = {
    "ticker": _ticker,
    "depth": _depth,
    "trade": _trade,
    "lag": _lag,
    "user_order": _user_order,
    "wallet": _wallet,
}
