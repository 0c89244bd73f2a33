"""Run a sandbox from Python: the pytest fixture, the command line and scripts use this.

.. code-block:: python

    async with running_sandbox(seed=1) as sandbox:
        sandbox.url        # "http://127.0.0.1:<port>/api/"
        sandbox.key, sandbox.secret   # a funded key with get_info, trade, deposit
        sandbox.faults.add(FaultKind.DROP, path="2/*/money/order/add", count=1)

The exchange lives in the SQLite database ``state_path`` (created, and built
fresh from ``seed``, when new; a JSON state file of an older sandbox is
imported once); without ``state_path`` in an in-memory database.  Accounts
are opened (funded like the demo account) for the given credentials that the
exchange does not know yet.
"""

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .auth import new_credentials
from .engine.models import (
    Account,
)
from .exchange import Exchange
from .faults import DEFAULT_BLOCK_SECONDS, DEFAULT_RATE_LIMIT, Faults
from .server import DEFAULT_CACHE_SECONDS, SandboxServer

DEMO_RIGHTS: Final = ("get_info", "trade", "deposit")


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key, its base64 secret and its rights."""

    key: str
    secret: str
    rights: tuple[str, ...] = DEMO_RIGHTS


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A running sandbox and the funded account made for its user."""

    server: SandboxServer
    key: str
    secret: str

    @property
    def url(self) -> str:
        """Return the base URL, ending in ``/api/``."""
        return self.server.url

    @property
    def exchange(self) -> Exchange:
        """Return the engine behind the server."""
        return self.server.exchange

    @property
    def faults(self) -> Faults:
        """Return the server's switchable faults."""
        return self.server.faults

    @property
    def counters(self) -> Counter[str]:
        """Return the requests counted per ``"<version>:<method>"``."""
        return self.server.counters

    @property
    def account(self) -> Account:
        """Return the funded account of :attr:`key`."""
        account = self.exchange.account_for_key(self.key)
        if account is None:
            raise LookupError(f"the key {self.key} has been revoked")
        return account


def ensure_account(exchange: Exchange, credentials: Credentials) -> Account:
    """Return the account of a key, opening it funded like the demo if new."""
    account = exchange.account_for_key(credentials.key)
    if account is None:
        account = exchange.add_account(
            credentials.key, credentials.secret, credentials.rights
        )
    return account


def existing_demo(exchange: Exchange) -> Credentials | None:
    """Return the first user key of a loaded exchange, so a restart keeps it."""
    for account in exchange.accounts:
        if account.key and account.secret and not account.house and not account.revoked:
            return Credentials(account.key, account.secret, tuple(account.rights))
    return None


@asynccontextmanager
async def running_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 0,
    state_path: str | Path | None = None,
    accounts: Iterable[Credentials] = (),
    cache_seconds: float = DEFAULT_CACHE_SECONDS,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    block_seconds: float = DEFAULT_BLOCK_SECONDS,
    admin_token: str | None = None,
    market_interval: float = 0.0,
    past_days: int = 0,
) -> AsyncIterator[Sandbox]:
    """Start a sandbox on ``host:port`` (0: a free port); stop it on exit.

    Every credential in ``accounts`` gets a funded account; without any, the
    first key of a loaded state is reused, or a demo key is made.  The first
    one is the handle's ``key``/``secret``.  A new exchange starts with
    ``past_days`` of made-up public trades; a stored one keeps its own.
    """
    exchange = Exchange.open(state_path, seed=seed, past_days=past_days)
    wanted = list(accounts) or [
        existing_demo(exchange) or Credentials(*new_credentials())
    ]
    for credentials in wanted:
        ensure_account(exchange, credentials)
    server = SandboxServer(
        exchange,
        cache_seconds=cache_seconds,
        rate_limit=rate_limit,
        block_seconds=block_seconds,
        admin_token=admin_token,
        market_interval=market_interval,
    )
    exchange.commit()
    try:
        # Inside the try: a start that fails half-way (port taken) still cleans up.
        await server.start(host, port)
        yield Sandbox(server, wanted[0].key, wanted[0].secret)
    finally:
        await server.stop()
        exchange.store.close()
