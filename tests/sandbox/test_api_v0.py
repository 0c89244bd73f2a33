"""API v0 over loopback HTTP: bare objects, floats, numeric codes (reference §7)."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from mtgox_sandbox.runner import Sandbox

from .helpers import Caller, assert_info, assert_trade

V0_ORDER_KEYS = {
    "oid",
    "currency",
    "item",
    "type",
    "amount",
    "price",
    "status",
    "dark",
    "date",
    "priority",
}


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


@pytest.mark.parametrize(("query", "last"), [("", 800.0), ("?Currency=EUR", 590.0)])
async def test_ticker(caller: Caller, query: str, last: float) -> None:
    """The ticker is ``{"ticker": {...}}`` with float figures, per currency."""
    reply = await caller.get(f"0/data/ticker.php{query}")
    ticker = reply.json["ticker"]
    assert set(ticker) == {
        "high",
        "low",
        "avg",
        "vwap",
        "vol",
        "buy",
        "sell",
        "last",
        "last_all",
        "last_local",
    }
    assert all(isinstance(value, float) for value in ticker.values())
    assert ticker["last"] == last


async def test_depth(caller: Caller) -> None:
    """Depth is ``[price, amount]`` pairs."""
    depth = (await caller.get("0/data/getDepth.php?Currency=USD")).json
    assert set(depth) == {"asks", "bids"}
    price, amount = depth["asks"][0]
    assert isinstance(price, float)
    assert isinstance(amount, float)


async def test_trades(caller: Caller) -> None:
    """Trades are a bare array of HTTP trade objects; ``since`` pages at 100."""
    assert (await caller.get("0/data/getTrades.php")).json == []
    for _ in range(2):
        reply = await caller.signed("0/sellBTC.php", {"amount": "0.01"})
        assert reply.json["status"] == "Your order has been queued for execution"
    trades = (await caller.get("0/data/getTrades.php?since=0")).json
    assert len(trades) == 2
    for trade in trades:
        assert_trade(trade)
    since = (await caller.get(f"0/data/getTrades.php?since={trades[0]['tid']}")).json
    assert since == trades[1:]


async def test_get_funds(caller: Caller) -> None:
    """Funds are the USD and BTC balances as numbers."""
    reply = await caller.signed("0/getFunds.php")
    assert reply.json == {"usds": 10000.0, "btcs": 10.0}


async def test_info(caller: Caller) -> None:
    """info.php is the account object, unwrapped."""
    assert_info((await caller.signed("0/info.php")).json)


async def test_buy_list_cancel(caller: Caller) -> None:
    """Buy answers the queued status, the oid and the open orders; cancel lists again."""
    bought = (await caller.signed("0/buyBTC.php", {"amount": "1", "price": "500"})).json
    assert set(bought) == {"status", "oid", "orders"}
    [order] = bought["orders"]
    assert set(order) == V0_ORDER_KEYS
    assert (order["oid"], order["type"], order["status"]) == (bought["oid"], 2, 1)
    assert (order["amount"], order["price"], order["dark"]) == (1.0, 500.0, 0)
    assert isinstance(order["priority"], str)
    listed = (await caller.signed("0/getOrders.php")).json
    assert listed["orders"] == bought["orders"]
    assert listed["usds"] == 10000.0
    sold = (
        await caller.signed("0/sellBTC.php", {"amount": "0.5", "price": "5000"})
    ).json
    assert [item["type"] for item in sold["orders"]] == [2, 1]
    only_asks = (await caller.signed("0/getOrders.php", {"type": "1"})).json["orders"]
    assert [item["oid"] for item in only_asks] == [sold["oid"]]
    after = (
        await caller.signed("0/cancelOrder.php", {"oid": bought["oid"], "type": "2"})
    ).json
    assert set(after) == {"usds", "btcs", "orders"}
    assert [item["oid"] for item in after["orders"]] == [sold["oid"]]


async def test_buy_in_euro(caller: Caller, sandbox: Sandbox) -> None:
    """``Currency`` picks the pair of v0 orders."""
    await caller.signed(
        "0/buyBTC.php", {"amount": "0.1", "price": "100", "Currency": "EUR"}
    )
    [order] = sandbox.exchange.open_orders(sandbox.account)
    assert order.pair == "BTCEUR"


async def test_errors_are_bare(caller: Caller) -> None:
    """v0 errors are ``{"error": ...}``."""
    reply = await caller.signed("0/buyBTC.php", {"amount": "0.001"})
    assert reply.json == {"error": "Order amount is too low"}
    reply = await caller.signed("0/cancelOrder.php", {"oid": "nope"})
    assert reply.json == {"error": "Order not found"}
    reply = await caller.signed("0/buyBTC.php", {"amount": "1", "Currency": "X"})
    assert reply.json == {
        "error": 'Invalid parameter "Currency" (should be a traded currency such as USD)'
    }


async def test_unknown_v0_call(caller: Caller) -> None:
    """An unknown page is a 404 with a bare error."""
    reply = await caller.get("0/nothing.php")
    assert reply.status == 404
    assert reply.json == {"error": "Invalid call"}
