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
``null`` means "until removed".
"""

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from .faults import FaultKind

if TYPE_CHECKING:
    from .server import SandboxServer

ADMIN_TOKEN_HEADER: Final = "X-Sandbox-Admin-Token"  # noqa: S105 - a header name

type AdminHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(payload: Any, status: int = 200) -> web.Response:
    """Return an admin answer."""
    return web.json_response(payload, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body ({} when empty); 400 otherwise."""
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def admin_routes(server: "SandboxServer", token: str) -> list[web.RouteDef]:
    """Return the admin routes of ``server``, each guarded by ``token``."""

    def guarded(handler: AdminHandler) -> AdminHandler:
        """Refuse requests without the right token."""

        async def check(request: web.Request) -> web.StreamResponse:
            given = request.headers.get(ADMIN_TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return _json({"error": f"{ADMIN_TOKEN_HEADER} required"}, 403)
            return await handler(request)

        return check

    async def list_faults(_request: web.Request) -> web.Response:
        return _json({"faults": server.faults.as_json()})

    async def add_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            fault = server.faults.add(
                FaultKind(str(body.get("kind"))),
                path=str(body.get("path", "*")),
                count=body.get("count"),
                seconds=float(body.get("seconds", 0.0)),
                status=body.get("status"),
            )
        except (TypeError, ValueError) as error:
            return _json({"error": str(error)}, 400)
        return _json({"fault": fault.as_json()}, 201)

    async def clear_faults(_request: web.Request) -> web.Response:
        server.faults.clear()
        return _json({"faults": []})

    async def remove_fault(request: web.Request) -> web.Response:
        removed = server.faults.remove(int(request.match_info["fault_id"]))
        return _json({"removed": removed}, 200 if removed else 404)

    async def counters(_request: web.Request) -> web.Response:
        return _json({"counters": dict(server.counters)})

    async def reset_counters(_request: web.Request) -> web.Response:
        server.counters.clear()
        return _json({"counters": {}})

    async def revoke(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if not server.exchange.revoke_key(key):
            return _json({"error": "no live key"}, 404)
        server.exchange.commit()
        return _json({"revoked": key})

    async def set_rights(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        rights = (await _body(request)).get("rights")
        if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
            return _json({"error": "rights must be a list of strings"}, 400)
        try:
            account = server.exchange.set_rights(key, rights)
        except KeyError:
            return _json({"error": "unknown key"}, 404)
        server.exchange.commit()
        return _json({"key": key, "rights": account.rights})

    async def step_market(request: web.Request) -> web.Response:
        steps = int((await _body(request)).get("steps", 1))
        for _ in range(steps):
            server.step_market()
        return _json({"steps": steps})

    async def totals(_request: web.Request) -> web.Response:
        return _json({"totals": server.exchange.totals()})

    def current_limits() -> dict[str, Any]:
        return {
            "cache_seconds": server.cache_seconds,
            "rate_limit": server.limiter.limit,
            "block_seconds": server.limiter.block_seconds,
        }

    async def limits(_request: web.Request) -> web.Response:
        return _json(current_limits())

    async def set_limits(request: web.Request) -> web.Response:
        body = await _body(request)
        server.cache_seconds = float(body.get("cache_seconds", server.cache_seconds))
        server.limiter.limit = int(body.get("rate_limit", server.limiter.limit))
        server.limiter.block_seconds = float(
            body.get("block_seconds", server.limiter.block_seconds)
        )
        server.clear_cache()
        server.limiter.reset()
        return _json(current_limits())

    return [
        web.get("/admin/faults", guarded(list_faults)),
        web.post("/admin/faults", guarded(add_fault)),
        web.delete("/admin/faults", guarded(clear_faults)),
        web.delete(r"/admin/faults/{fault_id:\d+}", guarded(remove_fault)),
        web.get("/admin/counters", guarded(counters)),
        web.delete("/admin/counters", guarded(reset_counters)),
        web.post("/admin/accounts/{key}/revoke", guarded(revoke)),
        web.post("/admin/accounts/{key}/rights", guarded(set_rights)),
        web.post("/admin/market/step", guarded(step_market)),
        web.get("/admin/totals", guarded(totals)),
        web.get("/admin/limits", guarded(limits)),
        web.post("/admin/limits", guarded(set_limits)),
    ]
