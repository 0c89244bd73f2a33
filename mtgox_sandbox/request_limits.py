"""Size limits on requests, answered in the API's JSON error shape.

aiohttp answers an oversized body (413) or an over-long header or request line
(400) itself, as text/plain, and for a header or line its parser refuses it
before any application code runs.  So the parser's limits are set well above
the sandbox's own (:data:`PARSER_LIMIT_BYTES`), and the middleware built by
:func:`request_middleware` judges every request against the sandbox's limits and
answers with the caller's API version's error body:

* a URL longer than :data:`MAX_URL_BYTES`: HTTP 414;
* a header (name and value) longer than :data:`MAX_HEADER_BYTES`: HTTP 431;
* a body longer than :data:`MAX_BODY_BYTES`: HTTP 413 (aiohttp's
  ``client_max_size`` stops reading there; the middleware reshapes its error).

Only what is beyond the parser's limits still gets aiohttp's own answer: it
refuses that inside the connection's protocol, before any application code
exists to answer otherwise (the sandbox README says why that stays).
"""

from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .api.common import ApiError

MAX_URL_BYTES: Final = 8192
"""Longest accepted request target; the longest real call is a few hundred bytes."""

MAX_HEADER_BYTES: Final = 8190
"""Longest accepted header line, aiohttp's own default for its parser."""

MAX_BODY_BYTES: Final = 1024 * 1024
"""Largest accepted body (aiohttp's default); an order is under 200 bytes."""

PARSER_LIMIT_BYTES: Final = 8 * MAX_HEADER_BYTES
"""aiohttp's parser limit for a line or header, so that the middleware sees
requests somewhat over the sandbox's limits and can answer them in JSON."""

type ErrorReply = Callable[[web.Request, ApiError], web.StreamResponse]


def oversize(request: web.Request) -> ApiError | None:
    """Return the error for a URL or header over the sandbox's limits, if any."""
    if len(request.raw_path) > MAX_URL_BYTES:
        return ApiError(f"URL too long (at most {MAX_URL_BYTES} bytes)", None, 414)
    for name, value in request.raw_headers:
        if len(name) + len(value) > MAX_HEADER_BYTES:
            return ApiError(
                f"Header too large (at most {MAX_HEADER_BYTES} bytes)", None, 431
            )
    return None


def request_middleware(
    reply: ErrorReply, durable: Callable[[], Awaitable[None]]
) -> Middleware:
    """Return the one middleware every request passes through.

    It refuses oversized requests through ``reply``, and holds every other
    answer until ``durable`` returns (the group commit,
    :mod:`mtgox_sandbox.group_commit`).  One middleware rather than one per
    concern: each layer costs every request a coroutine.
    """

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        error = oversize(request)
        if error is None:
            try:
                response = await handler(request)
            except web.HTTPRequestEntityTooLarge:
                too_large = f"Request body too large (at most {MAX_BODY_BYTES} bytes)"
                error = ApiError(too_large, None, 413)
            else:
                await durable()
                return response
        response = reply(request, error)
        # Closed rather than kept alive: the rest of an oversized body is not read.
        response.force_close()
        return response

    return guard
