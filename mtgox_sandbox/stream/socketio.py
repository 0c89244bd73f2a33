"""The Socket.IO 0.9 transport (socketio.mtgox.com), websocket only.

* ``GET /socket.io/1/`` (query kept for later) answers
  ``<sid>:60:60:websocket`` as text in a chunked body: goxtool reads the
  handshake as exactly three lines (chunk size, answer, final chunk).  A
  session id not used within 30 s expires (reference §6).
* ``/socket.io/1/websocket/<sid>`` upgrades; the server says ``1::``, the
  client joins the namespace with ``1::/mtgox``, answered ``1::/mtgox``, and
  then the query's subscriptions follow (the websocket URL's query, else the
  handshake's).  Messages are ``4::/mtgox:<json>`` both ways (a client's
  plain ``3::/mtgox:<text>`` message is read as JSON text too, as
  socket.io-client's ``send`` of a string makes one); ``0::/mtgox`` leaves.  The server sends ``2::`` every ``hub.heartbeat_seconds`` and the
  client echoes it (goxtool does); a client's own ``2::`` is taken as a sign
  of life and not answered, which would make two echoing peers ping-pong.
* Any other frame gets a ``remark``.
"""

import asyncio
import contextlib
import secrets
import time
from typing import TYPE_CHECKING, Final

from aiohttp import web

from . import messages
from .session import Connection
from .websocket import NOT_FOUND, accept

if TYPE_CHECKING:
    from .hub import StreamHub

NAMESPACE: Final = "/mtgox"
SESSION_SECONDS: Final = 30.0
HEARTBEAT_TIMEOUT: Final = 60
CLOSE_TIMEOUT: Final = 60
HANDSHAKE_QUERY: Final = "mtgox_handshake_query"
"""Where the upgrade request keeps its handshake's query."""


class SocketIOConnection(Connection):
    """A client speaking Socket.IO 0.9 over a websocket."""

    transport = "socketio"
    _heartbeat: asyncio.Task[None] | None = None

    def frame(self, text: str) -> str:
        """Frame a JSON message as a Socket.IO JSON message in ``/mtgox``."""
        return f"4::{NAMESPACE}:{text}"

    def opened(self) -> None:
        """Greet the client and start the heartbeats."""
        self.push_raw("1::")
        self._heartbeat = asyncio.create_task(self._beat())

    async def serve(self) -> None:
        """Serve, then stop the heartbeats."""
        try:
            await super().serve()
        finally:
            if self._heartbeat is not None:
                self._heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._heartbeat

    async def _beat(self) -> None:
        """Send ``2::`` every heartbeat period."""
        while not self.closed:
            await asyncio.sleep(self.hub.heartbeat_seconds)
            self.push_raw("2::")

    def receive(self, text: str) -> None:
        """Handle one Socket.IO frame."""
        kind, _, rest = text.partition(":")
        _message_id, _, rest = rest.partition(":")
        endpoint, _, data = rest.partition(":")
        if kind == "2":
            return
        if kind == "1" and endpoint == NAMESPACE:
            self.push_raw(f"1::{NAMESPACE}")
            self.subscribe_query(
                self.request.query or self.request.get(HANDSHAKE_QUERY, {})
            )
        elif kind in {"3", "4"} and endpoint == NAMESPACE:
            super().receive(data)
        elif kind == "0":
            self.drop()
        else:
            self.send(messages.remark("Invalid Socket.IO frame"))


class Handshakes:
    """Session ids handed out and not used yet, each with its query and expiry."""

    def __init__(self) -> None:
        """Start with none."""
        self._pending: dict[str, tuple[float, dict[str, str]]] = {}

    def issue(self, query: dict[str, str]) -> str:
        """Return a new session id for a handshake with ``query``."""
        now = time.monotonic()
        self._pending = {
            sid: item for sid, item in self._pending.items() if item[0] > now
        }
        sid = secrets.token_hex(10)
        self._pending[sid] = (now + SESSION_SECONDS, query)
        return sid

    def claim(self, sid: str) -> dict[str, str] | None:
        """Use up a session id; return its handshake's query (None: unknown or expired)."""
        item = self._pending.pop(sid, None)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1]


def socketio_routes(hub: "StreamHub") -> list[web.RouteDef]:
    """Return the Socket.IO handshake and websocket routes."""
    handshakes = Handshakes()

    async def handshake(request: web.Request) -> web.StreamResponse:
        if hub.full():
            return web.Response(status=503, text="Too many connections")
        sid = handshakes.issue(dict(request.query))
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        answer = f"{sid}:{HEARTBEAT_TIMEOUT}:{CLOSE_TIMEOUT}:websocket"
        await response.write(answer.encode())
        await response.write_eof()
        return response

    async def upgrade(request: web.Request) -> web.StreamResponse:
        query = handshakes.claim(request.match_info["sid"])
        if query is None:
            return web.Response(
                status=404, text=NOT_FOUND, content_type="application/json"
            )
        request[HANDSHAKE_QUERY] = query
        return await accept(hub, request, SocketIOConnection)

    return [
        web.get("/socket.io/1", handshake),
        web.get("/socket.io/1/", handshake),
        web.get("/socket.io/1/websocket/{sid}", upgrade),
    ]
