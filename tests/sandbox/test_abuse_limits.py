"""Callers trying to dodge the limiter or break the admin endpoint, over real HTTP.

The limiter once keyed on the client-supplied ``Rest-Key`` even for public
calls (a new header value per request went through unlimited) and never
forgot a client; the admin endpoint answered text 500s to bad numbers,
accepted any fault status and echoed NaN as invalid JSON.  Loopback accepts
any 127.0.0.0/8 source address, so distinct clients are real connections.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.request_limits import PARSER_LIMIT_BYTES
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


async def get_from(
    address: str, url: str, headers: dict[str, str] | None = None
) -> int:
    """GET ``url`` from the loopback source ``address``; return the status."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(url, headers=headers) as response,
    ):
        return response.status


async def get_from_each(url: str, addresses: list[str]) -> set[int]:
    """GET ``url`` once from each loopback source address; return the statuses."""
    return {await get_from(address, url) for address in addresses}


async def test_a_new_rest_key_per_public_call_is_still_one_client(
    caller: Caller, sandbox: Sandbox
) -> None:
    """Public calls are counted per address, whatever ``Rest-Key`` they carry."""
    sandbox.server.limiter.limit = 3
    url = caller.url + "1/BTCUSD/ticker"
    statuses = [
        await get_from("127.0.0.1", url, {"Rest-Key": str(uuid.uuid4())})
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert len(sandbox.server.limiter) == 1
    assert await get_from("127.0.0.2", url) == 200, "another address, another client"


async def test_signed_calls_are_counted_per_verified_key(
    caller: Caller, sandbox: Sandbox
) -> None:
    """A blocked key leaves other keys alone; a forged signature counts on the address."""
    sandbox.server.limiter.limit = 2
    for _ in range(2):
        assert (await caller.signed("1/generic/info")).status == 200
    assert (await caller.signed("1/generic/info")).status == 429
    key, secret = new_credentials()
    sandbox.exchange.add_account(key, secret, ["get_info"])
    other = Caller(caller.session, caller.url, key, secret)
    assert (await other.signed("1/generic/info")).status == 200
    forged = [
        (await caller.signed("1/generic/info", key=str(uuid.uuid4()))).status
        for _ in range(3)
    ]
    assert forged == [403, 403, 429], "unverified keys share the address's count"


async def test_idle_clients_are_forgotten(caller: Caller, sandbox: Sandbox) -> None:
    """A client silent for a whole window is dropped when others call."""
    limiter = sandbox.server.limiter
    limiter.limit, limiter.window = 100, 1.0
    url = caller.url + "0/data/ticker.php"
    assert await get_from_each(url, [f"127.0.0.{n}" for n in range(2, 12)]) == {200}
    # Under load the first ones may already have gone idle: at least some remain.
    assert len(limiter) > 1
    await asyncio.sleep(1.1)
    assert await get_from("127.0.0.1", url) == 200
    assert len(limiter) == 1


async def test_the_limiter_memory_is_bounded(caller: Caller, sandbox: Sandbox) -> None:
    """Many distinct addresses and keys never make more entries than the cap."""
    limiter = sandbox.server.limiter
    limiter.limit, limiter.max_clients = 100, 25
    url = caller.url + "2/BTCUSD/money/ticker"
    assert await get_from_each(url, [f"127.0.1.{n}" for n in range(2, 62)]) == {200}
    assert len(limiter) == 25, "60 addresses, at most 25 remembered"
    for _ in range(30):
        key, secret = new_credentials()
        sandbox.exchange.add_account(key, secret, ["get_info"])
        other = Caller(caller.session, caller.url, key, secret)
        assert (await other.signed("2/money/info")).status == 200
        assert len(limiter) <= 25
    assert len(limiter) == 25


def admin_url(sandbox: Sandbox, path: str) -> str:
    """Return the admin URL of ``path``."""
    return sandbox.url.removesuffix("api/") + "admin/" + path


async def admin_post(caller: Caller, sandbox: Sandbox, path: str, body: str) -> Any:
    """POST a raw JSON body to the admin endpoint; return (status, parsed answer)."""
    assert sandbox.server.admin_token is not None
    headers = {
        "X-Sandbox-Admin-Token": sandbox.server.admin_token,
        "Content-Type": "application/json",
    }
    async with caller.session.post(
        admin_url(sandbox, path), data=body, headers=headers
    ) as response:
        assert response.content_type == "application/json"
        # Strict JSON: NaN or Infinity in an answer would fail here.
        text = await response.text()
        return response.status, json.loads(text, parse_constant=pytest.fail)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("market/step", '{"steps": "abc"}'),
        ("market/step", '{"steps": 1.5}'),
        ("market/step", '{"steps": NaN}'),
        ("market/step", '{"steps": 1000000000}'),
        ("limits", '{"rate_limit": "x"}'),
        ("limits", '{"rate_limit": true}'),
        ("limits", '{"cache_seconds": Infinity}'),
        ("limits", '{"block_seconds": -1}'),
        ("limits", '{"block_seconds": NaN}'),
        ("faults", '{"kind": "status", "status": "abc"}'),
        ("faults", '{"kind": "status", "status": 99999}'),
        ("faults", '{"kind": "html", "status": 200}'),
        ("faults", '{"kind": "drop", "count": 1.5}'),
        ("faults", '{"kind": "drop", "count": "1"}'),
        ("faults", '{"kind": "latency", "seconds": NaN}'),
        ("faults", '{"kind": "latency", "seconds": "1"}'),
        ("faults", '{"kind": "drop", "path": 5}'),
        ("faults", "{"),
        ("accounts/nobody/rights", '{"rights": "trade"}'),
    ],
)
async def test_bad_admin_input_is_a_json_400(
    caller: Caller, sandbox: Sandbox, path: str, body: str
) -> None:
    """Every malformed value is refused with a JSON error and changes nothing."""
    limits_before = (sandbox.server.cache_seconds, sandbox.server.limiter.limit)
    status, answer = await admin_post(caller, sandbox, path, body)
    assert status == 400
    assert isinstance(answer["error"], str)
    assert sandbox.faults.active == []
    assert limits_before == (sandbox.server.cache_seconds, sandbox.server.limiter.limit)


async def test_good_admin_input_still_works(caller: Caller, sandbox: Sandbox) -> None:
    """Valid numbers are accepted; a fault's count of 1 is used up after one request."""
    status, answer = await admin_post(
        caller, sandbox, "faults", '{"kind": "status", "status": 599, "count": 1}'
    )
    assert (status, answer["fault"]["status"]) == (201, 599)
    assert (await caller.get("1/BTCUSD/ticker")).status == 599
    assert (await caller.get("1/BTCUSD/ticker")).status == 200
    status, answer = await admin_post(
        caller, sandbox, "limits", '{"rate_limit": 7, "cache_seconds": 0.5}'
    )
    assert (status, answer["rate_limit"], answer["cache_seconds"]) == (200, 7, 0.5)
    status, answer = await admin_post(caller, sandbox, "market/step", '{"steps": 2}')
    assert (status, answer) == (200, {"steps": 2})


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_json_constants_are_named_in_the_refusal(
    caller: Caller, sandbox: Sandbox, constant: str
) -> None:
    """Python's parser reads NaN and Infinity; the admin endpoint says they are not JSON."""
    status, answer = await admin_post(
        caller, sandbox, "faults", f'{{"kind": "latency", "seconds": {constant}}}'
    )
    assert (status, answer) == (400, {"error": f"{constant} is not valid JSON"})


async def test_admin_requests_over_the_size_limits_are_json(
    caller: Caller, sandbox: Sandbox
) -> None:
    """Admin paths get the size errors as ``{"error": ...}``; a blank body is {}."""
    status, answer = await admin_post(caller, sandbox, "market/step", "")
    assert (status, answer) == (200, {"steps": 1})
    async with caller.session.get(
        admin_url(sandbox, "faults"), headers={"X-Padding": "p" * 9000}
    ) as response:
        assert response.status == 431
        assert "Header too large" in (await response.json())["error"]


async def raw_exchange(sandbox: Sandbox, head: bytes) -> tuple[bytes, bytes]:
    """Send ``head`` on a raw connection; return the answer's head and body."""
    host, port = sandbox.url.split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        answer = await asyncio.wait_for(reader.read(), 10)  # closed after it
    finally:
        writer.close()
    answer_head, _, body = answer.partition(b"\r\n\r\n")
    return answer_head, body


@pytest.mark.parametrize(
    ("header_bytes", "status", "content_type"),
    [
        (60_000, b"431", b"application/json"),  # over the sandbox's limit: JSON
        (PARSER_LIMIT_BYTES + 1, b"400", b"text/plain"),  # over aiohttp's: its text
    ],
)
async def test_the_edge_of_json_size_errors_over_a_raw_socket(
    sandbox: Sandbox, header_bytes: int, status: bytes, content_type: bytes
) -> None:
    """Up to the parser's limit a header gets the API's JSON; beyond, aiohttp's text.

    See the sandbox README ("Oversized requests") for why the last case stays.
    """
    head = b"GET /api/1/BTCUSD/ticker HTTP/1.1\r\nHost: sandbox\r\n"
    head += b"X-Padding: " + b"p" * header_bytes + b"\r\n\r\n"
    answer_head, body = await raw_exchange(sandbox, head)
    assert answer_head.split(b" ")[1] == status, answer_head
    assert b"Content-Type: " + content_type in answer_head, answer_head
    if content_type == b"application/json":
        assert json.loads(body)["error"].startswith("Header too large")
    ticker, _ = await raw_exchange(
        sandbox,
        b"GET /api/1/BTCUSD/ticker HTTP/1.1\r\nHost: sandbox\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert ticker.startswith(b"HTTP/1.1 200"), ticker
