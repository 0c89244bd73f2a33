"""The 10-second cache and the anti-DDoS block over loopback HTTP (reference §6)."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.faults import RateLimiter
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller, fresh_nonce

RESTING_BID = {"type": "bid", "amount_int": 1_000_000, "price_int": 50_000_000}


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


async def test_public_results_are_cached_for_the_window(
    caller: Caller, sandbox: Sandbox
) -> None:
    """Within the window the same ticker comes back; after it, a new one."""
    sandbox.server.cache_seconds = 0.3
    first = await caller.public("2/BTCUSD/money/ticker")
    assert await caller.public("2/BTCUSD/money/ticker") == first
    await asyncio.sleep(0.35)
    assert (await caller.public("2/BTCUSD/money/ticker"))["now"] != first["now"]


async def test_private_results_are_cached_per_key(
    caller: Caller, sandbox: Sandbox
) -> None:
    """A cached info hides a new order until the window ends; other keys differ."""
    sandbox.server.cache_seconds = 10
    before = await caller.data("1/generic/info")
    await caller.data("1/BTCUSD/order/add", RESTING_BID)
    assert await caller.data("1/generic/info") == before
    key, secret = new_credentials()
    sandbox.exchange.add_account(key, secret, ["get_info"])
    other = Caller(caller.session, caller.url, key, secret)
    assert (await other.data("1/generic/info"))["Id"] != before["Id"]
    sandbox.server.clear_cache()
    after = await caller.data("1/generic/info")
    assert (
        after["Wallets"]["USD"]["Open_Orders"]
        != before["Wallets"]["USD"]["Open_Orders"]
    )


async def test_cached_private_call_still_checks_the_nonce(
    caller: Caller, sandbox: Sandbox
) -> None:
    """A replayed nonce is refused even when the answer is cached."""
    sandbox.server.cache_seconds = 10
    nonce = fresh_nonce()
    assert (await caller.signed("2/money/info", nonce=nonce)).status == 200
    replay = await caller.signed("2/money/info", nonce=nonce)
    assert replay.status == 403
    assert replay.json["token"] == "login_error_invalid_nonce"


async def test_orders_are_never_cached(caller: Caller, sandbox: Sandbox) -> None:
    """Two identical order/add calls place two orders."""
    sandbox.server.cache_seconds = 10
    first = await caller.data("2/BTCUSD/money/order/add", RESTING_BID)
    second = await caller.data("2/BTCUSD/money/order/add", RESTING_BID)
    assert first != second
    assert len(sandbox.exchange.open_orders(sandbox.account)) == 2


async def test_block_after_too_many_requests(caller: Caller, sandbox: Sandbox) -> None:
    """Over the limit: an HTML 429 with Retry-After, per client, lifted later."""
    sandbox.server.limiter.limit = 3
    sandbox.server.limiter.block_seconds = 0.4
    for _ in range(3):
        assert (await caller.get("1/BTCUSD/ticker")).status == 200
    blocked = await caller.get("1/BTCUSD/ticker")
    assert blocked.status == 429
    assert blocked.headers["Content-Type"].startswith("text/html")
    assert blocked.headers["Retry-After"] == "1"
    assert blocked.json is None
    assert "anti-DDoS" in blocked.text
    signed = await caller.signed("1/generic/info")
    assert signed.status == 200, "another key is another client"
    assert (await caller.get("1/BTCUSD/ticker")).status == 429
    await asyncio.sleep(0.45)
    assert (await caller.get("1/BTCUSD/ticker")).status == 200


async def test_blocked_requests_are_counted(caller: Caller, sandbox: Sandbox) -> None:
    """The counters see every request, served or blocked."""
    sandbox.server.limiter.limit = 1
    await caller.get("1/BTCUSD/ticker")
    await caller.get("1/BTCUSD/ticker")
    assert sandbox.counters["1:ticker"] == 2


async def test_expired_cache_entries_are_pruned(
    caller: Caller, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full cache drops what has expired before taking a new entry."""
    monkeypatch.setattr("mtgox_sandbox.answer_cache.CACHE_PRUNE_SIZE", 2)
    sandbox.server.cache_seconds = 0.05
    await caller.public("1/BTCUSD/ticker")
    await caller.public("1/BTCEUR/ticker")
    await asyncio.sleep(0.1)
    first = await caller.public("1/BTCJPY/ticker")
    assert await caller.public("1/BTCJPY/ticker") == first
    assert len(sandbox.server._cache) == 1


def test_window_slides() -> None:
    """Requests older than the window no longer count."""
    now = [0.0]
    limiter = RateLimiter(2, window=10, block_seconds=60, clock=lambda: now[0])
    assert limiter.retry_after("client") is None
    now[0] = 5
    assert limiter.retry_after("client") is None
    now[0] = 10.5
    assert limiter.retry_after("client") is None, (
        "the first request has left the window"
    )
    assert limiter.retry_after("client") == 60
    now[0] = 70
    assert limiter.retry_after("client") == pytest.approx(0.5)
    now[0] = 70.5
    assert limiter.retry_after("client") is None


def test_zero_switches_the_limiter_off() -> None:
    """``limit`` 0 never blocks."""
    limiter = RateLimiter(0)
    assert all(limiter.retry_after("client") is None for _ in range(100))
