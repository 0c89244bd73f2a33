"""Every switchable fault, and the admin endpoint that switches them over HTTP."""

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from mtgox_sandbox.faults import FaultKind, Faults
from mtgox_sandbox.runner import Sandbox, running_sandbox

from .helpers import Caller, fresh_nonce

ORDER_PATH = "2/BTCUSD/money/order/add"
RESTING_BID = {"type": "bid", "amount_int": 1_000_000, "price_int": 50_000_000}


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


def admin_headers(sandbox: Sandbox) -> dict[str, str]:
    """Return the header that authorises admin requests to ``sandbox``."""
    assert sandbox.server.admin_token is not None
    return {"X-Sandbox-Admin-Token": sandbox.server.admin_token}


def open_orders(sandbox: Sandbox) -> int:
    """Return how many orders the funded account has on the books."""
    return len(sandbox.exchange.open_orders(sandbox.account))


async def test_latency(caller: Caller, sandbox: Sandbox) -> None:
    """The answer comes, late."""
    sandbox.faults.add(FaultKind.LATENCY, seconds=0.2)
    started = time.monotonic()
    assert (await caller.get("1/BTCUSD/ticker")).status == 200
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(
    ("kind", "executed"), [(FaultKind.TIMEOUT, 0), (FaultKind.EXECUTE_THEN_HANG, 1)]
)
async def test_held_requests(
    caller: Caller, sandbox: Sandbox, kind: FaultKind, executed: int
) -> None:
    """The request hangs past the client's timeout; only one kind ran it first."""
    sandbox.faults.add(kind, path=ORDER_PATH)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await caller.signed(ORDER_PATH, RESTING_BID)
    assert open_orders(sandbox) == executed


@pytest.mark.parametrize(
    ("kind", "executed"), [(FaultKind.DROP, 0), (FaultKind.EXECUTE_THEN_DROP, 1)]
)
async def test_dropped_connections(
    caller: Caller, sandbox: Sandbox, kind: FaultKind, executed: int
) -> None:
    """The connection closes without an answer; the order exists at most once."""
    sandbox.faults.add(kind, path=ORDER_PATH, count=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await caller.signed(ORDER_PATH, RESTING_BID)
    assert open_orders(sandbox) == executed
    assert (await caller.signed(ORDER_PATH, RESTING_BID)).status == 200
    assert open_orders(sandbox) == executed + 1


async def test_status(caller: Caller, sandbox: Sandbox) -> None:
    """A 5xx with the version's JSON error body; nothing executed."""
    sandbox.faults.add(FaultKind.STATUS, status=503)
    reply = await caller.signed(ORDER_PATH, RESTING_BID)
    assert reply.status == 503
    assert reply.json == {
        "result": "error",
        "error": "Internal server error",
        "token": "unknown_error",
    }
    assert open_orders(sandbox) == 0


async def test_html_error_page(caller: Caller, sandbox: Sandbox) -> None:
    """A proxy's HTML page instead of JSON."""
    sandbox.faults.add(FaultKind.HTML)
    reply = await caller.get("2/BTCUSD/money/ticker")
    assert reply.status == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.startswith("<!DOCTYPE HTML")


async def test_truncated_json(caller: Caller, sandbox: Sandbox) -> None:
    """Half a JSON body, after the order was placed."""
    sandbox.faults.add(FaultKind.TRUNCATED_JSON, path=ORDER_PATH)
    signed = await caller.signed(ORDER_PATH, RESTING_BID)
    assert signed.status == 200
    assert signed.text.startswith('{"result":"success","data":"')
    assert not signed.text.endswith("}")
    assert signed.json is None
    assert open_orders(sandbox) == 1


async def test_mysql_error(caller: Caller, sandbox: Sandbox) -> None:
    """The attested plain text with HTTP 200, and nothing executed."""
    sandbox.faults.add(FaultKind.MYSQL_ERROR)
    reply = await caller.signed(ORDER_PATH, RESTING_BID)
    assert (reply.status, reply.text) == (200, "MySQL error, please retry later")
    assert open_orders(sandbox) == 0


async def test_stale_nonce(caller: Caller, sandbox: Sandbox) -> None:
    """A fresh nonce is refused as stale, and stays usable."""
    sandbox.faults.add(FaultKind.STALE_NONCE, count=1)
    nonce = fresh_nonce()
    reply = await caller.signed("1/generic/info", nonce=nonce)
    assert (reply.status, reply.json["token"]) == (403, "login_error_invalid_nonce")
    assert (await caller.signed("1/generic/info", nonce=nonce)).status == 200


async def test_clock_skew(caller: Caller, sandbox: Sandbox) -> None:
    """With the server 30 s ahead, a correct tonce is refused; a skewed one passes."""
    sandbox.faults.add(FaultKind.CLOCK_SKEW, seconds=30)
    now = time.time_ns() // 1000
    refused = await caller.signed("2/money/info", body=f"tonce={now}".encode())
    assert refused.json["token"] == "login_error_invalid_nonce"
    skewed = await caller.signed(
        "2/money/info", body=f"tonce={now + 30_000_000}".encode()
    )
    assert skewed.status == 200


async def test_path_pattern_and_count(caller: Caller, sandbox: Sandbox) -> None:
    """A fault hits only matching paths, and only as often as asked."""
    fault = sandbox.faults.add(FaultKind.MYSQL_ERROR, path="*/order/add", count=2)
    assert (await caller.get("2/BTCUSD/money/ticker")).status == 200
    assert fault.remaining == 2
    for _ in range(2):
        assert (await caller.signed(ORDER_PATH, RESTING_BID)).text.startswith("MySQL")
    assert sandbox.faults.active == []
    assert (await caller.signed(ORDER_PATH, RESTING_BID)).status == 200


def test_faults_api() -> None:
    """Faults can be listed, removed and cleared; a count must be positive."""
    faults = Faults()
    first = faults.add("drop", path="1/*")
    second = faults.add(FaultKind.HTML, count=1)
    assert second.status == 502
    assert [fault["kind"] for fault in faults.as_json()] == ["drop", "html"]
    assert faults.remove(first.id)
    assert not faults.remove(first.id)
    faults.clear()
    assert faults.active == []
    with pytest.raises(ValueError, match="count"):
        faults.add(FaultKind.DROP, count=0)
    with pytest.raises(ValueError, match="nonsense"):
        faults.add("nonsense")


async def test_admin_requires_the_token(caller: Caller) -> None:
    """Without the right token every admin request is refused."""
    admin = caller.url.removesuffix("api/") + "admin/"
    for headers in ({}, {"X-Sandbox-Admin-Token": "wrong"}):
        async with caller.session.get(admin + "faults", headers=headers) as response:
            assert response.status == 403
        async with caller.session.post(
            admin + "market/step", headers=headers
        ) as response:
            assert response.status == 403


async def test_admin_faults(caller: Caller, sandbox: Sandbox) -> None:
    """Faults are switched on, listed and off over HTTP."""
    admin = caller.url.removesuffix("api/") + "admin/"
    session = caller.session
    admin_auth = admin_headers(sandbox)
    body = {"kind": "mysql_error", "path": "1/*", "count": 1}
    async with session.post(
        admin + "faults", json=body, headers=admin_auth
    ) as response:
        assert response.status == 201
        fault = (await response.json())["fault"]
    assert fault["kind"] == "mysql_error"
    async with session.get(admin + "faults", headers=admin_auth) as response:
        assert (await response.json())["faults"] == [fault]
    assert (await caller.get("1/BTCUSD/ticker")).text.startswith("MySQL")
    async with session.post(
        admin + "faults", json={"kind": "html"}, headers=admin_auth
    ) as response:
        fault_id = (await response.json())["fault"]["id"]
    async with session.delete(
        f"{admin}faults/{fault_id}", headers=admin_auth
    ) as response:
        assert (await response.json()) == {"removed": True}
    async with session.delete(
        f"{admin}faults/{fault_id}", headers=admin_auth
    ) as response:
        assert response.status == 404
    sandbox.faults.add(FaultKind.DROP)
    async with session.delete(admin + "faults", headers=admin_auth) as response:
        assert (await response.json()) == {"faults": []}
    assert sandbox.faults.active == []
    bad_bodies = ['{"kind": "nonsense"}', '{"kind": "drop", "count": 0}', "[1]", "{"]
    for bad in bad_bodies:
        async with session.post(
            admin + "faults", data=bad, headers=admin_auth
        ) as response:
            assert response.status == 400


async def test_admin_accounts_market_and_counters(
    caller: Caller, sandbox: Sandbox
) -> None:
    """Rights, revocation, market steps, totals, limits and counters over HTTP."""
    admin = caller.url.removesuffix("api/") + "admin/"
    session = caller.session
    admin_auth = admin_headers(sandbox)
    account_url = f"{admin}accounts/{sandbox.key}/"
    async with session.post(
        account_url + "rights", json={"rights": ["trade"]}, headers=admin_auth
    ) as response:
        assert (await response.json())["rights"] == ["trade"]
    assert (await caller.signed("1/generic/info")).json[
        "token"
    ] == "login_error_insufficient_rights"
    async with session.post(
        account_url + "rights", json={"rights": "trade"}, headers=admin_auth
    ) as response:
        assert response.status == 400
    async with session.post(
        f"{admin}accounts/unknown/rights", json={"rights": []}, headers=admin_auth
    ) as response:
        assert response.status == 404
    totals = sandbox.exchange.totals()
    async with session.post(
        admin + "market/step", json={"steps": 3}, headers=admin_auth
    ) as response:
        assert (await response.json()) == {"steps": 3}
    async with session.get(admin + "totals", headers=admin_auth) as response:
        assert (await response.json())["totals"] == totals
    async with session.post(
        admin + "limits",
        json={"cache_seconds": 10, "rate_limit": 50},
        headers=admin_auth,
    ) as response:
        assert (await response.json()) == {
            "cache_seconds": 10.0,
            "rate_limit": 50,
            "block_seconds": 60.0,
        }
    async with session.get(admin + "limits", headers=admin_auth) as response:
        assert (await response.json())["rate_limit"] == 50
    async with session.get(admin + "counters", headers=admin_auth) as response:
        assert (await response.json())["counters"] == {"1:info": 1}
    async with session.delete(admin + "counters", headers=admin_auth) as response:
        assert (await response.json()) == {"counters": {}}
    async with session.post(account_url + "revoke", headers=admin_auth) as response:
        assert (await response.json()) == {"revoked": sandbox.key}
    async with session.post(account_url + "revoke", headers=admin_auth) as response:
        assert response.status == 404
    assert (await caller.signed("1/generic/info")).json[
        "token"
    ] == "login_error_invalid_rest_key"


async def test_admin_is_off_without_a_token(socket_enabled: None) -> None:
    """A sandbox started without an admin token has no admin endpoint at all."""
    async with (
        running_sandbox(rate_limit=0) as plain,
        aiohttp.ClientSession() as session,
    ):
        admin = plain.url.removesuffix("api/") + "admin/faults"
        async with session.get(
            admin, headers={"X-Sandbox-Admin-Token": ""}
        ) as response:
            assert response.status == 404
