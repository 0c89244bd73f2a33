"""A streaming client for the tests: both transports, framed by hand from reference §8.

Socket.IO 0.9 framing and the signed-call payload are written here from the
reference, independently of ``mtgox_sandbox.stream``, so the tests check the
server against the reference, not against itself.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from mtgox_sandbox.runner import Sandbox

from .helpers import fresh_nonce

TRANSPORTS: Final = ("websocket", "socketio")
ENVELOPE_KEYS: Final = {"channel", "channel_name", "op", "origin", "private", "stamp"}
TIMEOUT: Final = 5.0


def base_url(sandbox: Sandbox) -> str:
    """Return ``http://host:port`` of a running sandbox."""
    return sandbox.url.removesuffix("/api/")


@dataclass
class StreamClient:
    """One connection, speaking plain websocket or Socket.IO 0.9 framing."""

    ws: aiohttp.ClientWebSocketResponse
    socketio: bool

    async def send(self, message: Any) -> None:
        """Send one JSON message."""
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        """Send JSON text, framed as ``4::/mtgox:`` over Socket.IO."""
        await self.ws.send_str(f"4::/mtgox:{text}" if self.socketio else text)

    async def raw(self, wait: float = TIMEOUT) -> str:
        """Return the next frame exactly as received."""
        message = await self.ws.receive(wait)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        text: str = message.data
        return text

    async def receive(self, wait: float = TIMEOUT) -> Any:
        """Return the next JSON message (Socket.IO heartbeats are echoed and skipped)."""
        while True:
            text = await self.raw(wait)
            if not self.socketio:
                return json.loads(text)
            if text == "2::":
                await self.ws.send_str("2::")
                continue
            assert text.startswith("4::/mtgox:"), text
            return json.loads(text.removeprefix("4::/mtgox:"))

    async def until(self, wanted: Callable[[Any], bool], wait: float = TIMEOUT) -> Any:
        """Return the first message ``wanted`` accepts, skipping the others."""
        while True:
            message = await self.receive(wait)
            if wanted(message):
                return message

    async def answers(self, count: int) -> list[Any]:
        """Return the next ``count`` messages."""
        return [await self.receive() for _ in range(count)]

    async def call(
        self,
        key: str,
        secret: str,
        call: str,
        params: dict[str, Any] | None = None,
        *,
        nonce: int | None = None,
        signing_secret: str | None = None,
        request_id: str = "req",
    ) -> Any:
        """Send a signed call as goxtool did and return the answer for its id."""
        inner = json.dumps(
            {
                "id": request_id,
                "call": call,
                "params": params or {},
                "item": "BTC",
                "currency": "USD",
                "nonce": nonce or fresh_nonce(),
            }
        ).encode()
        payload = signed_payload(key, signing_secret or secret, inner)
        await self.send(
            {"op": "call", "id": request_id, "call": payload, "context": "mtgox.com"}
        )
        return await self.until(lambda m: m.get("id") == request_id)


def signed_payload(key: str, secret: str, inner: bytes) -> str:
    """Return base64(16 key bytes + HMAC-SHA512(secret, inner) + inner)."""
    sign = hmac.new(base64.b64decode(secret), inner, hashlib.sha512).digest()
    return base64.b64encode(uuid.UUID(key).bytes + sign + inner).decode()


@contextlib.asynccontextmanager
async def connect(
    sandbox: Sandbox, transport: str, query: str = ""
) -> AsyncIterator[StreamClient]:
    """Connect to the sandbox's stream; Socket.IO joins ``/mtgox`` first."""
    base = base_url(sandbox)
    suffix = f"?{query}" if query else ""
    async with aiohttp.ClientSession() as session:
        if transport == "websocket":
            async with session.ws_connect(f"{base}/mtgox{suffix}") as ws:
                yield StreamClient(ws, socketio=False)
            return
        async with session.get(f"{base}/socket.io/1/{suffix}") as response:
            sid = (await response.text()).split(":")[0]
        async with session.ws_connect(f"{base}/socket.io/1/websocket/{sid}") as ws:
            client = StreamClient(ws, socketio=True)
            assert await client.raw() == "1::"
            await ws.send_str("1::/mtgox")
            assert await client.raw() == "1::/mtgox"
            yield client
