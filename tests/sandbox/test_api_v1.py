"""API v1 over loopback HTTP: every call, its envelope and its shapes (reference §3, §5)."""

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

from mtgox_sandbox.runner import Sandbox

from .helpers import (
    FORM,
    Caller,
    assert_currency_object,
    assert_depth_entry,
    assert_info,
    assert_order,
    assert_ticker,
    assert_trade,
    fresh_nonce,
    rest_sign,
)

CROSSING_BID = {"type": "bid", "amount_int": 1_000_000, "price_int": 90_000_000}
"""0.01 BTC at 900 USD: above the makers' asks around 800 USD, so it trades."""

RESTING_BID = {"type": "bid", "amount_int": 2_000_000, "price_int": 50_000_000}
"""0.02 BTC at 500 USD: below every ask, so it rests on the book."""


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


@pytest.mark.parametrize(
    "path", ["1/BTCUSD/ticker", "1/BTCUSD/public/ticker", "1/btcusd/ticker"]
)
async def test_ticker(caller: Caller, path: str) -> None:
    """The ticker answers with and without ``public/``."""
    assert_ticker(await caller.public(path))


async def test_ticker_in_another_currency(caller: Caller) -> None:
    """Each pair's ticker is in its quote currency."""
    assert_ticker(await caller.public("1/BTCEUR/ticker"), "EUR")


async def test_ticker_fast(caller: Caller) -> None:
    """The fast ticker carries the last price, the best bid and ask, now and item."""
    fast = await caller.public("1/BTCUSD/ticker_fast")
    assert set(fast) == {
        "last_local",
        "last_orig",
        "last_all",
        "last",
        "buy",
        "sell",
        "now",
        "item",
    }
    assert_currency_object(fast["buy"], "USD")


async def test_raw_answers_bare(caller: Caller) -> None:
    """``?raw`` drops the envelope."""
    reply = await caller.get("1/BTCUSD/ticker?raw")
    assert "result" not in reply.json
    assert_ticker(reply.json)


@pytest.mark.parametrize("path", ["1/BTCUSD/depth/fetch", "1/BTCUSD/depth"])
async def test_depth_fetch(caller: Caller, path: str) -> None:
    """Depth keeps ±10 % of the last price and reports the filter bounds."""
    depth = await caller.public(path)
    assert set(depth) == {"asks", "bids", "filter_min_price", "filter_max_price"}
    low = int(depth["filter_min_price"]["value_int"])
    high = int(depth["filter_max_price"]["value_int"])
    assert low == 72_000_000
    assert high == 88_000_000
    assert depth["asks"]
    assert depth["bids"]
    for entry in depth["asks"] + depth["bids"]:
        assert_depth_entry(entry)
        assert low <= int(entry["price_int"]) <= high


@pytest.mark.parametrize(
    "path", ["1/BTCUSD/fulldepth", "1/BTCUSD/public/fulldepth", "1/BTCUSD/depth/full"]
)
async def test_full_depth(caller: Caller, path: str) -> None:
    """Full depth lists every level, without filter bounds."""
    depth = await caller.public(path)
    assert set(depth) == {"asks", "bids"}
    prices = [float(entry["price"]) for entry in depth["asks"]]
    assert prices == sorted(prices)


async def test_trades_and_since(caller: Caller) -> None:
    """Trades appear after a crossing order; ``since`` skips the older ones."""
    assert await caller.public("1/BTCUSD/trades/fetch") == []
    await caller.data("1/BTCUSD/private/order/add", CROSSING_BID)
    await caller.data("1/BTCUSD/private/order/add", CROSSING_BID)
    trades = await caller.public("1/BTCUSD/trades")
    assert len(trades) == 2
    for trade in trades:
        assert_trade(trade)
    assert trades[0]["amount"] == "0.01"
    assert trades[0]["trade_type"] == "bid"
    newer = await caller.public(f"1/BTCUSD/trades/fetch?since={trades[0]['tid']}")
    assert newer == trades[1:]


@pytest.mark.parametrize(
    "path", ["1/generic/public/currency?currency=USD", "1/BTCUSD/currency"]
)
async def test_currency(caller: Caller, path: str) -> None:
    """Currency info names the decimals as strings."""
    info = await caller.public(path)
    assert info["currency"] == "USD"
    assert info["decimals"] == "5"
    assert info["symbol"] == "$"


async def test_order_lag(caller: Caller) -> None:
    """The lag object of sferik's fixture."""
    lag = await caller.public("1/generic/order/lag")
    assert lag == {"lag": 0, "lag_secs": 0, "lag_text": "0 seconds", "length": "0"}


@pytest.mark.parametrize("path", ["1/generic/private/info", "1/generic/info"])
async def test_info(caller: Caller, path: str) -> None:
    """Info answers with and without ``private/``."""
    info = await caller.data(path)
    assert_info(info)
    assert info["Rights"] == ["deposit", "get_info", "trade"]
    assert info["Trade_Fee"] == 0.6


async def test_idkey(caller: Caller) -> None:
    """The id key is a 75-character base64 string, like the fixture's."""
    idkey = await caller.data("1/generic/private/idkey")
    assert isinstance(idkey, str)
    assert len(idkey) == 75


async def test_order_add_lists_and_cancels(caller: Caller, sandbox: Sandbox) -> None:
    """A resting order shows in orders and Open_Orders until cancelled."""
    oid = await caller.data("1/BTCUSD/private/order/add", RESTING_BID)
    orders = await caller.data("1/generic/private/orders")
    assert [order["oid"] for order in orders] == [oid]
    assert_order(orders[0])
    assert orders[0]["status"] == "open"
    assert orders[0]["price"]["value"] == "500.00000"
    info = await caller.data("1/generic/private/info")
    assert info["Wallets"]["USD"]["Open_Orders"]["value"] == "10.00000"
    cancelled = await caller.data("1/BTCUSD/private/order/cancel", {"oid": oid})
    assert cancelled["oid"] == oid
    assert set(cancelled) == {"oid", "qid"}
    assert str(uuid.UUID(cancelled["qid"], version=4)) == cancelled["qid"]
    assert await caller.data("1/generic/private/orders") == []
    assert sandbox.exchange.open_orders(sandbox.account) == []


async def test_cancel_accepts_order_parameter(caller: Caller) -> None:
    """``order`` works where ``oid`` is expected (nitrous's documentation)."""
    oid = await caller.data("1/BTCUSD/order/add", RESTING_BID)
    assert (await caller.data("1/BTCUSD/order/cancel", {"order": oid}))["oid"] == oid


async def test_cancel_twice_is_order_not_found(caller: Caller) -> None:
    """The second cancel is the attested ``Order not found`` with a 5xx status."""
    oid = await caller.data("1/BTCUSD/order/add", RESTING_BID)
    await caller.data("1/BTCUSD/order/cancel", {"oid": oid})
    reply = await caller.signed("1/BTCUSD/order/cancel", {"oid": oid})
    assert reply.status == 500
    assert reply.json == {
        "result": "error",
        "error": "Order not found",
        "token": "unknown_error",
    }


async def test_order_result_of_a_filled_order(caller: Caller) -> None:
    """Order result lists the trades of a crossing order with their totals."""
    oid = await caller.data("1/BTCUSD/private/order/add", CROSSING_BID)
    result = await caller.data(
        "1/generic/private/order/result", {"type": "bid", "order": oid}
    )
    assert set(result) == {
        "order_id",
        "trades",
        "total_amount",
        "total_spent",
        "avg_cost",
    }
    assert result["order_id"] == oid
    assert result["total_amount"]["value_int"] == "1000000"
    trade = result["trades"][0]
    assert trade["type"] == "bid"
    assert trade["currency"] == "USD"
    assert isinstance(trade["trade_id"], str)
    assert_currency_object(trade["spent"], "USD")
    assert len(trade["date"]) == len("2013-07-29 21:40:17")


async def test_market_order(caller: Caller) -> None:
    """No price: the order takes the book at once and never rests."""
    oid = await caller.data(
        "1/BTCUSD/order/add", {"type": "ask", "amount_int": 1_000_000}
    )
    assert await caller.data("1/generic/orders") == []
    result = await caller.data("1/generic/order/result", {"type": "ask", "order": oid})
    assert result["trades"][0]["properties"] == "market"


async def test_deprecated_decimal_amount_and_price(caller: Caller) -> None:
    """Float ``amount``/``price`` are still accepted."""
    await caller.data(
        "1/BTCUSD/order/add", {"type": "bid", "amount": "0.5", "price": "100.5"}
    )
    [order] = await caller.data("1/generic/orders")
    assert order["amount"]["value_int"] == "50000000"
    assert order["price"]["value_int"] == "10050000"


async def test_too_small_order(caller: Caller) -> None:
    """Below 0.01 BTC the order is refused."""
    reply = await caller.signed(
        "1/BTCUSD/order/add", {"type": "bid", "amount_int": 999_999, "price_int": 1}
    )
    assert reply.json["result"] == "error"
    assert reply.json["error"] == "Order amount is too low"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"type": "bid"},
            'Invalid parameter "amount_int" (should be a positive integer)',
        ),
        (
            {"type": "bid", "amount_int": "x"},
            'Invalid parameter "amount_int" (should be a positive integer)',
        ),
        ({"amount_int": 1_000_000}, 'Invalid parameter "type" (should be ask or bid)'),
        (
            {"type": "buy", "amount_int": 1_000_000},
            'Invalid parameter "type" (should be ask or bid)',
        ),
        (
            {"type": "bid", "amount": "1e3"},
            'Invalid parameter "amount" (should be a decimal amount of BTC)',
        ),
    ],
)
async def test_bad_order_parameters(
    caller: Caller, params: dict[str, object], message: str
) -> None:
    """Malformed parameters are refused with the API's wording."""
    reply = await caller.signed("1/BTCUSD/order/add", params)
    assert reply.status == 500
    assert reply.json["error"] == message


async def test_wallet_history(caller: Caller) -> None:
    """The history page of the funded BTC wallet."""
    page = await caller.data("1/generic/private/wallet/history", {"currency": "BTC"})
    assert set(page) == {"records", "result", "current_page", "max_page", "max_results"}
    assert page["records"] == "1"
    [entry] = page["result"]
    assert entry["Type"] == "deposit"
    assert entry["Index"] == "1"
    assert_currency_object(entry["Value"], "BTC")
    assert_currency_object(entry["Balance"], "BTC")
    assert len(entry["Link"]) == 3


async def test_wallet_history_needs_currency(caller: Caller) -> None:
    """``currency`` is required."""
    reply = await caller.signed("1/generic/wallet/history")
    assert reply.json["result"] == "error"


async def test_public_call_signed_like_the_seed_nodejs_client(
    caller: Caller, sandbox: Sandbox
) -> None:
    """The seed client signs ``querystring.stringify({nonce})`` and POSTs it."""
    body = f"nonce={fresh_nonce()}".encode()
    headers = {
        "Rest-Key": sandbox.key,
        "Rest-Sign": rest_sign(sandbox.secret, body),
        "User-Agent": "Mozilla/4.0 (compatible; MtGox node.js client)",
        **FORM,
    }
    reply = await caller.request(
        "POST", "1/BTCUSD/public/ticker", body=body, headers=headers
    )
    assert reply.status == 200
    assert_ticker(reply.json["return"])


async def test_public_call_with_a_wrong_signature_is_answered(caller: Caller) -> None:
    """Public data ignores the signature entirely."""
    reply = await caller.signed("1/BTCUSD/public/ticker", rest_sign_value="AAAA")
    assert reply.status == 200


async def test_unknown_method(caller: Caller) -> None:
    """An unknown method is a 404 with the error envelope."""
    reply = await caller.get("1/BTCUSD/no/such/method")
    assert reply.status == 404
    assert reply.json == {
        "result": "error",
        "error": "Invalid call",
        "token": "invalid_call",
    }


@pytest.mark.parametrize("path", ["1/XYZUSD/ticker", "7/BTCUSD/ticker"])
async def test_unknown_pair_or_version(caller: Caller, path: str) -> None:
    """Unknown pairs and versions are unknown calls too."""
    assert (await caller.get(path)).status == 404


async def test_pair_required(caller: Caller) -> None:
    """Market data needs a pair."""
    reply = await caller.get("1/generic/ticker")
    assert reply.json["result"] == "error"


async def test_private_call_must_be_posted(caller: Caller) -> None:
    """A GET on a private call is refused before authentication."""
    reply = await caller.get("1/generic/private/info")
    assert reply.status == 405
    assert reply.json["token"] == "invalid_request_method"
