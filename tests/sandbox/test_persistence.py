"""The database: committed before every answer, loaded at start, market ticks included."""

import asyncio
from pathlib import Path

import aiohttp
import pytest

from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.runner import Credentials, Sandbox, running_sandbox

from .helpers import Caller, fresh_nonce, saved_exchange

RESTING_ASK = {"type": "ask", "amount_int": 1_000_000, "price_int": 500_000_000}


def saved_nonce(path: Path, key: str) -> int:
    """Return the nonce high-water mark of ``key`` the database holds right now."""
    with saved_exchange(path) as exchange:
        account = exchange.account_for_key(key)
        assert account is not None
        return account.nonce_high_water


async def test_restart_keeps_orders_and_nonces(
    tmp_path: Path, socket_enabled: None
) -> None:
    """Orders and the nonce high-water mark survive a restart."""
    path = tmp_path / "state.json"
    credentials = Credentials(*new_credentials())
    nonce = fresh_nonce()
    async with (
        running_sandbox(state_path=path, accounts=[credentials], rate_limit=0) as first,
        aiohttp.ClientSession() as session,
    ):
        caller = Caller(session, first.url, credentials.key, credentials.secret)
        reply = await caller.signed(
            "2/BTCUSD/money/order/add", RESTING_ASK, nonce=nonce
        )
        oid = reply.json["data"]
        # Written before the answer: a SIGKILL now would lose nothing.
        assert saved_nonce(path, credentials.key) == nonce
    async with (
        running_sandbox(
            state_path=path, accounts=[credentials], rate_limit=0
        ) as second,
        aiohttp.ClientSession() as session,
    ):
        caller = Caller(session, second.url, credentials.key, credentials.secret)
        stale = await caller.signed("2/money/orders", nonce=nonce)
        assert stale.json["token"] == "login_error_invalid_nonce"
        assert [order["oid"] for order in await caller.data("2/money/orders")] == [oid]


async def test_rejected_requests_do_not_touch_the_file(
    tmp_path: Path, socket_enabled: None
) -> None:
    """A refused signature leaves the saved high-water mark alone."""
    path = tmp_path / "state.json"
    async with (
        running_sandbox(state_path=path, rate_limit=0) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        caller = Caller(session, sandbox.url, sandbox.key, sandbox.secret)
        await caller.signed("1/generic/info", rest_sign_value="AAAA")
        assert saved_nonce(path, sandbox.key) == 0


async def test_restart_without_accounts_reuses_the_demo_key(
    tmp_path: Path, socket_enabled: None
) -> None:
    """The demo key of a saved state is served again, not replaced."""
    path = tmp_path / "state.json"
    async with running_sandbox(state_path=path, rate_limit=0) as first:
        key = first.key
    async with running_sandbox(state_path=path, rate_limit=0) as second:
        assert second.key == key
        assert len([a for a in second.exchange.accounts if a.key]) == 1


async def test_market_ticks_are_persisted(tmp_path: Path, socket_enabled: None) -> None:
    """The background market moves the engine and saves each tick."""
    path = tmp_path / "state.json"
    async with running_sandbox(state_path=path, rate_limit=0, market_interval=0.02):
        with saved_exchange(path) as exchange:
            before = exchange.to_state()
        await asyncio.sleep(0.2)
        with saved_exchange(path) as exchange:
            after = exchange.to_state()
        assert after["rng"] != before["rng"]


async def test_a_failed_market_tick_is_logged_and_the_market_goes_on(
    socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A tick that raises is logged; the next ticks still run; stop is clean."""
    async with running_sandbox(rate_limit=0, market_interval=0.02) as sandbox:
        real_step = sandbox.exchange.step_market
        calls: list[None] = []

        def failing_once() -> None:
            calls.append(None)
            if len(calls) == 1:
                raise RuntimeError("disk full")
            real_step()

        sandbox.exchange.step_market = failing_once  # type: ignore[method-assign]
        await asyncio.sleep(0.2)
    assert len(calls) > 2
    assert "Market tick failed" in caplog.text


@pytest.mark.parametrize("sandbox", [{"market_interval": 0.02}], indirect=True)
async def test_fixture_market_on_request(sandbox: Sandbox) -> None:
    """The fixture starts the market when a test asks for it."""
    before = sandbox.exchange.to_state()["rng"]
    await asyncio.sleep(0.1)
    assert sandbox.exchange.to_state()["rng"] != before


async def test_commits_reach_the_database_file_within_a_checkpoint(
    tmp_path: Path, socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running server copies the log into the file itself, off the request path.

    The file alone (no log beside it, as after a power cut that lost the
    unsynced log) holds an answered order once a checkpoint has run.
    """
    monkeypatch.setattr("mtgox_sandbox.server.CHECKPOINT_SECONDS", 0.05)
    path = tmp_path / "state.db"
    async with (
        running_sandbox(state_path=path, rate_limit=0) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        caller = Caller(session, sandbox.url, sandbox.key, sandbox.secret)
        oid = await caller.data("2/BTCUSD/money/order/add", RESTING_ASK)
        await asyncio.sleep(0.3)
        alone = tmp_path / "file-alone.db"
        alone.write_bytes(path.read_bytes())
        with saved_exchange(alone) as exchange:
            assert oid in {order.oid for order in exchange.store.open_orders()}
