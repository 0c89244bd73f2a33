"""Callers trying to break the sandbox over real HTTP (issue 8): numbers, params, sizes.

Each abuse once gave a 500 text/plain with a logged traceback, or changed what
a signed call did; each must now be the API's JSON error, logged at most as a
warning, with nothing placed or changed.
"""

import logging
from collections.abc import AsyncIterator
from typing import Any, Final

import aiohttp
import pytest

from mtgox_sandbox.engine.models import (
    BTC_MULTIPLIER,
    VALUE_TOO_LOW,
)
from mtgox_sandbox.request_limits import MAX_BODY_BYTES
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller

HUGE: Final = "1" + "0" * 400
"""A price far beyond 64 bits; once accepted, it broke every depth view."""

OVER_INT_DIGITS: Final = "7" * 4301
"""More digits than Python's ``int()`` converts (4,300): once a 500 and a traceback."""

OVER_INT64: Final = str(2**63)
"""The smallest integer beyond the signed 64-bit range."""


@pytest.fixture
async def caller(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key; no error may be logged."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]


def error_text(version: str, body: Any) -> str:
    """Return the error message of a v0 (``error``) or v1/v2 error body."""
    if version == "0":
        return str(body["error"])
    assert body["result"] == "error"
    return str(body["error"])


ORDER_PATHS: Final = {
    "0": "0/sellBTC.php",
    "1": "1/BTCUSD/order/add",
    "2": "2/BTCUSD/money/order/add",
}


@pytest.mark.parametrize("version", ["0", "1", "2"])
@pytest.mark.parametrize("price", [HUGE, OVER_INT64, OVER_INT_DIGITS])
async def test_an_order_beyond_64_bits_is_a_parameter_error(
    caller: Caller, sandbox: Sandbox, version: str, price: str
) -> None:
    """A price of 1e400 (or 2**63, or 4,301 digits) is refused in JSON, not placed."""
    params: dict[str, object] = (
        {"amount": "0.01", "price": price}
        if version == "0"
        else {"type": "ask", "amount_int": 1_000_000, "price_int": price}
    )
    reply = await caller.signed(ORDER_PATHS[version], params)
    assert reply.headers["Content-Type"].startswith("application/json")
    assert "Invalid parameter" in error_text(version, reply.json)
    assert sandbox.exchange.open_orders(sandbox.account) == []


@pytest.mark.parametrize(
    "path",
    [
        f"0/data/getTrades.php?since={OVER_INT_DIGITS}",
        f"1/BTCUSD/trades?since={OVER_INT_DIGITS}",
        f"2/BTCUSD/money/trades/fetch?since={OVER_INT64}",
        f"1/BTCUSD/quote?type=bid&amount={OVER_INT_DIGITS}",
        f"2/BTCUSD/money/order/quote?type=ask&amount={OVER_INT64}",
    ],
)
async def test_public_integers_beyond_64_bits(caller: Caller, path: str) -> None:
    """Over-long or too large public integers are the version's parameter error."""
    reply = await caller.get(path)
    assert reply.headers["Content-Type"].startswith("application/json")
    assert "Invalid parameter" in error_text(path[0], reply.json)


@pytest.mark.parametrize("value", [OVER_INT64, OVER_INT_DIGITS])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("2/money/wallet/history", {"currency": "BTC", "page": "{}"}),
        ("1/BTCUSD/order/add", {"type": "bid", "amount_int": "{}"}),
    ],
)
async def test_private_integers_beyond_64_bits(
    caller: Caller, path: str, params: dict[str, str], value: str
) -> None:
    """``page`` and ``amount_int`` beyond 64 bits are parameter errors too."""
    filled = {name: text.format(value) for name, text in params.items()}
    reply = await caller.signed(path, filled)
    assert "Invalid parameter" in error_text(path[0], reply.json)


@pytest.mark.parametrize("name", ["nonce", "tonce"])
async def test_nonces_beyond_64_bits(
    caller: Caller, sandbox: Sandbox, name: str
) -> None:
    """A 4,301-digit nonce or tonce is an invalid nonce (403 JSON), never recorded."""
    before = sandbox.account.nonce_high_water
    body = f"{name}={OVER_INT_DIGITS}".encode()
    reply = await caller.signed("1/generic/info", body=body)
    assert reply.status == 403
    assert reply.json["token"] == "login_error_invalid_nonce"
    assert sandbox.account.nonce_high_water == before


DEPTH_PATHS: Final = (
    "0/data/getDepth.php",
    "1/BTCUSD/fulldepth",
    "2/BTCUSD/money/depth/full",
    "2/BTCUSD/money/depth/fetch",
)
ORDER_LISTS: Final = ("0/getOrders.php", "1/generic/orders", "2/money/orders")


async def test_a_stored_order_beyond_64_bits_still_renders(
    caller: Caller, sandbox: Sandbox
) -> None:
    """An order stored before the bound (an old state) breaks no depth or listing."""
    sandbox.exchange.place_order(
        sandbox.account, "BTCUSD", "ask", BTC_MULTIPLIER, int(HUGE)
    )
    for path in DEPTH_PATHS:
        reply = await caller.get(path)
        assert reply.status == 200, (path, reply.text)
    v1_depth = (await caller.get("1/BTCUSD/fulldepth")).json["return"]
    assert v1_depth["asks"][-1]["price_int"] == HUGE
    for path in ORDER_LISTS:
        reply = await caller.signed(path)
        assert reply.status == 200, (path, reply.text)
    listed = (await caller.signed("2/money/orders")).json["data"]
    assert listed[0]["price"]["value_int"] == HUGE


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("2/BTCUSD/money/order/add", "price_int=12345678901234"),
        ("1/BTCUSD/order/add", "price_int=12345678901234"),
        ("0/sellBTC.php", "price=123456789"),
    ],
)
async def test_unsigned_query_parameters_never_change_a_signed_call(
    caller: Caller, sandbox: Sandbox, path: str, query: str
) -> None:
    """A market ask with a price in the (unsigned) query is refused, not rested."""
    market_ask: dict[str, object] = (
        {"amount": "0.01"} if path[0] == "0" else {"type": "ask", "amount_int": 10**6}
    )
    before = sandbox.account.nonce_high_water
    reply = await caller.signed(f"{path}?{query}", market_ask)
    assert "signed POST body" in error_text(path[0], reply.json)
    assert sandbox.exchange.open_orders(sandbox.account) == []
    assert sandbox.account.nonce_high_water == before, "refused before its nonce"


async def test_v1_raw_still_works_on_signed_calls(caller: Caller) -> None:
    """``?raw`` only picks v1's envelope, so a signed call may carry it."""
    reply = await caller.signed("1/generic/info?raw")
    assert reply.status == 200
    assert "Login" in reply.json


@pytest.mark.parametrize("version", ["1", "2"])
async def test_a_bid_worth_nothing_is_refused(
    caller: Caller, sandbox: Sandbox, version: str
) -> None:
    """0.01 BTC at 0.00001 USD costs 0 after rounding: refused, nothing reserved."""
    bid = {"type": "bid", "amount_int": 10**6, "price_int": 1}
    reply = await caller.signed(ORDER_PATHS[version], bid)
    assert error_text(version, reply.json) == VALUE_TOO_LOW
    assert sandbox.exchange.open_orders(sandbox.account) == []
    assert sandbox.account.wallets["USD"].reserved_int == 0


@pytest.mark.parametrize(
    ("path", "version"),
    [("2/BTCUSD/money/ticker", "2"), ("1/BTCUSD/ticker", "1"), ("0/info.php", "0")],
)
async def test_a_10_mb_body_is_a_json_413(
    caller: Caller, path: str, version: str
) -> None:
    """The body limit is answered in the version's JSON error shape."""
    reply = await caller.request("POST", path, body=b"x" * (10 * 1024 * 1024))
    assert reply.status == 413
    assert str(MAX_BODY_BYTES) in error_text(version, reply.json)


async def test_an_8_kb_header_is_a_json_431(caller: Caller) -> None:
    """A header over 8 KB is the API's JSON error, not aiohttp's text/plain 400."""
    headers = {"X-Padding": "p" * 9000}
    reply = await caller.request("GET", "2/BTCUSD/money/ticker", headers=headers)
    assert reply.status == 431
    assert reply.json["result"] == "error"


async def test_a_long_url_is_a_json_414(caller: Caller) -> None:
    """A URL over 8 KB is the API's JSON error."""
    reply = await caller.get("0/data/ticker.php?pad=" + "u" * 9000)
    assert reply.status == 414
    assert "URL too long" in reply.json["error"]
