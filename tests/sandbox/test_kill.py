"""SIGKILL the sandbox command line mid-trading, restart it, find nothing lost.

``python -m mtgox_sandbox --state FILE`` runs as a real subprocess on a free
loopback port with the market ticking every 20 ms (each tick a database
transaction).  Four keys place and cancel orders as fast as they can, two over
v1 and two over v2, each in its own random mix of resting, crossing and
cancelled orders; at a random moment (after a random number of acknowledged
orders, then a random delay) the process is killed with SIGKILL and started
again on the same file.  The moments come from one seed, new in every run and
printed (``-s`` shows it; a failure's message names it); ``MTGOX_KILL_SEED=N``
replays a run's schedule.  After every kill:

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
import random
import sys
from collections.abc import AsyncIterator, Callable
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
ROUNDS: Final = 6
KEYS: Final = 4
MOST_ACKED_BEFORE_KILL: Final = 12
"""Per round, the kill waits for 1 to this many acknowledged orders (all keys)..."""
LONGEST_GRACE: Final = 0.03
"""...then for up to this many seconds, while the keys keep trading."""
SEED_VARIABLE: Final = "MTGOX_KILL_SEED"

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
    rng: random.Random
    """Chooses this key's orders: resting or crossing, bid or ask, when to cancel."""
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


async def drive(log: KeyLog, acked: list[int], acked_enough: asyncio.Event) -> None:
    """Place orders (some far, later cancelled, some crossing) until the server dies.

    ``acked`` counts this round's acknowledged orders over every key; the
    first element is the count that sets ``acked_enough``.
    """
    params: dict[str, object]
    rng = log.rng
    for _ in range(MAX_CALLS):
        if log.resting and rng.random() < 0.3:
            oid = log.resting.pop(rng.randrange(len(log.resting)))
            log.cancel_sent.add(oid)
            path, params = log.path("order/cancel"), {"oid": oid}
        else:
            crossing = rng.random() < 0.5
            side = rng.choice(("ask", "bid"))
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
        acked[1] += 1
        if acked[1] >= acked[0]:
            acked_enough.set()


def kill_seed() -> int:
    """Return this run's seed: ``MTGOX_KILL_SEED`` if set, else a new one."""
    given = os.environ.get(SEED_VARIABLE)
    return int(given) if given else random.SystemRandom().randrange(2**32)


async def test_sigkill_mid_trading_loses_nothing_answered(
    tmp_path: Path,
    socket_enabled: None,
    record_property: Callable[[str, object], None],
) -> None:
    """Kill at random moments; every restart finds a consistent, complete state."""
    seed = kill_seed()
    print(f"kill moments: {SEED_VARIABLE}={seed}")  # noqa: T201 - to replay a failure
    record_property(SEED_VARIABLE, seed)  # in a JUnit report too
    rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
    path = tmp_path / "state.json"
    credentials = [new_credentials() for _ in range(KEYS)]
    accounts = [f"{key}:{secret}:get_info,trade" for key, secret in credentials]
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        logs = [
            KeyLog(
                Caller(session, "", key, secret),
                1 + index % 2,
                random.Random(rng.getrandbits(64)),  # noqa: S311
            )
            for index, (key, secret) in enumerate(credentials)
        ]
        totals: dict[str, int] | None = None
        marks = [0] * KEYS
        for round_number in range(ROUNDS):
            target = rng.randint(1, MOST_ACKED_BEFORE_KILL)
            grace = rng.uniform(0, LONGEST_GRACE)
            moment = f"{SEED_VARIABLE}={seed}, round {round_number}: killed after"
            moment += f" {target} acknowledged orders and {grace * 1000:.1f} ms"
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
                        assert stale.status == 403, moment
                        assert stale.json["token"] == NONCE_TOKEN, moment
                acked_enough = asyncio.Event()
                acked = [target, 0]
                async with asyncio.timeout(ROUND_TIMEOUT):
                    drivers = [
                        asyncio.create_task(drive(log, acked, acked_enough))
                        for log in logs
                    ]
                    await acked_enough.wait()
                    await asyncio.sleep(grace)
                    running.process.kill()
                    await asyncio.gather(*drivers)
                assert await running.process.wait() == -9

            with saved_exchange(path) as exchange:
                check_round(exchange, logs, marks, totals, moment)
        assert all(log.acked for log in logs)


def check_round(
    exchange: Exchange,
    logs: list[KeyLog],
    marks: list[int],
    totals: dict[str, int],
    moment: str,
) -> None:
    """Check a restarted exchange against what the clients saw acknowledged."""
    assert exchange.totals() == totals, moment
    for index, log in enumerate(logs):
        account = exchange.account_for_key(log.caller.key)
        assert account is not None, moment
        assert account.nonce_high_water >= max(log.acked_nonce, marks[index]), moment
        marks[index] = account.nonce_high_water
        for oid in log.acked - log.cancel_sent:
            order = exchange.order(oid)
            assert order is not None, f"{moment}: acknowledged order {oid} lost"
            # Open (perhaps partly filled), or closed because it filled.
            assert order.status == OPEN or (
                order.status == COMPLETED and order.fills
            ), (moment, order)
        for oid in log.cancelled:
            cancelled = exchange.order(oid)
            assert cancelled is None or cancelled.status == CANCELLED, (moment, oid)
