"""What the HTTP faults (:mod:`mtgox_sandbox.faults`) do to an API answer.

:func:`before_answer` applies the faults that act before the request is
processed (latency, a held or dropped connection, an HTML page, the MySQL
error text); :func:`after_answer` those that act on the finished answer
(dropped or held after processing, a missing ``oid``, truncated JSON).
``stopping`` is set when the server stops, which releases held requests.
"""

import asyncio
import json
from collections.abc import Mapping
from typing import Final

from aiohttp import web

from .faults import Fault, FaultKind
from .responses import drop_connection, encode_json, html_page

MYSQL_ERROR: Final = "MySQL error, please retry later"


async def before_answer(
    request: web.Request, faults: Mapping[FaultKind, Fault], stopping: asyncio.Event
) -> web.StreamResponse | None:
    """Apply the faults that act before the request is processed."""
    if FaultKind.LATENCY in faults:
        await asyncio.sleep(faults[FaultKind.LATENCY].seconds)
    if FaultKind.TIMEOUT in faults:
        await stopping.wait()
        return drop_connection(request)
    if FaultKind.DROP in faults:
        return drop_connection(request)
    if FaultKind.HTML in faults:
        status = faults[FaultKind.HTML].status
        return html_page(status, "The web server reported a bad gateway error.")
    if FaultKind.MYSQL_ERROR in faults:
        return web.Response(text=MYSQL_ERROR, content_type="text/html")
    return None


async def after_answer(
    request: web.Request,
    response: web.Response,
    faults: Mapping[FaultKind, Fault],
    stopping: asyncio.Event,
) -> web.StreamResponse:
    """Apply the faults that act after the request was processed."""
    if FaultKind.EXECUTE_THEN_HANG in faults:
        await stopping.wait()
        return drop_connection(request)
    if FaultKind.EXECUTE_THEN_DROP in faults:
        return drop_connection(request)
    if FaultKind.OMIT_OID in faults and response.text is not None:
        payload = json.loads(response.text)
        if isinstance(payload, dict):
            payload.pop("oid", None)
            response.text = encode_json(payload)
    if FaultKind.TRUNCATED_JSON in faults and response.text is not None:
        response.text = response.text[: len(response.text) // 2]
    return response
