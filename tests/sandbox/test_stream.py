"""The Streaming API over a real websocket, both transports (reference §8)."""

from typing import Any, Final

import aiohttp
import pytest

from mtgox_sandbox.runner import Sandbox

from .helpers import assert_ticker
from .stream_client import ENVELOPE_KEYS, TRANSPORTS, StreamClient, connect

TICKER_USD = "d5f06780-30a8-4a48-a2f8-7ed181b4a13f"
DEPTH_USD = "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"
TICKER_EUR = "0bb6da8b-f6c6-4ecf-8f0d-a544ad948c15"
DEPTH_EUR = "057bdc6b-9f9c-44e4-bc1a-363e4443ce87"
TRADE = "dbf1dee9-4f2e-4a08-8cb7-748919a71b21"
LAG = "85174711-be64-4de1-b783-0628995d7914"
DEPTH_KEYS = {
    "currency",
    "item",
    "now",
    "price",
    "price_int",
    "total_volume_int",
    "type",
    "type_str",
    "volume",
    "volume_int",
}
TRADE_KEYS = {
    "amount",
    "amount_int",
    "date",
    "item",
    "price",
    "price_currency",
    "price_int",
    "primary",
    "properties",
    "tid",
    "trade_type",
    "type",
}
CLOSING: Final = {
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
}
AWAY_PRICE = 200_000_000
"""2,000 USD: far above every bid, so an ask there rests alone at its level."""

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def subscribed(channel: str) -> dict[str, str]:
    """Return the answer to a subscription."""
    return {"op": "subscribe", "channel": channel}


def private(kind: str) -> Any:
    """Return a predicate for channel messages of one kind."""
    return lambda message: message.get("private") == kind


def assert_envelope(message: Any, kind: str, channel: str, name: str) -> None:
    """Check a channel message's envelope (reference §8)."""
    assert set(message) == {*ENVELOPE_KEYS, kind}
    assert message["channel"] == channel
    assert message["channel_name"] == name
    assert (message["op"], message["origin"], message["private"]) == (
        "private",
        "broadcast",
        kind,
    )
    assert message["stamp"].isdigit()


async def test_currency_query_subscribes_ticker_depth_and_trades(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Currency=USD,EUR") as client:
        assert await client.answers(5) == [
            subscribed(TICKER_USD),
            subscribed(DEPTH_USD),
            subscribed(TICKER_EUR),
            subscribed(DEPTH_EUR),
            subscribed(TRADE),
        ]


async def test_channel_query_subscribes_the_named_channels(
    sandbox: Sandbox, transport: str
) -> None:
    query = "Channel=depth.BTCUSD/ticker.BTCEUR"
    async with connect(sandbox, transport, query) as client:
        assert await client.answers(2) == [
            subscribed(DEPTH_USD),
            subscribed(TICKER_EUR),
        ]


async def test_unknown_currency_and_channel_in_the_query_get_remarks(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Currency=XYZ&Channel=ticker.BTCXYZ") as c:
        first, second = await c.answers(2)
        assert first["op"] == second["op"] == "remark"
        assert "XYZ" in first["message"]
        assert second["message"] == "Unknown channel ticker.BTCXYZ"


async def test_a_market_order_pushes_trade_depth_and_ticker(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Currency=USD") as client:
        await client.answers(3)
        sandbox.exchange.place_order(sandbox.account, "BTCUSD", "bid", 1_000_000, None)
        trade = await client.until(private("trade"))
        assert_envelope(trade, "trade", TRADE, "trade.BTC")
        assert set(trade["trade"]) == TRADE_KEYS
        assert isinstance(trade["trade"]["price"], float)
        assert isinstance(trade["trade"]["amount"], float)
        assert trade["trade"]["amount_int"] == "1000000"
        assert (trade["trade"]["trade_type"], trade["trade"]["type"]) == (
            "bid",
            "trade",
        )
        assert trade["trade"]["price_currency"] == "USD"
        depth = await client.until(private("depth"))
        assert_envelope(depth, "depth", DEPTH_USD, "depth.BTCUSD")
        assert set(depth["depth"]) == DEPTH_KEYS
        assert depth["depth"]["volume_int"] == "-1000000"
        assert depth["depth"]["price_int"] == trade["trade"]["price_int"]
        ticker = await client.until(private("ticker"))
        assert_envelope(ticker, "ticker", TICKER_USD, "ticker.BTCUSD")
        assert_ticker(ticker["ticker"])
        assert ticker["ticker"]["last"]["value_int"] == trade["trade"]["price_int"]


async def test_depth_reports_the_change_and_the_new_level_total(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=depth.BTCUSD") as client:
        await client.answers(1)
        exchange, account = sandbox.exchange, sandbox.account
        first = exchange.place_order(account, "BTCUSD", "ask", 2_000_000, AWAY_PRICE)
        exchange.place_order(account, "BTCUSD", "ask", 1_000_000, AWAY_PRICE)
        exchange.cancel_order(account, first.oid)
        changes = [(await client.receive())["depth"] for _ in range(3)]
    assert [(d["volume_int"], d["total_volume_int"]) for d in changes] == [
        ("2000000", "2000000"),
        ("1000000", "3000000"),
        ("-2000000", "1000000"),
    ]
    assert changes[2]["volume"] == "-0.02"
    assert changes[0] | {
        "now": "",
        "volume": "",
        "volume_int": "",
        "total_volume_int": "",
    } == {
        "currency": "USD",
        "item": "BTC",
        "now": "",
        "price": "2000",
        "price_int": str(AWAY_PRICE),
        "total_volume_int": "",
        "type": 1,
        "type_str": "ask",
        "volume": "",
        "volume_int": "",
    }


async def test_mtgox_subscribe_by_type_channel_name_and_uuid(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        await client.send({"op": "mtgox.subscribe", "type": "ticker"})
        await client.send({"op": "mtgox.subscribe", "type": "depth"})
        await client.send({"op": "mtgox.subscribe", "type": "trades"})
        await client.send({"op": "mtgox.subscribe", "type": "lag"})
        await client.send({"op": "mtgox.subscribe", "channel": "depth.BTCEUR"})
        await client.send({"op": "subscribe", "channel": TICKER_EUR})
        assert await client.answers(6) == [
            subscribed(TICKER_USD),
            subscribed(DEPTH_USD),
            subscribed(TRADE),
            subscribed(LAG),
            subscribed(DEPTH_EUR),
            subscribed(TICKER_EUR),
        ]
        order = sandbox.exchange.place_order(
            sandbox.account, "BTCUSD", "ask", 1_000_000, AWAY_PRICE
        )
        lag = await client.until(private("lag"))
        assert_envelope(lag, "lag", LAG, "trade.lag")
        assert lag["lag"] == {"qid": order.oid, "stamp": lag["lag"]["stamp"], "age": 0}


async def test_unsubscribe_stops_the_channel(sandbox: Sandbox, transport: str) -> None:
    async with connect(sandbox, transport, "Channel=depth.BTCUSD/ticker.BTCUSD") as c:
        await c.answers(2)
        await c.send({"op": "unsubscribe", "channel": DEPTH_USD})
        assert await c.receive() == {"op": "unsubscribe", "channel": DEPTH_USD}
        sandbox.exchange.place_order(
            sandbox.account, "BTCUSD", "ask", 1_000_000, AWAY_PRICE
        )
        assert (await c.receive())["private"] == "ticker"
        await c.send({"op": "unsubscribe", "channel": DEPTH_USD})
        assert (await c.receive())["message"] == "Not subscribed"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("{not json", "Invalid JSON"),
        ("[1, 2]", "Invalid message"),
        ('{"op": "dance"}', "Unknown operation"),
        ('{"op": "subscribe", "channel": "nothing"}', "Unknown channel"),
        ('{"op": "mtgox.subscribe", "type": "weather"}', "Unknown channel"),
        ('{"op": "mtgox.subscribe", "key": "not-an-idkey"}', "Invalid or expired key"),
        ('{"op": "unsubscribe", "channel": 42}', "Not subscribed"),
    ],
)
async def test_a_bad_frame_gets_a_remark_and_the_connection_lives_on(
    sandbox: Sandbox, transport: str, frame: str, message: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        await client.send_text(frame)
        remark = await client.receive()
        assert remark == {
            "op": "remark",
            "success": False,
            "message": message,
            "id": None,
        }
        await client.send({"op": "subscribe", "channel": TRADE})
        assert await client.receive() == subscribed(TRADE)


async def test_frames_and_subscriptions_are_bounded(
    sandbox: Sandbox, transport: str
) -> None:
    hub = sandbox.server.stream
    hub.max_subscriptions = 2
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        await client.send({"op": "subscribe", "channel": TRADE, "pad": "x" * 20_000})
        assert (await client.receive())["message"] == "Frame too large"
        await client.send({"op": "subscribe", "channel": TRADE})
        assert await client.receive() == subscribed(TRADE)
        await client.send({"op": "subscribe", "channel": TRADE})
        assert await client.receive() == subscribed(TRADE)
        await client.send({"op": "subscribe", "channel": TICKER_USD, "id": 7})
        assert await client.receive() == {
            "op": "remark",
            "success": False,
            "message": "Too many subscriptions",
            "id": 7,
        }


async def test_a_client_that_falls_behind_is_dropped(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Currency=USD") as client:
        await client.answers(3)
        sandbox.server.stream.max_queue = 1
        sandbox.exchange.place_order(sandbox.account, "BTCUSD", "bid", 1_000_000, None)
        closed = await _read_until_closed(client)
    assert closed
    assert not sandbox.server.stream.connections


async def _read_until_closed(client: StreamClient) -> bool:
    """Read until the server closes the connection; return whether it did."""
    while True:
        message = await client.ws.receive(5)
        if message.type in CLOSING:
            return True


async def test_a_failing_message_never_reaches_the_engine(
    sandbox: Sandbox, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with connect(sandbox, transport, "Channel=depth.BTCUSD/trade.BTC") as c:
        await c.answers(2)

        def broken(*_: Any) -> Any:
            raise RuntimeError("broken message")

        monkeypatch.setattr("mtgox_sandbox.stream.messages.depth_payload", broken)
        order = sandbox.exchange.place_order(
            sandbox.account, "BTCUSD", "bid", 1_000_000, None
        )
        assert order.status == "completed"
        assert (await c.receive())["private"] == "trade"
