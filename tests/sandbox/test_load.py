"""The sandbox under load: many signed clients at once, money conserved.

Twenty keys, each driven by three concurrent workers, send a fixed number of
v1 and v2 calls (``info``, ticker, ``order/add``, ``order/cancel``) to the
in-loop sandbox while the market makers tick.  Each key signs with strictly
increasing nonces: its workers share a lock held from taking a nonce to the
answer, as the integration's client does, so the exchange sees every key's
nonces in order while twenty keys' requests interleave freely.

Afterwards no answer may be a 5xx, a non-JSON body or a nonce error, every
currency's total over every account must be what it was at the start, and
every wallet's reserve must be the sum over its open orders and fit inside its
balance.  A second run injects 5xx faults and checks that the only 5xx seen
are the injected ones, counted one by one.

Bounded twice: a fixed number of calls per worker and an overall timeout.
"""

import asyncio
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
import pytest

from mtgox_sandbox import money
from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller, Reply, fresh_nonce

KEYS: Final = 20
WORKERS_PER_KEY: Final = 3
CALLS_PER_WORKER: Final = 12
TIME_LIMIT: Final = 60.0
"""Seconds; the run normally takes one or two."""

PAIRS: Final = ("BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP")
RICH: Final[Mapping[str, int]] = {
    "BTC": 1_000 * money.multiplier("BTC"),
    "USD": 1_000_000 * money.multiplier("USD"),
    "EUR": 1_000_000 * money.multiplier("EUR"),
    "JPY": 100_000_000 * money.multiplier("JPY"),
    "GBP": 1_000_000 * money.multiplier("GBP"),
}
"""Enough that no order of the run is refused for want of funds (an HTTP 500)."""

NONCE_TOKEN: Final = "login_error_invalid_nonce"
INJECTED_BODY: Final = "Internal server error"

MARKET = pytest.mark.parametrize("sandbox", [{"market_interval": 0.05}], indirect=True)
"""The market makers move and cross every 50 ms during the run."""


@dataclass
class LoadClient:
    """One API key: strictly increasing nonces, one signed call at a time."""

    caller: Caller
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    resting: list[tuple[int, str, str]] = field(default_factory=list)
    """Far-from-market orders (version, pair, oid) nobody else can fill."""
    last_nonce: int = 0
    accepted_nonce: int = 0
    """The last nonce of a call answered 200, hence consumed by the exchange."""

    async def signed(self, path: str, params: Mapping[str, object]) -> Reply:
        """Send a signed call with a nonce above every earlier one of this key."""
        async with self.lock:
            nonce = fresh_nonce()
            assert nonce > self.last_nonce
            self.last_nonce = nonce
            reply = await self.caller.signed(path, params, nonce=nonce)
            if reply.status == 200:
                self.accepted_nonce = nonce
            return reply


@dataclass
class Tally:
    """Every answer of a run, by status, with the 5xx and odd bodies kept."""

    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[Reply] = field(default_factory=list)
    odd: list[tuple[str, Reply]] = field(default_factory=list)

    def record(self, path: str, reply: Reply) -> Any:
        """Count ``reply``; return its payload if it is a JSON success."""
        self.statuses[reply.status] += 1
        if reply.status >= 500:
            self.server_errors.append(reply)
            return None
        body = reply.json
        if not isinstance(body, dict) or body.get("result") != "success":
            self.odd.append((path, reply))
            return None
        return body["data" if path.startswith("2/") else "return"]


def order_path(version: int, pair: str, method: str) -> str:
    """Return the v1 or v2 path of a pair's order method."""
    return f"1/{pair}/{method}" if version == 1 else f"2/{pair}/money/{method}"


async def worker(
    client: LoadClient, exchange: Exchange, tally: Tally, rng: random.Random
) -> None:
    """Make ``CALLS_PER_WORKER`` calls of every kind, v1 and v2 at random."""
    for _ in range(CALLS_PER_WORKER):
        version = rng.choice((1, 2))
        pair = rng.choice(PAIRS)
        kind = rng.choice(("info", "ticker", "cross", "rest", "cancel"))
        if kind == "cancel" and not client.resting:
            kind = "rest"
        if kind == "info":
            path = "1/generic/info" if version == 1 else "2/money/info"
            tally.record(path, await client.signed(path, {}))
        elif kind == "ticker":
            path = f"1/{pair}/ticker" if version == 1 else f"2/{pair}/money/ticker"
            tally.record(path, await client.caller.get(path))
        elif kind == "cancel":
            version, pair, oid = client.resting.pop(rng.randrange(len(client.resting)))
            path = order_path(version, pair, "order/cancel")
            tally.record(path, await client.signed(path, {"oid": oid}))
        else:
            side = rng.choice(("bid", "ask"))
            reference = exchange.reference_price(pair)
            if kind == "cross":  # within 2 % of the market: trades with someone
                price = reference * rng.randint(980, 1020) // 1000
            else:  # half or twice the market: rests until cancelled
                price = reference // 2 if side == "bid" else reference * 2
            params = {
                "type": side,
                "amount_int": rng.randint(1, 50) * 1_000_000,
                "price_int": price,
            }
            path = order_path(version, pair, "order/add")
            oid = tally.record(path, await client.signed(path, params))
            if kind == "rest" and isinstance(oid, str):
                client.resting.append((version, pair, oid))


async def run_load(sandbox: Sandbox, seed: int) -> tuple[list[LoadClient], Tally]:
    """Open ``KEYS`` rich accounts and run every worker to the end."""
    tally = Tally()
    rng = random.Random(seed)  # noqa: S311 (a reproducible workload)
    connector = aiohttp.TCPConnector(limit=KEYS * WORKERS_PER_KEY)
    async with aiohttp.ClientSession(connector=connector) as session:
        clients = []
        for _ in range(KEYS):
            key, secret = new_credentials()
            sandbox.exchange.add_account(key, secret, ["get_info", "trade"], funds=RICH)
            clients.append(LoadClient(Caller(session, sandbox.url, key, secret)))
        async with asyncio.timeout(TIME_LIMIT):
            await asyncio.gather(
                *(
                    worker(
                        client,
                        sandbox.exchange,
                        tally,
                        random.Random(rng.getrandbits(64)),  # noqa: S311
                    )
                    for client in clients
                    for _ in range(WORKERS_PER_KEY)
                )
            )
    return clients, tally


def assert_consistent(
    exchange: Exchange, start: Mapping[str, int], clients: list[LoadClient]
) -> None:
    """Check conservation, reserves and every key's nonce mark."""
    assert exchange.totals() == start
    for account in exchange.accounts:
        reserved = Counter[str]()
        for order in exchange.open_orders(account):
            code = "BTC" if order.side == "ask" else order.currency
            reserved[code] += order.reserved_int
        for code, wallet in account.wallets.items():
            assert wallet.reserved_int == reserved[code], (account.login, code)
            assert 0 <= wallet.reserved_int <= wallet.balance_int, (
                account.login,
                code,
            )
    for client in clients:
        owner = exchange.account_for_key(client.caller.key)
        assert owner is not None
        assert owner.nonce_high_water == client.accepted_nonce


def nonce_errors(tally: Tally) -> list[Reply]:
    """Return the answers that refused a nonce."""
    return [
        reply
        for _, reply in tally.odd
        if isinstance(reply.json, dict) and reply.json.get("token") == NONCE_TOKEN
    ]


@MARKET
async def test_load_without_faults(sandbox: Sandbox) -> None:
    """Every answer is a JSON success and the exchange stays consistent."""
    start = sandbox.exchange.totals()
    clients, tally = await run_load(sandbox, seed=1)

    total = KEYS * WORKERS_PER_KEY * CALLS_PER_WORKER
    assert sum(tally.statuses.values()) == total
    assert tally.server_errors == []
    assert nonce_errors(tally) == []
    assert tally.odd == []
    assert tally.statuses == {200: total}
    # The load traded: the test would mean little on a quiet book.
    assert sum(len(sandbox.exchange.trades(pair, None)) for pair in PAIRS) > 0
    assert_consistent(sandbox.exchange, start, clients)


@MARKET
async def test_load_with_injected_server_errors(sandbox: Sandbox) -> None:
    """The only 5xx answers are the injected ones, one for each."""
    injected = [
        # Disjoint paths: faults of one kind matching one request show only once.
        sandbox.faults.add(FaultKind.STATUS, path="1/*/order/add", count=15),
        sandbox.faults.add(FaultKind.STATUS, path="2/money/info", count=10, status=502),
        sandbox.faults.add(FaultKind.STATUS, path="1/*/ticker", count=5, status=500),
    ]
    expected = Counter({503: 15, 502: 10, 500: 5})
    start = sandbox.exchange.totals()
    clients, tally = await run_load(sandbox, seed=2)

    # The load used every injected fault up, so each had its chance to show.
    assert sandbox.faults.active == []
    assert all(fault.remaining == 0 for fault in injected)
    assert Counter(reply.status for reply in tally.server_errors) == expected
    for reply in tally.server_errors:
        assert reply.json is not None
        assert reply.json["error"] == INJECTED_BODY, reply.text
        assert reply.json["token"] == "unknown_error"
    assert nonce_errors(tally) == []
    assert tally.odd == []
    assert_consistent(sandbox.exchange, start, clients)
