"""The client's stream connection against the sandbox's plain websocket, over loopback.

The sandbox's engine trades; the pushes its hub sends are read back as the
client's models, amounts exact. Faults are the sandbox's stream faults.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxConnectionError,
    MtGoxResponseError,
    MtGoxTimeoutError,
    Side,
)
from custom_components.mtgox.api.money import from_int_units
from custom_components.mtgox.api.pushes import (
    DepthPush,
    LagPush,
    OrderGonePush,
    OrderPush,
    Push,
    Remark,
    Subscribed,
    TickerPush,
    TradePush,
    WalletPush,
    parse_push,
)
from custom_components.mtgox.api.stream import MtGoxStream, stream_url
from mtgox_sandbox.faults import FaultKind
from tests.components.mtgox.market import clear_quotes, trade_at, units

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from mtgox_sandbox.runner import Sandbox

WAIT = 5.0


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an aiohttp session closed after the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def connected(
    session: aiohttp.ClientSession, sandbox: Sandbox, *channels: str
) -> MtGoxStream:
    """Open a stream subscribing ``channels``; wait until each is answered."""
    stream = MtGoxStream(session, sandbox.url)
    await stream.connect(channels)
    for _ in channels:
        assert isinstance(await stream.receive(within=WAIT), Subscribed)
    return stream


async def next_of[T](stream: MtGoxStream, kind: type[T]) -> T:
    """Return the next push of ``kind``, passing over the others."""
    for _ in range(50):
        push = await stream.receive(within=WAIT)
        if isinstance(push, kind):
            return push
    pytest.fail(f"no {kind.__name__} in 50 messages")


def test_stream_url_is_the_api_host_at_mtgox() -> None:
    """The scheme is ws for http, wss for https; channels are named in the query."""
    assert str(stream_url("http://127.0.0.1:8080/api/", ["ticker.BTCUSD"])) == (
        "ws://127.0.0.1:8080/mtgox?Channel=ticker.BTCUSD"
    )
    url = stream_url("https://mtgox.com/api/", ["ticker.BTCUSD", "trade.lag"])
    assert (url.scheme, url.host, url.path) == ("wss", "mtgox.com", "/mtgox")
    assert url.query["Channel"] == "ticker.BTCUSD/trade.lag"
    with pytest.raises(ValueError, match="not an http"):
        stream_url("ftp://mtgox.com/api/", [])


async def test_ticker_lag_depth_and_trade_pushes(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """A house trade pushes the ticker, the lag, depth changes and the trade, exactly."""
    stream = await connected(
        session, sandbox, "ticker.BTCUSD", "trade.lag", "depth.BTCUSD", "trade.BTC"
    )
    trade_at(sandbox.exchange, "BTCUSD", "812.34567")
    ticker = (await next_of(stream, TickerPush)).ticker
    assert (ticker.pair, ticker.last) == ("BTCUSD", Decimal("812.34567"))
    assert ticker.updated is not None
    await stream.close()

    stream = await connected(session, sandbox, "trade.lag", "depth.BTCUSD", "trade.BTC")
    trade_at(sandbox.exchange, "BTCUSD", "813")
    assert (await next_of(stream, LagPush)).lag == Decimal(0)
    await stream.close()

    stream = await connected(session, sandbox, "depth.BTCUSD", "trade.BTC")
    trade_at(sandbox.exchange, "BTCUSD", "814")
    depth = await next_of(stream, DepthPush)
    assert depth.pair == "BTCUSD"
    assert depth.side in {Side.BID, Side.ASK}
    assert depth.total_volume >= 0
    assert depth.volume_change != 0
    trade = await next_of(stream, TradePush)
    assert (trade.pair, trade.price, trade.amount) == (
        "BTCUSD",
        Decimal(814),
        Decimal("0.01"),
    )
    assert isinstance(trade.price, Decimal)
    assert trade.primary
    await stream.close()
    await stream.close()  # closing twice is harmless


async def test_private_channel_orders_and_wallets(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """The id key opens the account's channel: its orders and wallets, exactly."""
    client = MtGoxClient(
        session,
        base_url=sandbox.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=ApiVersion.V2,
    )
    stream = await connected(session, sandbox)
    await stream.subscribe_private(await client.idkey())
    assert isinstance(await stream.receive(within=WAIT), Subscribed)

    clear_quotes(sandbox.exchange, "BTCUSD")
    oid = await client.add_order("BTCUSD", Side.BID, Decimal("0.5"), Decimal(700))
    placed = (await next_of(stream, OrderPush)).order
    assert (placed.oid, placed.amount, placed.price) == (
        oid,
        Decimal("0.5"),
        Decimal(700),
    )
    exchange = sandbox.exchange
    exchange.place_order(
        exchange.house_account("taker"),
        "BTCUSD",
        "ask",
        units("0.5", "BTC"),
        units("700", "USD"),
    )
    balances: dict[str, Decimal] = {}
    while not isinstance(push := await stream.receive(within=WAIT), OrderGonePush):
        if isinstance(push, WalletPush):
            assert push.op in {"in", "out", "spent", "earned", "fee"}
            balances[push.currency] = push.balance
    assert (push.oid, push.reason, push.completed) == (oid, "completed_passive", True)
    wallets = sandbox.account.wallets
    assert balances == {
        code: from_int_units(wallets[code].balance_int, code) for code in ("BTC", "USD")
    }
    await stream.close()


async def test_v1_and_v0_clients_ask_v1_for_the_idkey(sandbox: Sandbox) -> None:
    """v0 had no idkey call: a v0 client asks v1's, like for order results."""
    async with aiohttp.ClientSession() as session:
        for version in (ApiVersion.V0, ApiVersion.V1):
            client = MtGoxClient(
                session,
                base_url=sandbox.url,
                api_key=sandbox.key,
                api_secret=sandbox.secret,
                api_version=version,
            )
            assert len(await client.idkey()) > 20
    assert sandbox.counters["1:idkey"] == 2


async def test_faults_garbage_refusal_drop_and_silence(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """A garbage frame is a typed error and the connection goes on; the rest end it."""
    faults = sandbox.faults
    faults.add(FaultKind.REFUSE_SUBSCRIPTION, path="stream/websocket/*", count=1)
    stream = MtGoxStream(session, sandbox.url)
    await stream.connect(["ticker.BTCUSD"])
    assert isinstance(await stream.receive(within=WAIT), Remark)

    faults.add(FaultKind.GARBAGE, path="stream/websocket/message", count=1)
    await stream.subscribe("ticker.BTCUSD")
    with pytest.raises(MtGoxResponseError, match="invalid JSON"):
        await stream.receive(within=WAIT)
    assert isinstance(await stream.receive(within=WAIT), Subscribed)

    faults.add(FaultKind.SILENT, path="stream/websocket/message", count=1)
    await stream.subscribe("ticker.BTCUSD")
    with pytest.raises(MtGoxTimeoutError, match="no message"):
        await stream.receive(within=0.05)
    await stream.close()

    stream = await connected(session, sandbox, "ticker.BTCUSD")
    faults.add(FaultKind.DROP, path="stream/websocket/message", count=1)
    await stream.subscribe("ticker.BTCUSD")
    with pytest.raises(MtGoxConnectionError, match="closed"):
        await stream.receive(within=WAIT)
    with pytest.raises(MtGoxConnectionError, match="not connected"):
        await stream.subscribe("ticker.BTCUSD")


async def test_oversize_frame_closes_and_no_server_is_a_connection_error(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """A frame over the bound ends the connection; a closed port fails to connect."""
    stream = MtGoxStream(session, sandbox.url, max_message_bytes=64)
    await stream.connect(["ticker.BTCUSD"])
    with pytest.raises(MtGoxConnectionError, match="closed"):
        await stream.receive(within=WAIT)

    nowhere = MtGoxStream(session, "http://127.0.0.1:9/api/", connect_timeout=WAIT)
    with pytest.raises(MtGoxConnectionError):
        await nowhere.connect(["ticker.BTCUSD"])
    with pytest.raises(MtGoxConnectionError, match="not connected"):
        await nowhere.receive()


HOSTILE: list[Any] = [
    b"\xff\xfe",
    "[]",
    '"text"',
    '{"op":"unknown"}',
    '{"op":"private"}',
    '{"op":"private","private":"ticker","ticker":{}}',
    '{"op":"private","private":"ticker","channel_name":"ticker.nope","ticker":{}}',
    '{"op":"private","private":"depth","depth":[]}',
    '{"op":"private","private":"depth","depth":{"currency":"USD","item":"BTC",'
    '"type_str":"sideways"}}',
    '{"op":"private","private":"depth","depth":{"currency":"USD","item":"BTC",'
    '"type_str":"bid","price_int":"0","volume_int":"1","total_volume_int":"1"}}',
    '{"op":"private","private":"depth","depth":{"currency":"USD","item":"BTC",'
    '"type_str":"bid","price_int":"1","volume_int":"1","total_volume_int":"-1"}}',
    '{"op":"private","private":"trade","trade":{"price_currency":"USD","item":"BTC",'
    '"tid":"1","trade_type":"bid","amount_int":1.5,"price_int":"1"}}',
    '{"op":"private","private":"lag","lag":{"age":-1}}',
    '{"op":"private","private":"lag","lag":{"age":true}}',
    '{"op":"private","private":"user_order","user_order":{"oid":"x"}}',
    '{"op":"private","private":"user_order","user_order":{"reason":7,"oid":"x"}}',
    '{"op":"private","private":"wallet","wallet":{"balance":{"currency":"USD"}}}',
    '{"op":"private","private":"wallet","wallet":{"op":"in","amount":'
    '{"value_int":"1","currency":"EUR"},"balance":{"value_int":"1","currency":"USD"}}}',
    '{"op":"subscribe"}',
    '{"op":"subscribe","channel":""}',
    "NaN",
    '{"op":"private","private":"ticker","ticker":' + "[" * 100_000 + "]" * 100_000,
    "\ud800 a lone surrogate, not JSON",  # text no UTF-8 can carry
]


@pytest.mark.parametrize("frame", HOSTILE)
def test_hostile_frames_are_typed_errors(frame: Any) -> None:
    """Garbage, wrong types and wrong shapes raise MtGoxResponseError, nothing else."""
    with pytest.raises(MtGoxResponseError):
        parse_push(frame)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"op": "result", "id": 1, "result": {}}, None),
        ({"op": "unsubscribe", "channel": "x"}, None),
        ({"op": "private", "private": "news", "news": {}}, None),
        ({"op": "remark", "success": False, "message": "No"}, Remark("No")),
        ({"op": "remark", "message": 7}, Remark("7")),
        ({"op": "subscribe", "channel": "abc"}, Subscribed("abc")),
    ],
)
def test_messages_of_no_interest_and_answers(
    frame: dict[str, Any], expected: Push | None
) -> None:
    """Answers and unknown kinds parse; a kind nobody reads is None."""
    assert parse_push(json.dumps(frame)) == expected
