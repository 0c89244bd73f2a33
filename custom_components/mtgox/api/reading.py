"""Read a reply's body as a stream, never more than a bound once decoded.

The client asks aiohttp not to decompress (a shared session would inflate a
gzip bomb in full) and inflates here, chunk by chunk, with ``max_length`` so a
single compressed chunk can never produce more than what is still allowed.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from .errors import MtGoxResponseError
from .parsing import decode_reply

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp

    from .models import ApiVersion

MAX_REPLY_BYTES = 512 * 1024
"""Largest decoded reply the client reads.

The largest legitimate replies it asks for are the open orders of an account
and a pair's ``depth/fetch`` or a page of public trades. A v1 order is about 700
bytes of JSON and the account object with every wallet about 8 KB, so 512 KiB
holds over 700 open orders, several times what any account kept open on
Mt.Gox; the recorded real ``depth/fetch`` was 166 KB as printed (966 levels,
see book.py); a trade is about 230 bytes, so a page of 1,000 (the sandbox's,
see trades.py) is about 230 KB. A longer reply is hostile or broken.
"""

PARSE_IN_THREAD_BYTES = 16 * 1024
"""Replies longer than this are parsed in a worker thread.

Parsing costs about 0.1 ms per KiB (every number becomes a Decimal), so the
event loop never waits more than about 2 ms for a reply parsed on it. A
``depth/fetch`` reply (about 100 KB) always is, and so is a page of trades.
"""

ACCEPT_ENCODING = "gzip, deflate"
"""The encodings this module inflates; nothing else is asked for."""

_DECOMPRESSOR_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    # HTTP's "deflate" is the zlib format; 32 also accepts a gzip header.
    "deflate": 32 + zlib.MAX_WBITS,
}
_IDENTITY = ("", "identity")

PARSE_IN_THREAD_BYTES = 16 * 1024
"""Replies longer than this are parsed in a worker thread.

Parsing costs about 0.1 ms per KiB (every number becomes a Decimal), so the
event loop never waits more than about 2 ms for a reply parsed on it.
"""


async def read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Return the decoded body, or raise MtGoxResponseError past ``limit`` bytes.

    Past the limit the connection is closed at once: the rest of the reply is
    neither read nor kept.
    """
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in _IDENTITY and encoding not in _DECOMPRESSOR_WBITS:
        response.close()
        raise MtGoxResponseError(f"unsupported content encoding {encoding[:20]!r}")
    try:
        return await _read(response, encoding, limit)
    except zlib.error as err:
        response.close()
        raise MtGoxResponseError(f"corrupt {encoding} body: {err}") from None
    except MtGoxResponseError:
        response.close()
        raise


async def _read(response: aiohttp.ClientResponse, encoding: str, limit: int) -> bytes:
    inflate = (
        zlib.decompressobj(_DECOMPRESSOR_WBITS[encoding])
        if encoding in _DECOMPRESSOR_WBITS
        else None
    )
    if inflate is None and (length := response.content_length) is not None:
        if length > limit:
            raise _too_long(limit)
        # A declared length within the bound: aiohttp reads exactly that much.
        return await response.read()
    body = bytearray()
    async for chunk in response.content.iter_any():
        if inflate is None:
            body += chunk
        else:
            # One byte more than allowed tells "at the limit" from "past it".
            body += inflate.decompress(chunk, limit - len(body) + 1)
        if len(body) > limit:
            raise _too_long(limit)
    if inflate is not None:
        body += inflate.flush(limit - len(body) + 1)
        if len(body) > limit:
            raise _too_long(limit)
        if not inflate.eof:
            raise MtGoxResponseError(f"truncated {encoding} body")
    return bytes(body)


def _too_long(limit: int) -> MtGoxResponseError:
    return MtGoxResponseError(f"reply longer than {limit // 1024} KiB once decoded")


def decode_and_parse[T](
    version: ApiVersion,
    status: int,
    content: bytes,
    retry_after: str | None,
    parse: Callable[[object], T],
) -> T:
    """Decode a reply as its version wraps it, then parse the payload."""
    return parse(decode_reply(version, status, content, retry_after=retry_after))


def ignore_payload(_payload: object) -> None:
    """Accept any successful reply: the call's outcome is that it succeeded."""
