"""Stream faults, Socket.IO details and the transports' edges (reference §8)."""

import asyncio
import json

import aiohttp
import pytest

from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox
from mtgox_sandbox.stream import socketio

from .stream_client import TRANSPORTS, StreamClient, base_url, connect

AWAY_PRICE = 200_000_000
TRADE = "dbf1dee9-4f2e-4a08-8cb7-748919a71b21"
LAG = "85174711-be64-4de1-b783-0628995d7914"
ADMIN_HEADER = "X-Sandbox-Admin-Token"
EARLY_HEARTBEATS_AT_MOST = 20


def place_resting_ask(sandbox: Sandbox) -> None:
    """Place an ask far above the market: one lag message on ``trade.lag``."""
    sandbox.exchange.place_order(
        sandbox.account, "BTCUSD", "ask", 1_000_000, AWAY_PRICE
    )


async def frames_before_silence(client: StreamClient) -> set[str]:
    """Return the frames that come before 0.5 s pass with none; fail if none do."""
    frames: set[str] = set()
    for _ in range(EARLY_HEARTBEATS_AT_MOST):
        try:
            message = await client.ws.receive(0.5)
        except TimeoutError:
            return frames
        frames.add(message.data)
    pytest.fail(f"still receiving after {EARLY_HEARTBEATS_AT_MOST} frames: {frames}")


async def closed(client: StreamClient) -> bool:
    """Return whether the server closes the connection before another message."""
    message = await client.ws.receive(5)
    return message.type in {
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_drop_fault_closes_the_connection(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        sandbox.faults.add(FaultKind.DROP, path=f"stream/{transport}/message", count=1)
        place_resting_ask(sandbox)
        assert await closed(client)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_silent_fault_keeps_the_connection_but_sends_nothing(
    sandbox: Sandbox, transport: str
) -> None:
    sandbox.server.stream.heartbeat_seconds = 0.05
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        sandbox.faults.add(FaultKind.SILENT, path="stream/*/message", count=1)
        place_resting_ask(sandbox)
        # Heartbeats written before the fault took hold may still be on their
        # way; after them nothing comes, not the lag message nor a heartbeat.
        assert await frames_before_silence(client) <= {"2::"}
        assert not client.ws.closed
        assert sandbox.server.stream.connections


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_garbage_fault_sends_a_frame_that_is_not_json(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        sandbox.faults.add(FaultKind.GARBAGE, path="stream/*/message", count=1)
        place_resting_ask(sandbox)
        garbage = (await client.raw()).removeprefix("4::/mtgox:")
        with pytest.raises(ValueError, match="Unterminated|Expecting"):
            json.loads(garbage)
        assert (await client.receive())["private"] == "lag"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_refuse_subscription_fault(sandbox: Sandbox, transport: str) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        sandbox.faults.add(FaultKind.REFUSE_SUBSCRIPTION, path="stream/*", count=1)
        await client.send({"op": "subscribe", "channel": TRADE, "id": "s"})
        assert await client.receive() == {
            "op": "remark",
            "success": False,
            "message": "Subscription refused",
            "id": "s",
        }
        await client.send({"op": "subscribe", "channel": TRADE})
        assert await client.receive() == {"op": "subscribe", "channel": TRADE}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_latency_fault_holds_messages_back(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        fault = sandbox.faults.add(
            FaultKind.LATENCY, path="stream/*/message", count=1, seconds=60
        )
        place_resting_ask(sandbox)
        with pytest.raises(TimeoutError):
            await client.ws.receive(0.5)
        assert fault.remaining == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_stale_nonce_fault_refuses_a_signed_call(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        sandbox.faults.add(FaultKind.STALE_NONCE, path="stream/*/call", count=1)
        refused = await client.call(sandbox.key, sandbox.secret, "private/info")
        assert refused["token"] == "login_error_invalid_nonce"
        answered = await client.call(sandbox.key, sandbox.secret, "private/info")
        assert answered["op"] == "result"


async def test_http_faults_do_not_touch_the_stream(sandbox: Sandbox) -> None:
    sandbox.faults.add(FaultKind.DROP)
    async with connect(sandbox, "websocket", "Channel=trade.lag") as client:
        assert await client.answers(1) == [{"op": "subscribe", "channel": LAG}]
        place_resting_ask(sandbox)
        assert (await client.receive())["private"] == "lag"


async def test_stream_faults_through_the_admin_endpoint(sandbox: Sandbox) -> None:
    headers = {ADMIN_HEADER: str(sandbox.server.admin_token)}
    fault = {"kind": "drop", "path": "stream/websocket/message", "count": 1}
    url = f"{base_url(sandbox)}/admin/faults"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=fault, headers=headers) as response,
    ):
        assert response.status == 201
    async with connect(sandbox, "websocket", "Channel=trade.lag") as client:
        assert await closed(client)


async def test_socketio_handshake_is_chunked_with_four_fields(sandbox: Sandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url(sandbox)}/socket.io/1") as response,
    ):
        answer = await response.text()
        assert response.headers["Transfer-Encoding"] == "chunked"
    sid, heartbeat, close, transports = answer.split(":")
    assert (heartbeat, close, transports) == ("60", "60", "websocket")
    assert sid.isalnum()


async def test_socketio_unknown_or_expired_session_is_refused(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = base_url(sandbox)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as unknown:
            await session.ws_connect(f"{base}/socket.io/1/websocket/nosuchsid")
        assert unknown.value.status == 404
        monkeypatch.setattr(socketio, "SESSION_SECONDS", -1.0)
        async with session.get(f"{base}/socket.io/1/") as response:
            sid = (await response.text()).split(":")[0]
        with pytest.raises(aiohttp.WSServerHandshakeError) as expired:
            await session.ws_connect(f"{base}/socket.io/1/websocket/{sid}")
        assert expired.value.status == 404


async def test_socketio_heartbeats_and_frames(sandbox: Sandbox) -> None:
    sandbox.server.stream.heartbeat_seconds = 0.05
    async with connect(sandbox, "socketio", "Channel=trade.lag") as client:
        subscribed = '4::/mtgox:{"op":"subscribe","channel":"' + LAG + '"}'
        assert await client.raw() == subscribed
        assert await client.raw() == "2::"
        await client.ws.send_str("2::")  # the echo is taken silently
        assert await client.raw() == "2::"
        await client.ws.send_str("5::/mtgox:{}")
        message = await client.receive()
        assert message["message"] == "Invalid Socket.IO frame"
        await client.ws.send_str("0::/mtgox")
        assert await closed(client)


async def test_socketio_query_on_the_websocket_url_wins(sandbox: Sandbox) -> None:
    base = base_url(sandbox)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/socket.io/1/?Channel=trade.BTC") as response:
            sid = (await response.text()).split(":")[0]
        url = f"{base}/socket.io/1/websocket/{sid}?Channel=trade.lag"
        async with session.ws_connect(url) as ws:
            client = StreamClient(ws, socketio=True)
            assert await client.raw() == "1::"
            await ws.send_str("1::/mtgox")
            assert await client.raw() == "1::/mtgox"
            assert await client.receive() == {"op": "subscribe", "channel": LAG}


@pytest.mark.parametrize("path", ["/mtgox", "/socket.io/1/websocket/x"])
async def test_plain_get_of_a_websocket_path_is_an_invalid_call(
    sandbox: Sandbox, path: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(base_url(sandbox) + path) as response,
    ):
        assert response.status == 404


async def test_root_path_serves_the_page_or_the_plain_websocket(
    sandbox: Sandbox,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(base_url(sandbox) + "/") as page,
    ):
        assert (page.status, page.content_type) == (200, "text/html")
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(base_url(sandbox) + "/") as ws,
    ):
        answers = await StreamClient(ws, socketio=False).answers(3)
    assert [a["channel"] for a in answers][-1] == TRADE


async def test_binary_frames_get_a_remark(sandbox: Sandbox) -> None:
    async with connect(sandbox, "websocket", "Channel=trade.lag") as client:
        await client.answers(1)
        await client.ws.send_bytes(b"\x00")
        assert (await client.receive())["op"] == "remark"


async def test_connections_are_bounded_and_stop_closes_them(sandbox: Sandbox) -> None:
    sandbox.server.stream.max_connections = 1
    async with connect(sandbox, "websocket", "Channel=trade.lag") as client:
        await client.answers(1)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(base_url(sandbox) + "/mtgox")
            assert refused.value.status == 503
            async with session.get(base_url(sandbox) + "/socket.io/1/") as response:
                assert response.status == 503
        await sandbox.server.stream.close()
        assert await closed(client)
    await asyncio.sleep(0)
    assert not sandbox.server.stream.connections
