"""SIGKILL the sandbox command line mid-trading, restart it, find nothing lost.

``python -m mtgox_sandbox --state FILE`` runs as a real subprocess on a free
loopback port with the market ticking every 20 ms (each tick a database
transaction).  Two keys place and cancel orders as fast as they can, one over
v1 and one over v2; after a different number of acknowledged orders in each
round, and a different short delay, the process is killed with SIGKILL and
started again on the same file.  After every kill:

* the database opens and rebuilds an exchange;
* every currency's total over every account is what it was at the start;
* every order the client saw acknowledged (an oid returned) is in the state,
  open or filled, unless the client sent a cancel for it (a cancel cut off by
  the kill may have run); an acknowledged cancel left it closed;
* each key's nonce high-water mark is at least the last nonce acknowledged
  and never lower than before the kill, and the restarted exchange refuses
  that nonce.

Bounded: a fixed number of rounds, calls per round and a timeout per round.
"""

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import aiohttp

from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.engine.models import (
    CANCELLED,
    COMPLETED,
    OPEN,
    START_PRICES,
)
from mtgox_sandbox.exchange import Exchange

from .helpers import Caller, fresh_nonce, saved_exchange

REPOSITORY: Final = Path(__file__).resolve().parents[2]
KILL_AFTER: Final = ((1, 0.0), (4, 0.001), (9, 0.004), (16, 0.0))
"""Per round: acknowledged orders before the kill, then seconds of grace."""

MAX_CALLS: Final = 400
"""Per key and round; the kill comes long before."""

ROUND_TIMEOUT: Final = 30.0
START_TIMEOUT: Final = 20.0
NONCE_TOKEN: Final = "login_error_invalid_nonce"
PAIR: Final = "BTCUSD"
PRICE: Final = START_PRICES[PAIR]
ORDER_AMOUNT_INT: Final = 1_000_000
"""0.01 BTC: a demo account can afford hundreds."""


@dataclass
class KeyLog:
    """What one key's client saw: the exchange's acknowledgements."""

    caller: Caller
    version: int
    acked: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    cancel_sent: set[str] = field(default_factory=set)
    """Cancels sent, acknowledged or not: one cut off by the kill may have run."""
    resting: list[str] = field(default_factory=list)
    acked_nonce: int = 0
    """The last nonce answered with a success."""

    def path(self, method: str) -> str:
        """Return this key's API version's path of ``method``."""
        if self.version == 1:
            return f"1/{PAIR}/{method}"
        return f"2/{PAIR}/money/{method}"


@dataclass(frozen=True)
class Running:
    """A sandbox subprocess and its base URL."""

    process: asyncio.subprocess.Process
    url: str


@contextlib.asynccontextmanager
async def sandbox_process(state: Path, accounts: list[str]) -> AsyncIterator[Running]:
    """Start the command line on ``state``; make sure it is gone on exit."""
    arguments = ["--port", "0", "--state", str(state), "--market-interval", "0.02"]
    arguments += ["--cache-seconds", "0", "--rate-limit", "0"]
    for account in accounts:
        arguments += ["--account", account]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mtgox_sandbox",
        *arguments,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(START_TIMEOUT):
            line = (await process.stdout.readline()).decode()
        assert line.startswith("url: http://127.0.0.1:"), line
        yield Running(process, line.removeprefix("url: ").strip())
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def drive(log: KeyLog, acked_enough: asyncio.Event, target: int) -> None:
    """Place orders (some far, later cancelled, some crossing) until the server dies."""
    params: dict[str, object]
    for call in range(MAX_CALLS):
        if call % 4 == 3 and log.resting:
            oid = log.resting.pop(0)
            log.cancel_sent.add(oid)
            path, params = log.path("order/cancel"), {"oid": oid}
        else:
            crossing = call % 2 == 0
            side = "ask" if call % 3 else "bid"
            if crossing:  # a little through the market: it trades
                price = PRICE * (99 if side == "ask" else 101) // 100
            else:  # far away: rests until cancelled
                price = PRICE // 2 if side == "bid" else PRICE * 2
            params = {"type": side, "amount_int": ORDER_AMOUNT_INT, "price_int": price}
            path, oid = log.path("order/add"), ""
        nonce = fresh_nonce()
        try:
            reply = await log.caller.signed(path, params, nonce=nonce)
        except (aiohttp.ClientError, TimeoutError):
            return  # killed in the middle of this call
        assert reply.json is not None, reply.text
        if reply.json["result"] != "success":
            continue  # an application error (the book moved): nothing acknowledged
        log.acked_nonce = nonce
        data = reply.json["data" if log.version == 2 else "return"]
        if oid:
            log.cancelled.add(oid)
            continue
        log.acked.add(data)
        if not crossing:
            log.resting.append(data)
        if len(log.acked) >= target:
            acked_enough.set()


async def test_sigkill_mid_trading_loses_nothing_answered(
    tmp_path: Path, socket_enabled: None
) -> None:
    """Kill at several moments; every restart finds a consistent, complete state."""
    path = tmp_path / "state.json"
    credentials = [new_credentials() for _ in range(2)]
    accounts = [f"{key}:{secret}:get_info,trade" for key, secret in credentials]
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        logs = [
            KeyLog(Caller(session, "", key, secret), version)
            for (key, secret), version in zip(credentials, (1, 2), strict=True)
        ]
        totals: dict[str, int] | None = None
        marks = [0, 0]
        for target, grace in KILL_AFTER:
            async with sandbox_process(path, accounts) as running:
                if totals is None:
                    with saved_exchange(path) as exchange:
                        totals = exchange.totals()
                for log in logs:
                    log.caller.url = running.url
                    if log.acked_nonce:  # consumed before the kill: still refused
                        stale = await log.caller.signed(
                            "2/money/info", nonce=log.acked_nonce
                        )
                        assert stale.status == 403
                        assert stale.json["token"] == NONCE_TOKEN
                acked_enough = asyncio.Event()
                goal = [len(log.acked) + target for log in logs]
                async with asyncio.timeout(ROUND_TIMEOUT):
                    drivers = [
                        asyncio.create_task(drive(log, acked_enough, goal[index]))
                        for index, log in enumerate(logs)
                    ]
                    await acked_enough.wait()
                    await asyncio.sleep(grace)
                    running.process.kill()
                    await asyncio.gather(*drivers)
                assert await running.process.wait() == -9

            with saved_exchange(path) as exchange:
                check_round(exchange, logs, marks, totals)
        assert all(log.acked for log in logs)


def check_round(
    exchange: Exchange, logs: list[KeyLog], marks: list[int], totals: dict[str, int]
) -> None:
    """Check a restarted exchange against what the clients saw acknowledged."""
    assert exchange.totals() == totals
    for index, log in enumerate(logs):
        account = exchange.account_for_key(log.caller.key)
        assert account is not None
        assert account.nonce_high_water >= max(log.acked_nonce, marks[index])
        marks[index] = account.nonce_high_water
        for oid in log.acked - log.cancel_sent:
            order = exchange.order(oid)
            assert order is not None, f"acknowledged order {oid} lost"
            # Open (perhaps partly filled), or closed because it filled.
            assert order.status == OPEN or (
                order.status == COMPLETED and order.fills
            ), order
        for oid in log.cancelled:
            cancelled = exchange.order(oid)
            assert cancelled is None or cancelled.status == CANCELLED
