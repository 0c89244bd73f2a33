"""API version 0: ``/api/0/<name>.php``, bare objects, floats, numeric codes.

No envelope: results are bare JSON, errors ``{"error":"..."}`` (with the same
HTTP statuses as v1/v2).  Amounts are JSON numbers (floats) except where the
reference shows otherwise (trades reuse the HTTP trade object with strings).

Choices where the reference is silent:

* ``Currency`` (default ``USD``) picks the pair ``BTC<Currency>`` for market
  data and orders; ``getFunds.php``, ``getOrders.php`` and ``cancelOrder.php``
  report ``usds`` from the USD wallet.
* Order ``type`` 1 = ask (sell), 2 = bid (buy); ``status`` 1 = open (active),
  2 = not enough funds (never listed, since refused orders are not kept),
  0 = anything else.
* ``buyBTC.php``/``sellBTC.php`` answer the attested ``status`` and ``orders``
  plus the new order's ``oid``, without which a client could not cancel it;
  the ``omit_oid`` fault leaves the ``oid`` out, as the recorded real reply.
* ``cancelOrder.php`` finds the order by ``oid``; ``type`` (1 ask, 2 bid) is
  optional, but when given it must be the order's side, else the order is
  "not found" as an unknown oid would be.
* A stale nonce is answered ``{"error":"Invalid nonce"}`` (HTTP 403): v0 errors
  have no token, and a client must tell it from other login errors, which say
  "Identification required to access private API" as in v1.
* ``getTrades.php`` returns at most 100 trades after ``since``; without
  ``since``, every trade of the last 24 hours.
* A missing ``Rest-Key`` is answered ``{"error":"Not logged in."}`` (RB0's
  fixture); other authentication failures carry the v1 message.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mtgox_sandbox import money
from mtgox_sandbox.auth import LoginError
from mtgox_sandbox.engine.models import (
    BASE,
    OPEN,
    ORDER_NOT_FOUND,
    UNKNOWN_ERROR_TOKEN,
    ExchangeError,
    Order,
)

from . import shapes
from .common import (
    ApiError,
    CallContext,
    Endpoint,
    Route,
    invalid_call,
    invalid_parameter,
)
from .v1v2 import GET_INFO, TRADE, place_order

V0_TYPES: Final[dict[str, int]] = {"ask": 1, "bid": 2}
V0_STATUS_OPEN: Final = 1
V0_STATUS_OTHER: Final = 0
MAX_TRADES: Final = 100
QUEUED: Final = "Your order has been queued for execution"
V0_MESSAGES: Final[dict[str | None, str]] = {
    LoginError.MISSING_REST_KEY: "Not logged in.",
    LoginError.INVALID_NONCE: "Invalid nonce",
}


def _pair(ctx: CallContext) -> str:
    """Return ``BTC<Currency>`` from the ``Currency`` parameter (default USD)."""
    pair = BASE + ctx.params.get("Currency", "USD").upper()
    if pair not in ctx.exchange.pairs:
        raise invalid_parameter("Currency", "a traded currency such as USD")
    return pair


def _order(item: Order) -> dict[str, Any]:
    """Return a v0 order object."""
    return {
        "oid": item.oid,
        "currency": item.currency,
        "item": BASE,
        "type": V0_TYPES[item.side],
        "amount": money.to_float(item.amount_int, BASE),
        "price": money.to_float(item.price_int or 0, item.currency),
        "status": V0_STATUS_OPEN if item.status == OPEN else V0_STATUS_OTHER,
        "dark": 0,
        "date": item.date,
        "priority": str(item.priority),
    }


def _funds(ctx: CallContext) -> dict[str, float]:
    """Return ``usds`` and ``btcs``, the balances ``getFunds.php`` reports."""
    wallets = ctx.account.wallets
    return {
        "usds": money.to_float(wallets["USD"].balance_int, "USD"),
        "btcs": money.to_float(wallets[BASE].balance_int, BASE),
    }


def _open_orders(ctx: CallContext) -> list[dict[str, Any]]:
    """Return the caller's open orders as v0 objects."""
    return [_order(item) for item in ctx.exchange.open_orders(ctx.account)]


def ticker(ctx: CallContext) -> dict[str, Any]:
    """Return ``{"ticker": {...}}`` with float figures."""
    figures = ctx.exchange.ticker(_pair(ctx))
    quote = money.pair_currencies(figures.pair)[1]
    prices = {
        "high": figures.high,
        "low": figures.low,
        "avg": figures.avg,
        "vwap": figures.vwap,
        "last_all": figures.last,
        "last_local": figures.last,
        "last": figures.last,
        "buy": figures.buy,
        "sell": figures.sell,
    }
    floats = {name: money.to_float(value, quote) for name, value in prices.items()}
    return {"ticker": floats | {"vol": money.to_float(figures.vol, BASE)}}


def depth(ctx: CallContext) -> dict[str, list[list[float]]]:
    """Return ``[price, amount]`` pairs for both sides."""
    book = ctx.exchange.depth(_pair(ctx))
    quote = money.pair_currencies(book.pair)[1]
    return {
        side: [
            [
                money.to_float(level.price_int, quote),
                money.to_float(level.amount_int, BASE),
            ]
            for level in levels
        ]
        for side, levels in (("asks", book.asks), ("bids", book.bids))
    }


def trades(ctx: CallContext) -> list[dict[str, Any]]:
    """Return trades after ``since`` (at most 100), or the last 24 hours."""
    since = ctx.integer("since")
    found = ctx.exchange.trades(_pair(ctx), since)
    if since is not None:
        found = found[:MAX_TRADES]
    return [shapes.trade(item) for item in found]


def get_funds(ctx: CallContext) -> dict[str, float]:
    """Return the USD and BTC balances."""
    return _funds(ctx)


def info(ctx: CallContext) -> dict[str, Any]:
    """Return the account object, unwrapped."""
    return shapes.account_info(ctx.account)


def get_orders(ctx: CallContext) -> dict[str, Any]:
    """Return the balances and the open orders, filtered by oid, type, status."""
    listed = _open_orders(ctx)
    for name in ("oid", "type", "status"):
        wanted = ctx.params.get(name)
        if wanted:
            listed = [item for item in listed if str(item[name]) == wanted]
    return _funds(ctx) | {"orders": listed}


def _trade_btc(ctx: CallContext, side: str) -> dict[str, Any]:
    """Place an order from the decimal ``amount`` and optional ``price``."""
    oid = place_order(ctx, _pair(ctx), side)
    return {"status": QUEUED, "oid": oid, "orders": _open_orders(ctx)}


def buy_btc(ctx: CallContext) -> dict[str, Any]:
    """Place a bid."""
    return _trade_btc(ctx, "bid")


def sell_btc(ctx: CallContext) -> dict[str, Any]:
    """Place an ask."""
    return _trade_btc(ctx, "ask")


def cancel_order(ctx: CallContext) -> dict[str, Any]:
    """Cancel an order by ``oid`` (of ``type``, if given); answer like ``getOrders.php``."""
    oid = ctx.text("oid", "an order id")
    wanted = ctx.params.get("type")
    if wanted:
        sides = {item.oid: item.side for item in ctx.exchange.open_orders(ctx.account)}
        if oid in sides and str(V0_TYPES[sides[oid]]) != wanted:
            # Answered as an unknown oid is: no order of that type has it.
            raise ExchangeError(ORDER_NOT_FOUND, UNKNOWN_ERROR_TOKEN)
    ctx.exchange.cancel_order(ctx.account, oid)
    return _funds(ctx) | {"orders": _open_orders(ctx)}


ENDPOINTS: Final[dict[str, Endpoint]] = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint("data/ticker.php", ticker, cacheable=True),
        Endpoint("data/getDepth.php", depth, cacheable=True),
        Endpoint("data/getTrades.php", trades, cacheable=True),
        Endpoint("getFunds.php", get_funds, GET_INFO, cacheable=True, per_account=True),
        Endpoint("info.php", info, GET_INFO, cacheable=True, per_account=True),
        Endpoint("getOrders.php", get_orders, GET_INFO, cacheable=True),
        Endpoint("buyBTC.php", buy_btc, TRADE),
        Endpoint("sellBTC.php", sell_btc, TRADE),
        Endpoint("cancelOrder.php", cancel_order, TRADE),
    )
}


@dataclass(frozen=True, slots=True)
class Version0:
    """``/api/0/<name>.php``: bare results, ``{"error": ...}`` errors."""

    number: int = 0

    def route(self, path: str) -> Route:
        """Parse the path after ``/api/0/``."""
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            raise invalid_call()
        return Route(endpoint, None, path)

    def success(self, data: Any, query: Mapping[str, str]) -> Any:
        """Return ``data`` bare."""
        return data

    def failure(self, error: ApiError) -> Any:
        """Return ``{"error": message}``."""
        return {"error": V0_MESSAGES.get(error.token, error.message)}


V0: Final = Version0()
