"""The HTTP answers the sandbox builds besides its API results: JSON, HTML, none."""

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web

HTML_PAGE: Final = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
    "<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n"
    "<p>{detail}</p>\n<hr><address>cloudflare-nginx</address>\n</body></html>\n"
)
BLOCKED_DETAIL: Final = (
    "Too many requests: you have been blocked by the anti-DDoS filter. "
    "Do not request results more often than every 10 seconds."
)


def html_page(
    status: int, detail: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return a non-JSON error page, as a proxy in front of the API would."""
    # Any error status may be asked of a fault, named or not (599...).
    reason = HTTPStatus(status).phrase if status in HTTPStatus else "Error"
    body = HTML_PAGE.format(status=status, reason=reason, detail=detail)
    return web.Response(
        status=status, text=body, content_type="text/html", headers=headers
    )


_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), check_circular=False)
"""Answers are built fresh from the engine's data, never circular; without the
check a small answer encodes in half the time."""


def encode_json(payload: Any) -> str:
    """Return ``payload`` as compact JSON, non-ASCII escaped, as the API sent it."""
    return _ENCODER.encode(payload)


def json_response(payload: Any, status: int = 200) -> web.Response:
    """Return ``payload`` as a JSON answer."""
    return json_text_response(encode_json(payload), status)


def json_text_response(body: str, status: int = 200) -> web.Response:
    """Return JSON text ``body`` as the answer."""
    return web.Response(status=status, text=body, content_type="application/json")


def drop_connection(request: web.Request) -> web.Response:
    """Close the connection without answering; the returned response is never sent."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response()
