"""A connection to Mt.Gox's Streaming API, over its plain websocket.

The websocket is at ``/mtgox`` on the API's host and port (``ws`` for
``http``, ``wss`` for ``https``).  Public channels are subscribed by name in
the URL (``?Channel=ticker.BTCUSD/trade.lag``), the account's private channel
with an id key (``{"op": "mtgox.subscribe", "key": ...}``); each subscription
is answered ``{"op": "subscribe", "channel": <uuid>}`` or refused with a
``remark``.  Frames are bounded (``max_message_bytes``): a larger one closes
the connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Final

import aiohttp
from yarl import URL

from .errors import MtGoxConnectionError, MtGoxResponseError, MtGoxTimeoutError
from .errors import connection_error as _connection_error
from .pushes import Push, parse_push

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_MESSAGE_BYTES: Final = 64 * 1024
"""Largest frame taken: the biggest real message (a full ticker) is under 2 KiB."""
LAG_CHANNEL: Final = "trade.lag"
STREAM_PATH: Final = "/mtgox"
_SCHEMES: Final = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def stream_url(base_url: str, channels: Iterable[str]) -> URL:
    """Return the websocket URL subscribing ``channels`` on the server of ``base_url``."""
    url = URL(base_url)
    scheme = _SCHEMES.get(url.scheme)
    if scheme is None or not url.host:
        raise ValueError(f"not an http(s) URL: {base_url}")
    return (
        url.with_scheme(scheme)
        .with_path(STREAM_PATH)
        .with_query({"Channel": "/".join(channels)})
    )


class MtGoxStream:
    """One streaming connection; use :meth:`connect`, then :meth:`receive`.

    Every failure is a MtGoxError: MtGoxConnectionError when the connection
    could not open or closed, MtGoxTimeoutError when nothing arrived in time,
    MtGoxResponseError for a frame that could not be read (skip it and go on).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        connect_timeout: float = 10.0,
    ) -> None:
        """Prepare a connection to the stream of the server at ``base_url``."""
        self._session = session
        self._base_url = base_url
        self._max_message_bytes = max_message_bytes
        self._connect_timeout = connect_timeout
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def connect(self, channels: Iterable[str]) -> None:
        """Open the websocket, subscribing the public ``channels`` named."""
        url = stream_url(self._base_url, channels)
        where = f"stream {url.with_query(None)}"
        try:
            async with asyncio.timeout(self._connect_timeout):
                self._ws = await self._session.ws_connect(
                    url, max_msg_size=self._max_message_bytes, autoclose=True
                )
        except TimeoutError as err:
            raise MtGoxTimeoutError(f"{where}: not open within the timeout") from err
        except aiohttp.ClientError as err:
            raise _connection_error(where, err) from err

    async def subscribe_private(self, idkey: str) -> None:
        """Subscribe the private channel of the account ``idkey`` stands for."""
        await self._send({"op": "mtgox.subscribe", "key": idkey})

    async def subscribe(self, channel: str) -> None:
        """Subscribe a public channel by name; subscribed already, it is answered again.

        A connection that answers nothing is told apart from a quiet market
        this way: the answer is a message.
        """
        await self._send({"op": "mtgox.subscribe", "channel": channel})

    async def receive(self, *, within: float | None = None) -> Push | None:
        """Return the next message (None: of no interest); wait ``within`` s at most."""
        ws = self._open()
        try:
            async with asyncio.timeout(within):
                message = await ws.receive()
        except TimeoutError as err:
            raise MtGoxTimeoutError(f"stream: no message for {within:g} s") from err
        if message.type is aiohttp.WSMsgType.TEXT:
            return parse_push(message.data)
        if message.type is aiohttp.WSMsgType.BINARY:
            raise MtGoxResponseError("stream: a binary frame, not a JSON message")
        raise MtGoxConnectionError(
            f"stream closed ({message.type.name}: {ws.exception()})"
        )

    async def close(self) -> None:
        """Close the connection, if open."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def _send(self, operation: dict[str, str]) -> None:
        try:
            await self._open().send_str(json.dumps(operation))
        except (aiohttp.ClientError, ConnectionError) as err:
            raise MtGoxConnectionError(f"stream: could not send: {err}") from err

    def _open(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is None or self._ws.closed:
            raise MtGoxConnectionError("stream: not connected")
        return self._ws
