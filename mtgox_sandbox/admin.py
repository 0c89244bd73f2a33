"""The admin endpoint: break, inspect and steer a running sandbox over HTTP.

Only registered when the server has an admin token (``--admin-token``);
without one every ``/admin/`` path is a plain 404.  Every request must carry
the token in ``X-Sandbox-Admin-Token`` (else HTTP 403).  Bodies and answers
are JSON.

| request | body | answer |
|---|---|---|
| ``GET /admin/faults`` | | ``{"faults": [fault...]}`` |
| ``POST /admin/faults`` | ``{"kind", "path"?, "count"?, "seconds"?, "status"?}`` | ``{"fault": fault}`` (201) |
| ``DELETE /admin/faults`` | | ``{"faults": []}`` |
| ``DELETE /admin/faults/{id}`` | | ``{"removed": true}`` or 404 |
| ``GET /admin/counters`` | | ``{"counters": {"1:info": 3, ...}}`` |
| ``DELETE /admin/counters`` | | ``{"counters": {}}`` |
| ``POST /admin/accounts/{key}/revoke`` | | ``{"revoked": key}`` or 404 |
| ``POST /admin/accounts/{key}/rights`` | ``{"rights": ["get_info", ...]}`` | ``{"key", "rights"}`` or 404 |
| ``POST /admin/market/step`` | ``{"steps"?: n}`` | ``{"steps": n}`` |
| ``GET /admin/totals`` | | ``{"totals": {"BTC": ..., ...}}`` |
| ``GET /admin/limits`` | | ``{"cache_seconds", "rate_limit", "block_seconds"}`` |
| ``POST /admin/limits`` | any of those keys | the new limits (clears cache and blocks) |

A fault is ``{"id", "kind", "path", "count", "seconds", "status"}``; ``count``
``null`` means "until removed".  Bodies are checked by
:mod:`mtgox_sandbox.admin_input`: a bad value is HTTP 400 ``{"error": ...}``.
"""

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from . import admin_input
from .admin_input import (
    HTTP_ERROR_STATUSES,
    MAX_MARKET_STEPS,
    MAX_RATE_LIMIT,
    AdminInputError,
)
from .faults import FaultKind

if TYPE_CHECKING:
    from .server import SandboxServer

ADMIN_TOKEN_HEADER: Final = "X-Sandbox-Admin-Token"  # noqa: S105 - a header name

SERVER: Final = web.AppKey["SandboxServer"]("sandbox_server")
"""The application's server, for the handlers."""

type AdminHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(payload: Any, status: int = 200) -> web.Response:
    """Return an admin answer."""
    return web.json_response(payload, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body ({} when empty)."""
    return admin_input.parse_body(await request.text())


def _guarded(token: str, handler: AdminHandler) -> AdminHandler:
    """Refuse requests without the right token; answer bad input with a 400."""

    async def check(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(ADMIN_TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _json({"error": f"{ADMIN_TOKEN_HEADER} required"}, 403)
        try:
            return await handler(request)
        except AdminInputError as error:
            return _json({"error": str(error)}, 400)

    return check


async def list_faults(request: web.Request) -> web.Response:
    """Show the active faults."""
    return _json({"faults": request.app[SERVER].faults.as_json()})


async def add_fault(request: web.Request) -> web.Response:
    """Switch a fault on."""
    body = await _body(request)
    try:
        kind = FaultKind(str(body.get("kind")))
    except ValueError:
        raise AdminInputError(f"kind must be one of {', '.join(FaultKind)}") from None
    path = body.get("path", "*")
    if not isinstance(path, str):
        raise AdminInputError("path must be a string")
    fault = request.app[SERVER].faults.add(
        kind,
        path=path,
        count=admin_input.optional_whole_number(body, "count", range(1, 2**31)),
        seconds=admin_input.seconds(body, "seconds", 0.0, signed=True),
        status=admin_input.optional_whole_number(body, "status", HTTP_ERROR_STATUSES),
    )
    return _json({"fault": fault.as_json()}, 201)


async def clear_faults(request: web.Request) -> web.Response:
    """Switch every fault off."""
    request.app[SERVER].faults.clear()
    return _json({"faults": []})


async def remove_fault(request: web.Request) -> web.Response:
    """Switch one fault off."""
    removed = request.app[SERVER].faults.remove(int(request.match_info["fault_id"]))
    return _json({"removed": removed}, 200 if removed else 404)


async def counters(request: web.Request) -> web.Response:
    """Show the request counters."""
    return _json({"counters": dict(request.app[SERVER].counters)})


async def reset_counters(request: web.Request) -> web.Response:
    """Zero the request counters."""
    request.app[SERVER].counters.clear()
    return _json({"counters": {}})


async def revoke(request: web.Request) -> web.Response:
    """Revoke an API key."""
    server, key = request.app[SERVER], request.match_info["key"]
    if not server.exchange.revoke_key(key):
        return _json({"error": "no live key"}, 404)
    server.exchange.commit()
    return _json({"revoked": key})


async def set_rights(request: web.Request) -> web.Response:
    """Replace an API key's rights."""
    server, key = request.app[SERVER], request.match_info["key"]
    rights = (await _body(request)).get("rights")
    if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
        raise AdminInputError("rights must be a list of strings")
    try:
        account = server.exchange.set_rights(key, rights)
    except KeyError:
        return _json({"error": "unknown key"}, 404)
    server.exchange.commit()
    return _json({"key": key, "rights": account.rights})


async def step_market(request: web.Request) -> web.Response:
    """Run market ticks now."""
    body = await _body(request)
    steps = admin_input.whole_number(body, "steps", 1, range(MAX_MARKET_STEPS + 1))
    for _ in range(steps):
        request.app[SERVER].step_market()
    return _json({"steps": steps})


async def totals(request: web.Request) -> web.Response:
    """Show every currency's total (money is conserved)."""
    return _json({"totals": request.app[SERVER].exchange.totals()})


def _current_limits(server: "SandboxServer") -> dict[str, Any]:
    """Return the cache and limiter settings."""
    return {
        "cache_seconds": server.cache_seconds,
        "rate_limit": server.limiter.limit,
        "block_seconds": server.limiter.block_seconds,
    }


async def limits(request: web.Request) -> web.Response:
    """Show the cache and limiter settings."""
    return _json(_current_limits(request.app[SERVER]))


async def set_limits(request: web.Request) -> web.Response:
    """Change the cache and limiter settings; clears the cache and every block."""
    server, body = request.app[SERVER], await _body(request)
    # Every value is checked before any is applied, so a 400 changes nothing.
    cache_seconds = admin_input.seconds(body, "cache_seconds", server.cache_seconds)
    limiter = server.limiter
    rate_limit = admin_input.whole_number(
        body, "rate_limit", limiter.limit, range(MAX_RATE_LIMIT + 1)
    )
    block_seconds = admin_input.seconds(body, "block_seconds", limiter.block_seconds)
    server.cache_seconds, limiter.limit = cache_seconds, rate_limit
    limiter.block_seconds = block_seconds
    server.clear_cache()
    limiter.reset()
    return _json(_current_limits(server))


ROUTES: Final[tuple[tuple[str, str, AdminHandler], ...]] = (
    ("GET", "/admin/faults", list_faults),
    ("POST", "/admin/faults", add_fault),
    ("DELETE", "/admin/faults", clear_faults),
    # At most 18 digits: any fault id, and never an int() of unbounded text.
    ("DELETE", r"/admin/faults/{fault_id:\d{1,18}}", remove_fault),
    ("GET", "/admin/counters", counters),
    ("DELETE", "/admin/counters", reset_counters),
    ("POST", "/admin/accounts/{key}/revoke", revoke),
    ("POST", "/admin/accounts/{key}/rights", set_rights),
    ("POST", "/admin/market/step", step_market),
    ("GET", "/admin/totals", totals),
    ("GET", "/admin/limits", limits),
    ("POST", "/admin/limits", set_limits),
)


def add_admin_routes(app: web.Application, server: "SandboxServer", token: str) -> None:
    """Serve the admin endpoint of ``server`` on ``app``, guarded by ``token``."""
    app[SERVER] = server
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, _guarded(token, handler))
