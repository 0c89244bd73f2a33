"""The Streaming API's messages, in the envelopes and payloads of reference §8.

Every channel message is ``{"channel": <uuid>, "channel_name": <name>,
"op": "private", "origin": "broadcast", "private": <kind>, "stamp": <µs>,
<kind>: <payload>}``.  Choices where the sources are silent:

* **depth**: ``price`` and ``volume`` are decimal strings without trailing
  zeros as in the recorded message (``"62.5"``); ``volume``/``volume_int`` is
  the level's change (negative when volume left), ``total_volume_int`` its new
  total; ``type`` is 1 for asks and 2 for bids, as v0 numbered them.
* **lag**: ``{"qid": <oid>, "stamp": <µs>, "age": 0}`` after each order the
  engine takes in: the sandbox matches at once, so the queue's age is 0.
* **Private channel** messages carry the account's private channel name
  ``private.<account index>`` and its UUID (made up, stable); their
  ``origin`` is ``broadcast`` too.
* **wallet**: ``ref`` is the trade id of a trade's posting, else ``null``.
* **remark**: besides ``success``, ``message`` and ``id``, a refused signed
  call carries the HTTP error's ``token`` so that a client can tell the
  reasons apart (clients of the time ignore unknown fields).
"""

from typing import Any

from mtgox_sandbox import money
from mtgox_sandbox.api import shapes
from mtgox_sandbox.engine.feed import DepthEvent, OrderEvent, WalletEvent
from mtgox_sandbox.engine.models import BASE, Order, Trade

from .channels import channel_uuid

type Message = dict[str, Any]

DEPTH_TYPE = {"ask": 1, "bid": 2}


def private_channel_name(account_index: str) -> str:
    """Return the name of an account's private channel."""
    return f"private.{account_index}"


def channel_message(name: str, kind: str, payload: Any, now_us: int) -> Message:
    """Wrap ``payload`` in the channel message envelope."""
    return {
        "channel": channel_uuid(name),
        "channel_name": name,
        "op": "private",
        "origin": "broadcast",
        "private": kind,
        "stamp": str(now_us),
        kind: payload,
    }


def depth_payload(event: DepthEvent, now_us: int) -> dict[str, Any]:
    """Return the depth payload for a change of one level."""
    quote = money.pair_currencies(event.pair)[1]
    return {
        "currency": quote,
        "item": BASE,
        "now": str(now_us),
        "price": shapes.plain_number(event.price_int, quote),
        "price_int": str(event.price_int),
        "total_volume_int": str(event.amount_int),
        "type": DEPTH_TYPE[event.side],
        "type_str": event.side,
        "volume": shapes.plain_number(event.change_int, BASE),
        "volume_int": str(event.change_int),
    }


def trade_payload(trade: Trade) -> dict[str, Any]:
    """Return the trade payload: price and amount as numbers, unlike HTTP."""
    quote = money.pair_currencies(trade.pair)[1]
    return shapes.trade(trade) | {
        "price": money.to_float(trade.price_int, quote),
        "amount": money.to_float(trade.amount_int, BASE),
        "type": "trade",
    }


def lag_payload(oid: str, now_us: int) -> dict[str, Any]:
    """Return the lag payload: the sandbox's queue is always empty."""
    return {"qid": oid, "stamp": str(now_us), "age": 0}


def user_order_payload(event: OrderEvent, order: Order | None) -> dict[str, Any]:
    """Return the ``user_order`` payload: the order, or its removal and why."""
    if event.reason is not None or order is None:
        return {"oid": event.oid, "reason": event.reason or "requested"}
    return shapes.order(order)


def wallet_payload(event: WalletEvent) -> dict[str, Any] | None:
    """Return the ``wallet`` payload of a posting (None for a reserve change)."""
    entry = event.entry
    if entry is None:
        return None
    return {
        "op": entry.type,
        "amount": shapes.currency_object(entry.value_int, event.currency),
        "info": entry.info,
        "ref": None if entry.trade is None else str(entry.trade.tid),
        "balance": shapes.currency_object(event.balance_int, event.currency),
    }


def subscribed(op: str, channel: str) -> Message:
    """Return the answer to a subscription or unsubscription."""
    return {"op": op, "channel": channel}


def remark(message: str, request_id: Any = None, token: str | None = None) -> Message:
    """Return a refusal: ``success`` false, the reason, the request's ``id``."""
    answer: Message = {"op": "remark", "success": False, "message": message}
    answer["id"] = request_id
    if token is not None:
        answer["token"] = token
    return answer


def result(request_id: Any, data: Any) -> Message:
    """Return a signed call's answer."""
    return {"op": "result", "id": request_id, "result": data}
