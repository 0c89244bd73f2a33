"""What the Home Assistant sections share: the sandbox process, Home Assistant, entries.

The sandbox runs as its own process (the command line), so the CPU measured in
this process is Home Assistant's and the integration's alone.  Home Assistant
is a real instance built by the test harness's ``async_test_home_assistant``
in the script's own event loop.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from unittest.mock import patch

import aiohttp
from aiohttp.resolver import AsyncResolver
from homeassistant import loader
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.exchange import Exchange

from .report import REPOSITORY, Report

ADMIN_TOKEN: Final = "bench-admin-token"  # noqa: S105 (loopback sandbox only)
QUOTE_CURRENCIES: Final = (
    *("USD", "EUR", "JPY", "GBP", "AUD", "CAD", "CHF", "CNY", "CZK"),
    *("DKK", "HKD", "NOK", "NZD", "PLN", "RUB", "SEK", "SGD", "THB"),
)
ALL_PAIRS: Final = tuple(f"BTC{code}" for code in QUOTE_CURRENCIES)
"""The 18 pairs the integration offers, in its order: the first four are traded.

Spelt out, like the option names in :func:`make_entry`, so that nothing imports
the integration before the first (cold) setup; :func:`check_names` compares
them with the integration's constants at the end.
"""

PUBLIC_BUDGET: Final = 14
"""book.PUBLIC_REQUESTS_PER_REFRESH, spelt out like ALL_PAIRS (see check_names)."""
BOOK_SENSOR_KEYS: Final = ("bid_volume", "ask_volume")
"""The book sensors' keys: disabled by default, so by default no book is read."""

EXTRA_WALLETS: Final = ("AUD", "CAD", "CHF", "CNY", "SEK")
"""Added to the sandbox account's five (BTC, USD, EUR, JPY, GBP): ten wallets."""

TMPFS: Final = "/dev/shm"  # noqa: S108 (tmpfs on purpose: cheap fsync of the state)
TIMEOUT: Final = 600.0
"""Seconds; the whole Home Assistant part is cancelled after this."""
WARM_UPS: Final = 3
IMPORT_TIMEOUT: Final = 1200.0
"""Seconds added to :data:`TIMEOUT` for ``--backfill`` (scripts/benchmarks/backfill.py)."""


@dataclass(frozen=True)
class RemoteSandbox:
    """The sandbox command line running in a subprocess."""

    url: str
    key: str
    secret: str
    command: list[str]
    load_key: str
    load_secret: str
    """A second account's, for load processes: none of its pushes reach the entry."""

    @property
    def admin(self) -> str:
        """Return the admin endpoint's base URL."""
        return self.url.removesuffix("api/") + "admin/"


@dataclass(frozen=True)
class Bench:
    """What a Home Assistant section gets: the instance, the sandbox, the options."""

    hass: HomeAssistant
    sandbox: RemoteSandbox
    session: aiohttp.ClientSession
    """A session of the bench's own, for the sandbox's admin endpoint."""
    options: argparse.Namespace

    async def admin(
        self, method: str, path: str, payload: dict[str, Any] | None = None
    ) -> Any:
        """Call the sandbox's admin endpoint."""
        async with self.session.request(
            method,
            self.sandbox.admin + path,
            json=payload,
            headers={"X-Sandbox-Admin-Token": ADMIN_TOKEN},
        ) as reply:
            reply.raise_for_status()
            return await reply.json()

    @contextlib.asynccontextmanager
    async def loaded_entry(
        self,
        pairs: Sequence[str],
        *,
        books: bool = False,
        streaming: bool = True,
    ) -> AsyncIterator[tuple[MockConfigEntry, float]]:
        """Set an entry up (yielding it and the seconds it took); remove it after.

        ``books`` True registers every book sensor enabled before the setup, as
        a user who enabled them has them, so each refresh reads every pair's
        order book (within the unsigned requests' budget); ``streaming`` is the
        entry's option.
        """
        hass = self.hass
        entry = make_entry(self.sandbox, pairs, streaming=streaming)
        entry.add_to_hass(hass)
        if books:
            await self.enable_books(entry, pairs)
        start = time.perf_counter()
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"setup failed: {entry.state}")
        await hass.async_block_till_done()
        took = time.perf_counter() - start
        try:
            yield entry, took
        finally:
            await hass.config_entries.async_remove(entry.entry_id)
            await hass.async_block_till_done()

    async def enable_books(self, entry: MockConfigEntry, pairs: Sequence[str]) -> None:
        """Register the pairs' book sensors of ``entry`` as enabled by the user."""
        from custom_components.mtgox.api import MtGoxClient

        client = MtGoxClient(
            async_get_clientsession(self.hass),
            base_url=self.sandbox.url,
            api_key=self.sandbox.key,
            api_secret=self.sandbox.secret,
        )
        # The entities' unique ids start with the account id.
        account_id = (await client.account_info()).account_id
        registry = er.async_get(self.hass)
        for pair in pairs:
            for key in BOOK_SENSOR_KEYS:
                registry.async_get_or_create(
                    "sensor",
                    "mtgox",
                    f"{account_id}_{pair}_{key}",
                    config_entry=entry,
                )

    async def loop_cpu(
        self, calls: int, action: Callable[[], Awaitable[object]]
    ) -> tuple[list[float], list[float]]:
        """Return the loop thread's CPU and wall seconds of each ``action``.

        Three warm-up calls first; before each call, outside the window, one
        market step, so that prices (and the price sensors) change every time.
        """
        cpu: list[float] = []
        wall: list[float] = []
        for index in range(WARM_UPS + calls):
            await self.admin("POST", "market/step", {"steps": 1})
            cpu_start, wall_start = time.thread_time(), time.perf_counter()
            await action()
            await self.hass.async_block_till_done()
            if index >= WARM_UPS:
                cpu.append(time.thread_time() - cpu_start)
                wall.append(time.perf_counter() - wall_start)
        return cpu, wall


HomeAssistantSection = Callable[[Bench, Report], Awaitable[None]]


def write_state(path: Path) -> tuple[str, str, str, str]:
    """Save an exchange whose user account has ten funded wallets, and a load account.

    Returns the user's key and secret, then the load account's.
    """
    exchange = Exchange(seed=1)
    key, secret = new_credentials()
    exchange.add_account(key, secret, ["get_info", "trade"])
    load_key, load_secret = new_credentials()
    exchange.add_account(load_key, load_secret, ["get_info", "trade"])
    state = exchange.to_state()
    exchange.store.close()
    [account] = [item for item in state["accounts"] if item["key"] == key]
    template = account["wallets"]["USD"]
    for code in EXTRA_WALLETS:
        # Not reachable through the engine (it has five wallet currencies): put
        # straight into the state file, with a balance minted for the benchmark.
        account["wallets"][code] = {
            **template,
            "currency": code,
            "balance_int": 1_000 * 10**5,
            "reserved_int": 0,
            "history": [],
            "next_history_index": 1,
        }
    # A JSON state of the sandbox before its database: imported at its start.
    path.write_text(json.dumps(state), encoding="utf-8")
    return key, secret, load_key, load_secret


@contextlib.asynccontextmanager
async def sandbox_process(workdir: Path) -> AsyncIterator[RemoteSandbox]:
    """Run ``python -m mtgox_sandbox`` on a free loopback port until exit."""
    state = workdir / "state.json"
    key, secret, load_key, load_secret = write_state(state)
    command = [
        sys.executable,
        "-m",
        "mtgox_sandbox",
        "--port",
        "0",
        "--state",
        str(state),
        "--cache-seconds",
        "0",
        "--rate-limit",
        "0",
        "--market-interval",
        "0",
        "--admin-token",
        ADMIN_TOKEN,
        "--account",
        f"{key}:{secret}:get_info,trade",
    ]
    async with sandbox_command(command, key, secret, load_key, load_secret) as sandbox:
        yield sandbox


@contextlib.asynccontextmanager
async def sandbox_command(
    command: list[str],
    key: str,
    secret: str,
    load_key: str = "",
    load_secret: str = "",
) -> AsyncIterator[RemoteSandbox]:
    """Run a sandbox command line (serving ``key``, and ``load_key`` if any) until exit."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(30):
            line = (await process.stdout.readline()).decode() if process.stdout else ""
        if not line.startswith("url: "):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        url = line.removeprefix("url: ").strip()
        yield RemoteSandbox(url, key, secret, command, load_key, load_secret)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def make_entry(
    sandbox: RemoteSandbox, pairs: Sequence[str], *, streaming: bool = True
) -> MockConfigEntry:
    """Return a config entry of the sandbox account tracking ``pairs``."""
    return MockConfigEntry(
        domain="mtgox",
        title="Mt.Gox bench",
        data={
            CONF_URL: sandbox.url,
            CONF_API_KEY: sandbox.key,
            "api_secret": sandbox.secret,
            "api_version": 1,
        },
        options={
            "pairs": list(pairs),
            "valuation_currency": "USD",
            "update_interval": 30,
            "streaming": streaming,
        },
    )


def coordinator_of(entry: MockConfigEntry) -> Any:
    """Return a loaded entry's coordinator."""
    return entry.runtime_data.coordinator


def check_names() -> None:
    """Fail if the names spelt out here no longer match the integration's."""
    # Imported here, at the end: the first setup must find the integration cold.
    from custom_components.mtgox import book, const

    theirs = (
        const.DOMAIN,
        tuple(const.QUOTE_CURRENCIES),
        const.CONF_API_SECRET,
        const.CONF_API_VERSION,
        const.CONF_PAIRS,
        const.CONF_VALUATION_CURRENCY,
        const.CONF_UPDATE_INTERVAL,
        const.CONF_STREAMING,
    )
    names = ("api_secret", "api_version", "pairs", "valuation_currency")
    ours = ("mtgox", QUOTE_CURRENCIES, *names, "update_interval", "streaming")
    books = (book.PUBLIC_REQUESTS_PER_REFRESH, *(d.key for d in book.BOOK_SENSORS))
    if theirs != ours or books != (PUBLIC_BUDGET, *BOOK_SENSOR_KEYS):
        raise RuntimeError(f"scripts/bench is out of date: {theirs}, {books} != {ours}")


def describe_setup(sandbox: RemoteSandbox) -> str:
    """Say how the sandbox process and Home Assistant were run."""
    return (
        "Sandbox (own process, state on tmpfs): `"
        + shlex.join(
            [
                Path(sandbox.command[0]).name,
                *sandbox.command[1:-1],
                "KEY:SECRET:RIGHTS",
            ]
        ).replace(ADMIN_TOKEN, "TOKEN")
        + "`; Home Assistant: `pytest_homeassistant_custom_component.common."
        "async_test_home_assistant(config_dir=tmp)` with custom integrations "
        "enabled, in this script's event loop."
    )


async def in_home_assistant(
    sections: Sequence[HomeAssistantSection],
    report: Report,
    options: argparse.Namespace,
) -> None:
    """Run the sandbox process and a Home Assistant instance; run ``sections``."""
    with tempfile.TemporaryDirectory(
        prefix="mtgox-bench-", dir=TMPFS if Path(TMPFS).is_dir() else None
    ) as workdir:
        async with (
            contextlib.AsyncExitStack() as stack,
            sandbox_process(Path(workdir)) as sandbox,
            aiohttp.ClientSession() as session,
            async_test_home_assistant(config_dir=workdir) as hass,
        ):
            # As the test harness does: no zeroconf (and network) integration
            # for its mDNS resolver. The sandbox is an IP literal: nothing resolves.
            patcher = patch(
                "homeassistant.helpers.aiohttp_client._async_make_resolver",
                return_value=AsyncResolver(),
            )
            stack.enter_context(patcher)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)  # load custom_components
            bench = Bench(hass, sandbox, session, options)
            for section in sections:
                await section(bench, report)
            check_names()
        report.how.insert(0, describe_setup(sandbox))


def run_in_home_assistant(
    sections: Sequence[HomeAssistantSection],
    report: Report,
    options: argparse.Namespace,
) -> None:
    """Run the Home Assistant sections in a fresh event loop, bounded in time."""
    # --backfill imports a week at the exchange's one request per 10 s: minutes.
    limit = TIMEOUT + (IMPORT_TIMEOUT if getattr(options, "backfill", False) else 0)
    asyncio.run(asyncio.wait_for(in_home_assistant(sections, report, options), limit))
