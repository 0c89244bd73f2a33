"""A tiny HTTP server whose every reply is hostile: what no real exchange sends.

The sandbox is faithful to Mt.Gox; these replies are not, so they live here,
for the client's tests and for ``scripts/bench``. Every path gets the same
reply; the server counts the body bytes it managed to send, so a test can
tell that the client hung up early instead of reading everything.
"""

from __future__ import annotations

import zlib
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

CHUNK = 64 * 1024
_FLOATS = b"1.1," * (CHUNK // 4)


def gzip_of_zeros(size: int) -> bytes:
    """Return gzip of ``size`` zero bytes, made a MiB at a time (no 1 GiB buffer)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.compress(bytes(size % len(block))))
    parts.append(compressor.flush())
    return b"".join(parts)


@dataclass
class HostileServer:
    """What the server sends, and what it managed to send."""

    url: str
    sent: int = 0
    finished: bool = False


@asynccontextmanager
async def hostile_server(
    *,
    gzip_body: bytes | None = None,
    encoding: str = "gzip",
    body_size: int | None = None,
    endless: bool = False,
    retry_after: str | None = None,
) -> AsyncIterator[HostileServer]:
    """Serve one kind of hostile reply on a free loopback port.

    ``gzip_body``: a 200 with these bytes and ``Content-Encoding: encoding``;
    ``body_size``: a 200 JSON array of ``1.1`` that long, with its length;
    ``endless``: a chunked array of ``1.1`` that never ends;
    ``retry_after``: a 429 with that Retry-After header.
    """
    state = HostileServer(url="")

    async def reply(request: web.Request) -> web.StreamResponse:
        if retry_after is not None:
            return web.Response(status=429, headers={"Retry-After": retry_after})
        response = web.StreamResponse()
        if gzip_body is not None:
            response.headers["Content-Encoding"] = encoding
            response.content_length = len(gzip_body)
        elif body_size is not None:
            response.content_length = body_size
        else:
            response.enable_chunked_encoding()
        response.content_type = "application/json"
        await response.prepare(request)
        try:
            if gzip_body is not None:
                await _send_in_chunks(response, state, gzip_body)
            elif body_size is not None:
                await _send_floats(response, state, body_size)
            else:
                await _send(response, state, b"[")
                while endless:
                    await _send(response, state, _FLOATS)
            await response.write_eof()
            state.finished = True
        except (ConnectionError, RuntimeError):
            pass  # The client hung up, as it should.
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", reply)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}/api/"
    try:
        yield state
    finally:
        await runner.cleanup()


async def _send(
    response: web.StreamResponse, state: HostileServer, data: bytes
) -> None:
    await response.write(data)
    state.sent += len(data)


async def _send_in_chunks(
    response: web.StreamResponse, state: HostileServer, body: bytes
) -> None:
    for start in range(0, len(body), CHUNK):
        await _send(response, state, body[start : start + CHUNK])


async def _send_floats(
    response: web.StreamResponse, state: HostileServer, size: int
) -> None:
    """Send a JSON array of ``1.1`` exactly ``size`` bytes long."""
    await _send(response, state, b"[")
    while state.sent < size - CHUNK:
        await _send(response, state, _FLOATS)
    # Spaces, then the last number: valid JSON to the last byte.
    await _send(response, state, b" " * (size - state.sent - 2))
    await _send(response, state, b"1]")
