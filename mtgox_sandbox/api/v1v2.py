"""API versions 1 and 2: one set of handlers, two path grammars and envelopes.

* v1: ``/api/1/<PAIR|generic>/[public/|private/]<method>``, answers
  ``{"result":"success","return":X}``, or bare ``X`` with ``?raw``.  The
  ``public/``/``private/`` segment is optional and decorative: whether a call
  must be signed depends on the method only.
* v2: ``/api/2/[<PAIR>/]money/<method>``, answers ``{"result":"success","data":X}``;
  also ``/api/2/stream/list_public`` (see :mod:`mtgox_sandbox.stream.channels`).

Both accept the older method names (``depth``, ``fulldepth``, ``trades``,
``cancelledtrades``, ``quote``), so v2's deprecated ``money/depth``,
``money/fulldepth``, ``money/trades`` etc. work.

Choices where the reference is silent:

* **Cache.** Public data and ``info``, ``orders``, ``idkey`` and
  ``wallet/history`` are cacheable; ``order/add``, ``order/cancel`` and
  ``order/result`` never are.
* **Rights.** ``info``, ``orders``, ``idkey`` and ``wallet/history`` need
  ``get_info``; ``order/add`` and ``order/cancel`` need ``trade``;
  ``order/result`` needs ``get_info`` or ``trade`` (KAR's rights table).
* **``depth/fetch``** keeps the levels within ±10 % of the last price and
  reports those bounds as ``filter_min_price``/``filter_max_price``.
* **``order/lag``** is always zero (the engine matches at once):
  ``{"lag":0,"lag_secs":0,"lag_text":"0 seconds","length":"0"}``.
* **``idkey``** is base64 without padding (75 characters, like the fixture) of
  16 bytes of a digest of the key, an expiry 24 h ahead and an HMAC of both
  (:mod:`mtgox_sandbox.stream.idkeys`).
* **``order/cancel``** takes ``oid`` or, as nitrous documented, ``order``, and
  answers ``{"qid": <new uuid>, "oid": <oid>}``.
* **``trades/cancelled``** is always empty: sandbox trades are never undone.
* **``order/quote``** (``type``, ``amount`` in BTC units) answers
  ``{"amount": <quote-currency int>}`` from the opposite side of the book,
  each level valued like a fill (rounded down); a thin book quotes what it has.
* **``currency``** describes the ``currency`` parameter, else the pair's quote
  currency.
* **``wallet/history``** honours ``currency`` and ``page``; the filters
  ``type``, ``date_start``, ``date_end`` and ``trade_id`` are ignored.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mtgox_sandbox import money
from mtgox_sandbox.engine.models import (
    BASE,
    BTC_MULTIPLIER,
    uuid4_text,
)
from mtgox_sandbox.stream import channels, idkeys

from . import shapes
from .common import (
    ApiError,
    CallContext,
    Endpoint,
    Route,
    invalid_call,
    invalid_parameter,
)

DEPTH_FILTER_PERCENT: Final = 10
ORDER_TYPE: Final = "ask or bid"
POSITIVE_INTEGER: Final = "a positive integer"
MAX_DECIMAL_TEXT: Final = 64
"""Longest decimal ``amount``/``price`` text accepted (digits, point, sign, zeros)."""
GET_INFO: Final = frozenset({"get_info"})
TRADE: Final = frozenset({"trade"})


def parse_amount(ctx: CallContext, name: str, code: str) -> int | None:
    """Return ``<name>_int``, or the deprecated decimal ``<name>``, as ``*_int``.

    Both are bounded to the signed 64-bit range (see :func:`money.parse_int64`).
    """
    exact = ctx.integer(f"{name}_int", POSITIVE_INTEGER)
    if exact is not None:
        return exact
    decimal_text = ctx.params.get(name)
    if not decimal_text:
        return None
    expected = f"a decimal amount of {code}"
    # Any amount in range is far shorter; longer text is not even parsed.
    if len(decimal_text) > MAX_DECIMAL_TEXT:
        raise invalid_parameter(name, expected)
    try:
        value = money.parse_decimal_to_int(decimal_text, code)
    except ValueError:
        raise invalid_parameter(name, expected) from None
    if abs(value) > money.MAX_INT64:
        raise invalid_parameter(name, expected)
    return value


def place_order(ctx: CallContext, pair: str, side: str) -> str:
    """Place an order from ``amount_int``/``price_int`` (or their decimal forms)."""
    quote = money.pair_currencies(pair)[1]
    amount_int = parse_amount(ctx, "amount", BASE)
    if amount_int is None:
        raise invalid_parameter("amount_int", POSITIVE_INTEGER)
    price_int = parse_amount(ctx, "price", quote)
    return ctx.exchange.place_order(ctx.account, pair, side, amount_int, price_int).oid


def ticker(ctx: CallContext) -> dict[str, Any]:
    """Return the full ticker of the pair."""
    return shapes.ticker(ctx.exchange.ticker(ctx.require_pair()))


def ticker_fast(ctx: CallContext) -> dict[str, Any]:
    """Return the fast ticker of the pair."""
    return shapes.ticker_fast(ctx.exchange.ticker(ctx.require_pair()))


def depth_fetch(ctx: CallContext) -> dict[str, Any]:
    """Return the book within ±10 % of the last price, with the filter bounds."""
    pair = ctx.require_pair()
    quote = money.pair_currencies(pair)[1]
    last = ctx.exchange.ticker(pair).last
    low = last * (100 - DEPTH_FILTER_PERCENT) // 100
    high = last * (100 + DEPTH_FILTER_PERCENT) // 100
    book = ctx.exchange.depth(pair)
    return {
        "asks": [
            shapes.depth_entry(level, quote)
            for level in book.asks
            if level.price_int <= high
        ],
        "bids": [
            shapes.depth_entry(level, quote)
            for level in book.bids
            if level.price_int >= low
        ],
        "filter_min_price": shapes.currency_object(low, quote),
        "filter_max_price": shapes.currency_object(high, quote),
    }


def depth_full(ctx: CallContext) -> dict[str, Any]:
    """Return every level of the book."""
    pair = ctx.require_pair()
    quote = money.pair_currencies(pair)[1]
    book = ctx.exchange.depth(pair)
    return {
        "asks": [shapes.depth_entry(level, quote) for level in book.asks],
        "bids": [shapes.depth_entry(level, quote) for level in book.bids],
    }


def trades_fetch(ctx: CallContext) -> list[dict[str, Any]]:
    """Return the last 24 hours of trades, or those after ``since``."""
    trades = ctx.exchange.trades(ctx.require_pair(), ctx.integer("since"))
    return [shapes.trade(item) for item in trades]


def trades_cancelled(ctx: CallContext) -> list[dict[str, Any]]:
    """Return the cancelled trades: none, since a sandbox trade is never undone."""
    ctx.require_pair()
    return []


def order_quote(ctx: CallContext) -> dict[str, int]:
    """Return what ``amount`` BTC would cost (bid) or fetch (ask) in the quote currency.

    Walks the opposite side of the book from its best price, valuing each
    level's share like a fill (rounded down); a book too thin for ``amount``
    quotes what it holds.
    """
    pair = ctx.require_pair()
    side = ctx.text("type", ORDER_TYPE)
    if side not in {"bid", "ask"}:
        raise invalid_parameter("type", ORDER_TYPE)
    wanted = ctx.integer("amount", POSITIVE_INTEGER)
    if not wanted:
        raise invalid_parameter("amount", POSITIVE_INTEGER)
    book = ctx.exchange.depth(pair)
    levels = book.asks if side == "bid" else book.bids[::-1]
    total = 0
    for level in levels:
        taken = min(wanted, level.amount_int)
        total += taken * level.price_int // BTC_MULTIPLIER
        wanted -= taken
        if not wanted:
            break
    return {"amount": total}


def currency(ctx: CallContext) -> dict[str, str]:
    """Return the description of ``currency`` (or of the pair's quote currency)."""
    code = ctx.params.get("currency") or (
        money.pair_currencies(ctx.pair)[1] if ctx.pair else ""
    )
    try:
        return money.currency_info(code.upper())
    except ValueError:
        raise invalid_parameter("currency", "a currency code such as USD") from None


def order_lag(_ctx: CallContext) -> dict[str, Any]:
    """Return the matching lag, which is always zero here."""
    return {"lag": 0, "lag_secs": 0, "lag_text": "0 seconds", "length": "0"}


def stream_list_public(ctx: CallContext) -> dict[str, str]:
    """Return every public streaming channel's name and UUID (v2 ``stream/``)."""
    return channels.list_public(ctx.exchange.pairs)


def info(ctx: CallContext) -> dict[str, Any]:
    """Return the caller's account object."""
    return shapes.account_info(ctx.account)


def idkey(ctx: CallContext) -> str:
    """Return an id key for the streaming API, valid for 24 hours."""
    return idkeys.make_idkey(ctx.account, ctx.now_us)


def orders(ctx: CallContext) -> list[dict[str, Any]]:
    """Return the caller's open orders on every pair."""
    return [shapes.order(item) for item in ctx.exchange.open_orders(ctx.account)]


def order_add(ctx: CallContext) -> str:
    """Place an order; answer its oid."""
    return place_order(ctx, ctx.require_pair(), ctx.text("type", ORDER_TYPE))


def order_cancel(ctx: CallContext) -> dict[str, str]:
    """Cancel one of the caller's orders by ``oid`` (or ``order``)."""
    oid = ctx.params.get("oid") or ctx.text("order", "an order id")
    cancelled = ctx.exchange.cancel_order(ctx.account, oid)
    # A reply's id, not a secret: no entropy call per cancel.
    return {"qid": uuid4_text(random.getrandbits(128)), "oid": cancelled.oid}


def order_result(ctx: CallContext) -> dict[str, Any]:
    """Return the trades of one of the caller's orders."""
    side = ctx.text("type", ORDER_TYPE)
    oid = ctx.text("order", "an order id")
    return shapes.order_result(ctx.exchange.order_result(ctx.account, side, oid))


def wallet_history(ctx: CallContext) -> dict[str, Any]:
    """Return one page of a wallet's history."""
    code = ctx.text("currency", "a currency code such as BTC").upper()
    page = ctx.integer("page", POSITIVE_INTEGER) or 1
    return shapes.history_page(
        ctx.exchange.wallet_history(ctx.account, code, page), code
    )


ENDPOINTS: Final[dict[str, Endpoint]] = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint("ticker", ticker, cacheable=True),
        Endpoint("ticker_fast", ticker_fast, cacheable=True),
        Endpoint("depth/fetch", depth_fetch, cacheable=True),
        Endpoint("depth/full", depth_full, cacheable=True),
        Endpoint("trades/fetch", trades_fetch, cacheable=True),
        Endpoint("trades/cancelled", trades_cancelled, cacheable=True),
        Endpoint("order/quote", order_quote, cacheable=True),
        Endpoint("currency", currency, cacheable=True),
        Endpoint("order/lag", order_lag, cacheable=True),
        Endpoint("info", info, GET_INFO, cacheable=True, per_account=True),
        Endpoint("idkey", idkey, GET_INFO, cacheable=True),
        Endpoint("orders", orders, GET_INFO, cacheable=True),
        Endpoint("wallet/history", wallet_history, GET_INFO, cacheable=True),
        Endpoint("order/add", order_add, TRADE),
        Endpoint("order/cancel", order_cancel, TRADE),
        Endpoint("order/result", order_result, GET_INFO | TRADE),
    )
}

ALIASES: Final[dict[str, str]] = {
    "depth": "depth/fetch",
    "fulldepth": "depth/full",
    "trades": "trades/fetch",
    "cancelledtrades": "trades/cancelled",
    "quote": "order/quote",
}
"""Older v1 names, still accepted by v2 as deprecated aliases."""

STREAM_ENDPOINTS: Final[dict[str, Endpoint]] = {
    "list_public": Endpoint("stream/list_public", stream_list_public, cacheable=True),
}
"""v2's ``stream/<method>`` calls (no v1 path for them is attested)."""


def endpoint_named(method: str) -> Endpoint:
    """Return the endpoint of a method name or alias; 404 for anything else."""
    endpoint = ENDPOINTS.get(ALIASES.get(method, method))
    if endpoint is None:
        raise invalid_call()
    return endpoint


def parse_pair(segment: str) -> str:
    """Return a path segment as a currency pair such as ``BTCUSD``; 404 otherwise."""
    pair = segment.upper()
    try:
        money.pair_currencies(pair)
    except ValueError:
        raise invalid_call() from None
    return pair


def error_body(error: ApiError) -> dict[str, Any]:
    """Return the v1/v2 error body (``token`` omitted when the error has none)."""
    body: dict[str, Any] = {"result": "error", "error": error.message}
    if error.token is not None:
        body["token"] = error.token
    return body


@dataclass(frozen=True, slots=True)
class Version1:
    """``/api/1/<PAIR|generic>/[public/|private/]<method>`` with ``return``."""

    number: int = 1

    def route(self, path: str) -> Route:
        """Parse the path after ``/api/1/``."""
        head, _, rest = path.partition("/")
        pair = None if head == "generic" else parse_pair(head)
        scope, _, method = rest.partition("/")
        if scope not in {"public", "private"} or not method:
            method = rest
        return Route(endpoint_named(method), pair, path)

    def success(self, data: Any, query: Mapping[str, str]) -> Any:
        """Wrap ``data`` in the v1 envelope unless ``?raw`` asks for it bare."""
        if "raw" in query:
            return data
        return {"result": "success", "return": data}

    def failure(self, error: ApiError) -> Any:
        """Return the v1 error body."""
        return error_body(error)


@dataclass(frozen=True, slots=True)
class Version2:
    """``/api/2/[<PAIR>/]money/<method>`` with ``data``."""

    number: int = 2

    def route(self, path: str) -> Route:
        """Parse the path after ``/api/2/``."""
        head, _, rest = path.partition("/")
        if head == "stream":
            if rest not in STREAM_ENDPOINTS:
                raise invalid_call()
            return Route(STREAM_ENDPOINTS[rest], None, path)
        if head == "money":
            pair, method = None, rest
        else:
            section, _, method = rest.partition("/")
            if section != "money":
                raise invalid_call()
            pair = parse_pair(head)
        return Route(endpoint_named(method), pair, path)

    def success(self, data: Any, query: Mapping[str, str]) -> Any:
        """Wrap ``data`` in the v2 envelope."""
        return {"result": "success", "data": data}

    def failure(self, error: ApiError) -> Any:
        """Return the v2 error body."""
        return error_body(error)


V1: Final = Version1()
V2: Final = Version2()
