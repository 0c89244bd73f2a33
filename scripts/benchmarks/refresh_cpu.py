"""Event-loop CPU per refresh with sensor writes, and where it goes."""

import statistics
from typing import Any, Final

import aiohttp
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .harness import ALL_PAIRS, EXTRA_WALLETS, Bench, coordinator_of
from .report import Report, Row

CPU_TARGET_MS: Final = 2.0
SPLIT_PAIRS: Final = 5
"""The setup whose refresh is also split into fetching and the request floor."""


async def split_rows(
    bench: Bench, coordinator: Any, mean_ms: float, requests: int
) -> list[Row]:
    """Time the integration's fetch and parse alone, and the floor of its requests.

    The fetch alone has no listeners, so no sensor writes.
    """
    refreshes: int = bench.options.refreshes
    fetch, _ = await bench.loop_cpu(
        refreshes,
        coordinator._async_update_data,  # noqa: SLF001 (the fetch alone)
    )
    client_session = async_get_clientsession(bench.hass)
    url = bench.sandbox.url + "1/BTCUSD/ticker"

    async def bare_get(
        client_session: aiohttp.ClientSession = client_session,
    ) -> bytes:
        async with client_session.get(url) as reply:
            return await reply.read()

    bare, _ = await bench.loop_cpu(refreshes, bare_get)
    fetch_ms = statistics.fmean(fetch) * 1000
    bare_ms = statistics.fmean(bare) * 1000
    return [
        Row(
            "— of which fetching and parsing (`_async_update_data`, no sensor writes)",
            f"{fetch_ms:.2f} ms mean",
            "—",
            f"{fetch_ms / mean_ms:.0%} of the refresh",
        ),
        Row(
            f"— floor: one bare aiohttp GET (Home Assistant's session) x "
            f"{requests} requests",
            f"{bare_ms:.3f} ms x {requests} = {bare_ms * requests:.2f} ms",
            "—",
            f"{bare_ms * requests / mean_ms:.0%} of the refresh",
        ),
    ]


async def cpu_per_refresh(bench: Bench, report: Report) -> None:
    """Measure the loop thread's CPU time per refresh, 10 wallets."""
    refreshes: int = bench.options.refreshes
    setups = (
        (
            ALL_PAIRS[:SPLIT_PAIRS],
            "5 pairs (4 traded + BTCAUD refused), 10 wallets (baseline)",
            False,
        ),
        (ALL_PAIRS[:4], "4 traded pairs, 10 wallets", False),
        (ALL_PAIRS[:5], "5 pairs, 10 wallets, book volume sensors enabled", True),
    )
    for pairs, label, books in setups:
        polling = bench.loaded_entry(pairs, books=books, streaming=False)
        async with polling as (entry, _):
            coordinator = coordinator_of(entry)
            wallets = len(coordinator.data.account.wallets)
            entities = len(bench.hass.states.async_all())
            cpu, wall = await bench.loop_cpu(refreshes, coordinator.async_refresh)
            if not coordinator.last_update_success or wallets != 10:
                raise RuntimeError(f"refresh failed or {wallets} wallets, not 10")
            mean_ms = statistics.fmean(cpu) * 1000
            report.rows.append(
                Row(
                    f"Event-loop CPU per refresh, {label}, {entities} sensors",
                    f"{mean_ms:.2f} ms mean, {statistics.median(cpu) * 1000:.2f} ms "
                    f"median (wall {statistics.median(wall) * 1000:.1f} ms)",
                    f"< {CPU_TARGET_MS:g} ms",
                    f"{mean_ms / CPU_TARGET_MS:.2f} x target",
                )
            )
            if len(pairs) == SPLIT_PAIRS and not books:
                # A ticker a pair, the account info and the open orders.
                requests = len(pairs) + 2
                report.rows += await split_rows(bench, coordinator, mean_ms, requests)
    report.how.append(
        f"Event-loop CPU: `time.thread_time()` of the loop thread around `await "
        f"coordinator.async_refresh(); await hass.async_block_till_done()`, mean "
        f"of {refreshes} refreshes after 3 warm-up ones, each preceded (outside "
        "the window) by one admin market step so every price sensor changes. "
        "`thread_time` counts the kernel's work for the loopback sockets too. The "
        "sandbox is another process, so its CPU is not counted. The account has "
        "10 wallets: the engine has five currencies, so "
        f"{', '.join(EXTRA_WALLETS)} were added to the account in the state file "
        "the sandbox loads. The split rows time `coordinator._async_update_data()` "
        "alone and a bare `GET 1/BTCUSD/ticker` + `read()` through "
        "`async_get_clientsession(hass)` the same way. Wall times include the "
        "sandbox's answers (a database commit per private call) and are no target. "
        "The last row is the baseline's entry with its book volume sensors "
        "registered enabled before setup, so its refresh also reads 5 books. Streaming is off, "
        "so no push is applied within a refresh's window."
    )
