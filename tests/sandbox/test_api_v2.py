"""API v2 over loopback HTTP: paths, the ``data`` envelope, aliases (reference §4)."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from mtgox_sandbox.runner import Sandbox

from .helpers import (
    Caller,
    assert_depth_entry,
    assert_info,
    assert_order,
    assert_ticker,
    assert_trade,
)

RESTING_ASK = {"type": "ask", "amount_int": 1_000_000, "price_int": 200_000_000}
"""0.01 BTC at 2,000 USD: above every bid, so it rests on the book."""


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


async def test_ticker(caller: Caller) -> None:
    """The v2 ticker is wrapped in ``data``."""
    reply = await caller.get("2/BTCUSD/money/ticker")
    assert set(reply.json) == {"result", "data"}
    assert_ticker(reply.json["data"])


async def test_ticker_fast(caller: Caller) -> None:
    """The fast ticker answers on v2 too."""
    assert "last" in await caller.public("2/BTCJPY/money/ticker_fast")


@pytest.mark.parametrize("path", ["2/BTCUSD/money/depth/fetch", "2/BTCUSD/money/depth"])
async def test_depth_fetch_and_its_deprecated_alias(caller: Caller, path: str) -> None:
    """``money/depth`` is the deprecated name of ``money/depth/fetch``."""
    depth = await caller.public(path)
    assert "filter_min_price" in depth
    for entry in depth["bids"]:
        assert_depth_entry(entry)


@pytest.mark.parametrize(
    "path", ["2/BTCUSD/money/depth/full", "2/BTCUSD/money/fulldepth"]
)
async def test_full_depth_and_its_deprecated_alias(caller: Caller, path: str) -> None:
    """``money/fulldepth`` is the deprecated name of ``money/depth/full``."""
    assert set(await caller.public(path)) == {"asks", "bids"}


@pytest.mark.parametrize(
    "path", ["2/BTCUSD/money/trades/fetch", "2/BTCUSD/money/trades"]
)
async def test_trades_and_their_deprecated_alias(caller: Caller, path: str) -> None:
    """``money/trades`` is the deprecated name of ``money/trades/fetch``."""
    await caller.data(
        "2/BTCUSD/money/order/add", {"type": "ask", "amount_int": 1_000_000}
    )
    [trade] = await caller.public(path)
    assert_trade(trade)
    assert trade["properties"] == "market"


async def test_currency_of_the_pair(caller: Caller) -> None:
    """``BTCEUR/money/currency`` describes the euro."""
    assert (await caller.public("2/BTCEUR/money/currency"))[
        "symbol_position"
    ] == "after"


async def test_unknown_currency(caller: Caller) -> None:
    """An unknown ``currency`` parameter is refused."""
    reply = await caller.get("2/BTCUSD/money/currency?currency=XXX")
    assert reply.json["result"] == "error"


async def test_order_lag(caller: Caller) -> None:
    """Lag answers on v2 with or without a pair."""
    assert (await caller.public("2/money/order/lag"))["lag"] == 0


@pytest.mark.parametrize("path", ["2/money/info", "2/BTCUSD/money/info"])
async def test_info_with_and_without_pair(caller: Caller, path: str) -> None:
    """The pair is optional for info (and signed into the message when present)."""
    assert_info(await caller.data(path))


async def test_idkey(caller: Caller) -> None:
    """The id key answers on v2."""
    assert len(await caller.data("2/money/idkey")) == 75


async def test_order_lifecycle(caller: Caller) -> None:
    """Add, list, see in info, cancel."""
    oid = await caller.data("2/BTCUSD/money/order/add", RESTING_ASK)
    [order] = await caller.data("2/money/orders")
    assert_order(order)
    assert (order["oid"], order["type"]) == (oid, "ask")
    info = await caller.data("2/money/info")
    assert info["Wallets"]["BTC"]["Open_Orders"]["value_int"] == "1000000"
    result = await caller.data("2/money/order/result", {"type": "ask", "order": oid})
    assert result["trades"] == []
    assert result["total_amount"]["value_int"] == "0"
    assert (await caller.data("2/BTCUSD/money/order/cancel", {"oid": oid}))[
        "oid"
    ] == oid
    assert await caller.data("2/BTCUSD/money/orders") == []


async def test_order_result_with_the_wrong_type(caller: Caller) -> None:
    """The ``type`` must match the order."""
    oid = await caller.data("2/BTCUSD/money/order/add", RESTING_ASK)
    reply = await caller.signed("2/money/order/result", {"type": "bid", "order": oid})
    assert reply.json["error"] == "Order not found"


async def test_order_add_needs_a_pair(caller: Caller) -> None:
    """Placing an order without a pair is refused."""
    reply = await caller.signed("2/money/order/add", RESTING_ASK)
    assert reply.json["result"] == "error"


async def test_wallet_history_pages(caller: Caller) -> None:
    """History honours ``page`` and reports the paging fields as numbers."""
    page = await caller.data("2/money/wallet/history", {"currency": "USD", "page": 2})
    assert page["current_page"] == 2
    assert page["max_page"] == 1
    assert page["max_results"] == 50
    assert page["result"] == []


async def test_error_envelope(caller: Caller) -> None:
    """Errors have ``result``, ``error`` and ``token``."""
    reply = await caller.signed("2/BTCUSD/money/order/cancel", {"oid": "nope"})
    assert reply.json == {
        "result": "error",
        "error": "Order not found",
        "token": "unknown_error",
    }


@pytest.mark.parametrize(
    "path",
    ["2/BTCUSD/money/nothing", "2/BTCUSD/other/ticker", "2/money/bitcoin/address"],
)
async def test_unknown_calls(caller: Caller, path: str) -> None:
    """Paths outside the implemented calls are 404s."""
    reply = await caller.signed(path)
    assert reply.status == 404
    assert reply.json["token"] == "invalid_call"


async def test_idkey_for_a_key_that_is_not_a_uuid(
    caller: Caller, sandbox: Sandbox
) -> None:
    """Accounts added from Python may use any key string."""
    secret = caller.secret
    sandbox.exchange.add_account("plain-key", secret, ["get_info"])
    other = Caller(caller.session, caller.url, "plain-key", secret)
    assert len(await other.data("2/money/idkey")) == 75


@pytest.mark.parametrize("path", ["2/BTCUSD/money/order/quote", "2/BTCUSD/money/quote"])
async def test_order_quote(caller: Caller, sandbox: Sandbox, path: str) -> None:
    """A quote prices the amount against the opposite side of the book."""
    book = sandbox.exchange.depth("BTCUSD")
    best_ask, best_bid = book.asks[0].price_int, book.bids[-1].price_int
    buy = await caller.public(f"{path}?type=bid&amount=1000000")
    sell = await caller.public(f"{path}?type=ask&amount=1000000")
    assert buy == {"amount": 1_000_000 * best_ask // 10**8}
    assert sell == {"amount": 1_000_000 * best_bid // 10**8}
    everything = sum(level.amount_int * level.price_int // 10**8 for level in book.asks)
    thin = await caller.public(f"{path}?type=bid&amount={10**15}")
    assert thin == {"amount": everything}


@pytest.mark.parametrize(
    "query", ["type=buy&amount=1000000", "type=bid", "type=bid&amount=0"]
)
async def test_order_quote_refuses_bad_parameters(caller: Caller, query: str) -> None:
    """Quotes need a side and a positive amount."""
    reply = await caller.get(f"2/BTCUSD/money/order/quote?{query}")
    assert reply.status == 500
    assert reply.json["error"].startswith("Invalid parameter")


@pytest.mark.parametrize(
    "path", ["2/BTCUSD/money/trades/cancelled", "2/BTCUSD/money/cancelledtrades"]
)
async def test_cancelled_trades(caller: Caller, path: str) -> None:
    """No sandbox trade is ever cancelled."""
    assert await caller.public(path) == []
