"""The plain websocket transport (websocket.mtgox.com): JSON text frames.

Served at ``/mtgox`` (``wss://websocket.mtgox.com/mtgox``, as a caching proxy
of the time connected) and at ``/`` (goxtool connected to
``ws://websocket.mtgox.com?Channel=...``), on the sandbox's host and port.
The query subscribes at connect: ``Currency=USD,EUR`` the ticker and depth of
those pairs and ``trade.BTC``; ``Channel=depth.BTCUSD/ticker.BTCUSD`` the
channels named (``*`` wildcards allowed); neither: ``Currency=USD``.  A
request to ``/mtgox`` that is not a websocket upgrade gets the API's 404; one
to ``/`` gets the sandbox's page.
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from .session import Connection

if TYPE_CHECKING:
    from .hub import StreamHub

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

NOT_FOUND = '{"result":"error","error":"Invalid call","token":"invalid_call"}'


async def accept(
    hub: "StreamHub", request: web.Request, kind: type[Connection]
) -> web.StreamResponse:
    """Upgrade ``request`` and serve it as a ``kind`` connection until it ends."""
    ws = web.WebSocketResponse(max_msg_size=4 * hub.max_frame_bytes)
    if not ws.can_prepare(request).ok:
        return web.Response(status=404, text=NOT_FOUND, content_type="application/json")
    if hub.full():
        return web.Response(status=503, text="Too many connections")
    await ws.prepare(request)
    await kind(hub, request, ws).serve()
    return ws


def websocket_routes(hub: "StreamHub", root_page: Handler) -> list[web.RouteDef]:
    """Return the plain websocket's routes; ``/`` shows ``root_page`` unless upgraded."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await accept(hub, request, Connection)

    async def handle_root(request: web.Request) -> web.StreamResponse:
        if web.WebSocketResponse().can_prepare(request).ok:
            return await accept(hub, request, Connection)
        return await root_page(request)

    return [web.get("/mtgox", handle), web.get("/", handle_root)]
