"""The backfilled statistics: setup time with the import on and off, and the import.

Needs the recorder, so it runs last in the Home Assistant instance (the
recorder then stays on).  Setup time is always measured; the import of the
demo's week (about 5 minutes at the exchange's one request per 10 s) only
with ``--backfill``.
"""

import asyncio
import contextlib
import statistics
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component

from .harness import ALL_PAIRS, Bench, RemoteSandbox, make_entry, sandbox_command
from .report import Report, Row

TRADED: Final = ALL_PAIRS[:4]
DEMO_DAYS: Final = 7
INTEGRATION_FILES: Final = "*/custom_components/mtgox/*"
WAIT_LIMIT: Final = 900.0
"""Seconds the import may take before the bench gives up on it."""


async def backfill(bench: Bench, report: Report) -> None:
    """Compare setups with the import on and off; with --backfill, run the import."""
    hass = bench.hass
    # A file in the bench's temporary (tmpfs) config folder: the recorder
    # refuses an in-memory database.
    database = f"sqlite:///{hass.config.path('recorder.db')}"
    # What Home Assistant's bootstrap does before any integration is set up.
    recorder_helper.async_initialize_recorder(hass)
    if not await async_setup_component(
        hass, "recorder", {"recorder": {"db_url": database}}
    ):
        report.how.append("History import: the recorder could not be set up.")
        return
    await hass.async_block_till_done()
    try:
        await _setup_rows(bench, report)
    finally:
        # The recorder's thread would outlive the instance and keep the
        # process from exiting: stop it as Home Assistant does at its end.
        hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
        await hass.async_block_till_done()


async def _setup_rows(bench: Bench, report: Report) -> None:
    """Time setups with the import on and off; with --backfill, run the import."""
    on: list[tuple[float, float]] = []
    off: list[tuple[float, float]] = []
    for index in range(2 * bench.options.setups + 2):
        # Off, on, on, off, ...: each kind follows each kind equally often.
        days = DEMO_DAYS if index % 4 in (1, 2) else 0
        took = await _time_setup(bench, bench.sandbox, days)
        if index >= 2:  # one cold setup of each first
            (on if days else off).append(took)
    on_wall, off_wall = (
        statistics.median(wall for wall, _ in runs) for runs in (on, off)
    )
    on_cpu, off_cpu = (statistics.median(cpu for _, cpu in runs) for runs in (on, off))
    report.rows.append(
        Row(
            "Config entry setup with the history import on / off (5 pairs)",
            f"{on_wall * 1000:.1f} / {off_wall * 1000:.1f} ms, medians of "
            f"{len(on)} alternating setups; event-loop CPU {on_cpu * 1000:.1f} / "
            f"{off_cpu * 1000:.1f} ms ({on_cpu / off_cpu:.2f} x)",
            "within 10 %",
            f"{on_wall / off_wall:.2f} x",
        )
    )
    report.how.append(
        "History import, setup: the recorder (SQLite on tmpfs) set up in the same "
        "instance, then setups of depth 0 and 7 days in the order 0, 7, 7, 0, ... "
        "(one cold setup of each first, not counted), timed as above; "
        "the import itself is a background task the setup does not wait for, and "
        "it starts 10 s after Home Assistant has started (here: after the setup; "
        "`backfill.SETTLE_DELAY`), so the timed setup only schedules it. Beside "
        "the time, the `thread_time` of the event loop's thread over the same span: "
        "steadier than the time on a shared machine."
    )
    if bench.options.backfill:
        await _import_row(bench, report)


async def _time_setup(
    bench: Bench, sandbox: RemoteSandbox, days: int
) -> tuple[float, float]:
    """Set an entry up with ``days`` of history; return its seconds and loop CPU."""
    hass = bench.hass
    entry = make_entry(sandbox, ALL_PAIRS[:5])
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "history_days": days}
    )
    # The recorder writes what the last setup and removal changed in its own
    # thread: finished first, so that it is not timed with this setup.
    await get_instance(hass).async_block_till_done()
    start, cpu = time.perf_counter(), time.thread_time()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    took, cpu = time.perf_counter() - start, time.thread_time() - cpu
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    return took, cpu


@dataclass(frozen=True)
class ImportFigures:
    """One import's time, requests, blocks and memory (bytes traced)."""

    seconds: float
    requests: int
    blocks: int
    peak: int
    first_half: int
    """The most memory held at a sample in the import's first half."""
    second_half: int
    """The same over its second half: higher if pages were kept."""
    ours_first_half: int
    """The part allocated by the integration's own code, in the first half."""
    ours_second_half: int


async def _import_row(bench: Bench, report: Report) -> None:
    """Import the demo's week of four pairs; report time, requests, blocks, memory."""
    figures: dict[int, ImportFigures] = {}
    async with _demo_sandbox() as sandbox:
        # One day first and again last: the first run also pays one-time imports.
        for days in (1, DEMO_DAYS, 1):
            figures[days] = await _run_import(bench, sandbox, days)
    week, day = figures[DEMO_DAYS], figures[1]
    report.rows.append(
        Row(
            f"History import, {DEMO_DAYS} days of the demo's 4 pairs (--past-days 30,"
            " rate limit on)",
            f"{week.seconds:.0f} s, {week.requests} requests, {week.blocks} blocked; "
            f"memory held at most {week.first_half / 1e6:.1f} MB over the import's "
            f"first half, {week.second_half / 1e6:.1f} MB over its second, of which "
            f"the integration's code {week.ours_first_half / 1e6:.2f} / "
            f"{week.ours_second_half / 1e6:.2f} MB; peak traced {week.peak / 1e6:.1f}"
            f" MB ({day.seconds:.0f} s and {day.peak / 1e6:.1f} MB peak for 1 day)",
            "10 minutes, no block, memory flat",
            f"{week.seconds / 600:.2f} x the time; memory held (second half / first)"
            f" {week.second_half / week.first_half:.2f} x, the integration's "
            f"{week.ours_second_half / week.ours_first_half:.2f} x; peak "
            f"{week.peak / day.peak:.2f} x one day's",
        )
    )
    report.how.append(
        "History import: a second sandbox process as the demo runs it "
        "(`--past-days 30 --rate-limit 30 --cache-seconds 10`), an entry tracking "
        "its four pairs with the recorder on, timed from setup until every pair "
        "reached the last complete hour; memory by `tracemalloc` over the import "
        "(every thread, the recorder's included): held, sampled every 2 s, the "
        "most in the first half against the most in the second (pages kept would "
        "raise the second), in all and allocated by `custom_components/mtgox` "
        "(a snapshot's traces by file), and the peak, for 7 days and for 1 (a "
        "second 1-day import, after the first paid the one-time module imports)."
    )


async def _run_import(bench: Bench, sandbox: RemoteSandbox, days: int) -> ImportFigures:
    """Run one import from scratch and return its figures."""
    hass = bench.hass
    entry = make_entry(sandbox, TRADED)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "history_days": days}
    )
    held: list[tuple[int, int]] = []
    tracemalloc.start()
    start = time.perf_counter()
    await hass.config_entries.async_setup(entry.entry_id)
    runner: Any = entry.runtime_data.backfill
    sampler = asyncio.create_task(_sample_memory(held))
    async with asyncio.timeout(WAIT_LIMIT):
        await runner.caught_up.wait()
    took = time.perf_counter() - start
    sampler.cancel()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    # The statistics stay: a second import would start where this one ended.
    await _clear_statistics(bench, sandbox)
    first, second = held[: len(held) // 2], held[len(held) // 2 :]
    return ImportFigures(
        took,
        runner.requests,
        runner.blocks,
        peak,
        max(total for total, _ in first),
        max(total for total, _ in second),
        max(ours for _, ours in first),
        max(ours for _, ours in second),
    )


async def _sample_memory(held: list[tuple[int, int]]) -> None:
    """Append the memory traced now, in all and by our code, until cancelled."""
    ours = [tracemalloc.Filter(inclusive=True, filename_pattern=INTEGRATION_FILES)]
    while True:
        snapshot = tracemalloc.take_snapshot().filter_traces(ours)
        held.append(
            (
                tracemalloc.get_traced_memory()[0],
                sum(stat.size for stat in snapshot.statistics("filename")),
            )
        )
        await asyncio.sleep(2)


async def _clear_statistics(bench: Bench, sandbox: RemoteSandbox) -> None:
    """Delete the imported statistics, so that the next import starts afresh."""
    from custom_components.mtgox.backfill import (
        price_statistic_id,
        volume_statistic_id,
    )

    ids = [
        statistic_id(sandbox.url, pair)
        for pair in TRADED
        for statistic_id in (price_statistic_id, volume_statistic_id)
    ]
    get_instance(bench.hass).async_clear_statistics(ids)
    await bench.hass.async_block_till_done()
    await get_instance(bench.hass).async_block_till_done()


@contextlib.asynccontextmanager
async def _demo_sandbox() -> AsyncIterator[RemoteSandbox]:
    """Run a sandbox as the demo does (30 days of past trades), in memory."""
    from mtgox_sandbox.auth import new_credentials

    key, secret = new_credentials()
    command = [
        sys.executable,
        *("-m", "mtgox_sandbox", "--port", "0", "--past-days", "30"),
        *("--cache-seconds", "10", "--rate-limit", "30", "--market-interval", "3"),
        *("--account", f"{key}:{secret}:get_info,trade"),
    ]
    async with sandbox_command(command, key, secret) as sandbox:
        yield sandbox
