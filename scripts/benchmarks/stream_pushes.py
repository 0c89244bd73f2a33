"""Streaming: trade to sensor, CPU per push, requests while healthy, a flood of pushes.

One entry of 5 pairs (4 traded + BTCAUD), no book sensor enabled, streaming on;
the trades come from :mod:`benchmarks.stream_load`, another process pinned to
the last core while this one (Home Assistant's loop) is pinned to the first.
The baselines, measured in the same run: the same trades as seen by that
process's plain websocket client, and the same entry with streaming off.
"""

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Final

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import REQUEST_REFRESH_DEFAULT_COOLDOWN

from .harness import Bench, coordinator_of
from .report import REPOSITORY, Report
from .stream_floors import CONNECT_TIMEOUT, bare_socket_cpu, bare_websocket_cpu
from .stream_report import (
    FLOOD_RATE,
    LOAD_PAIR,
    PAIRS,
    TRADE_GAP,
    PriceRecorder,
    cpu_rows,
    describe,
    flood_row,
    latencies,
    latency_rows,
    request_rows,
)

POLLING_REFRESHES: Final = 5


@contextmanager
def pinned_to_first_core() -> Iterator[list[str]]:
    """Pin this process to core 0; yield the prefix that pins the load to the last."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or not shutil.which("taskset"):
        yield []
        return
    os.sched_setaffinity(0, {cores[0]})
    try:
        yield ["taskset", "-c", str(cores[-1])]
    finally:
        os.sched_setaffinity(0, set(cores))


type Spread = tuple[Decimal, Decimal]
"""BTC/USD's best bid and best ask, inside which the load trades."""


async def sandbox_spread(bench: Bench) -> Spread:
    """Return BTC/USD's spread as the sandbox's public ticker has it now."""
    # Imported here, as in the harness: the setup section times the first import.
    from custom_components.mtgox.api import MtGoxClient

    sandbox = bench.sandbox
    ticker = await MtGoxClient(
        bench.session,
        base_url=sandbox.url,
        api_key=sandbox.load_key,
        api_secret=sandbox.load_secret,
    ).ticker(LOAD_PAIR)
    return ticker.bid, ticker.ask


def entry_spread(entry: Any) -> Spread:
    """Return BTC/USD's spread as ``entry`` shows it (no request: none is counted)."""
    ticker = coordinator_of(entry).data.tickers[LOAD_PAIR]
    return ticker.bid, ticker.ask


async def run_load(
    bench: Bench, prefix: list[str], spread: Spread, *arguments: str
) -> dict[str, Any]:
    """Run :mod:`benchmarks.stream_load` inside ``spread``."""
    sandbox = bench.sandbox
    bid, ask = spread
    process = await asyncio.create_subprocess_exec(
        *prefix,
        sys.executable,
        "-m",
        "benchmarks.stream_load",
        sandbox.url,
        f"--bid={bid}",
        f"--ask={ask}",
        *arguments,
        cwd=REPOSITORY,
        env={
            **os.environ,
            "PYTHONPATH": f"{REPOSITORY}{os.pathsep}{REPOSITORY / 'scripts'}",
            "MTGOX_LOAD_KEY": sandbox.load_key,
            "MTGOX_LOAD_SECRET": sandbox.load_secret,
        },
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"the stream load failed ({process.returncode})")
    result: dict[str, Any] = json.loads(output)
    return result


def ha_requests(counters: dict[str, float]) -> dict[str, float]:
    """Return the entry's HTTP requests: not the load's order/add, not stream ops."""
    return {
        name: count
        for name, count in counters.items()
        if not name.startswith("stream:") and not name.endswith("order/add")
    }


async def polled_baseline(bench: Bench) -> tuple[list[float], float, float]:
    """Return CPU per polled refresh, requests per refresh and the interval (s)."""
    async with bench.loaded_entry(PAIRS, books=False, streaming=False) as (entry, _):
        coordinator = coordinator_of(entry)
        cpu, _ = await bench.loop_cpu(
            bench.options.refreshes, coordinator.async_refresh
        )
        await bench.admin("DELETE", "counters")
        for _ in range(POLLING_REFRESHES):
            await coordinator.async_refresh()
        counters = (await bench.admin("GET", "counters"))["counters"]
        requests = sum(ha_requests(counters).values()) / POLLING_REFRESHES
        return cpu, requests, coordinator.update_interval.total_seconds()


class StateWrites:
    """Count the state writes of one entry's entities."""

    def __init__(self, entity_ids: set[str]) -> None:
        """Count writes of ``entity_ids``."""
        self.entity_ids = entity_ids
        self.seen = 0

    @callback
    def of_entry(self, data: EventStateChangedData) -> bool:
        """Return whether the write is of one of the entry's entities."""
        return data["entity_id"] in self.entity_ids

    @callback
    def count(self, _event: Event[EventStateChangedData]) -> None:
        """Count a write."""
        self.seen += 1


async def wait_connected(stream: Any) -> None:
    """Wait until every subscription of the entry's stream is answered."""
    async with asyncio.timeout(CONNECT_TIMEOUT):
        while stream.state != "connected":  # noqa: ASYNC110 (no event to await)
            await asyncio.sleep(0.05)


async def stream_pushes(bench: Bench, report: Report) -> None:
    """Measure the streaming entry against the same trades' plain delivery and polling."""
    options = bench.options
    polled_cpu, polled_requests, polled_interval = await polled_baseline(bench)
    hass = bench.hass
    with pinned_to_first_core() as load_prefix:
        trade_run = ("--trades", str(options.stream_trades), "--gap", str(TRADE_GAP))

        async def floor_trades() -> dict[str, Any]:
            return await run_load(
                bench, load_prefix, await sandbox_spread(bench), *trade_run
            )

        floors = (
            await bare_websocket_cpu(bench, floor_trades),
            await bare_socket_cpu(bench, floor_trades),
        )
        async with bench.loaded_entry(PAIRS, books=False) as (entry, _):
            stream = entry.runtime_data.stream
            await wait_connected(stream)
            # The refresh that follows connecting waits out the setup's cooldown.
            await asyncio.sleep(REQUEST_REFRESH_DEFAULT_COOLDOWN + 1)
            await hass.async_block_till_done()
            entity_ids = {
                item.unique_id: item.entity_id
                for item in er.async_entries_for_config_entry(
                    er.async_get(hass), entry.entry_id
                )
            }
            [price_id] = [
                entity_id
                for unique_id, entity_id in entity_ids.items()
                if unique_id.endswith("_BTCUSD_last")
            ]
            recorder = PriceRecorder()
            unsubscribe = async_track_state_change_event(
                hass, price_id, recorder.record
            )
            await bench.admin("DELETE", "counters")
            healthy_since = time.monotonic()
            cpu_start, applied_start = time.thread_time(), stream.pushes.applied
            trades = await run_load(bench, load_prefix, entry_spread(entry), *trade_run)
            push_cpu = time.thread_time() - cpu_start
            applied = stream.pushes.applied - applied_start
            # Counted over the flood, so that counting costs the CPU window nothing.
            writes = StateWrites(set(entity_ids.values()))
            stop_counting = hass.bus.async_listen(
                EVENT_STATE_CHANGED, writes.count, writes.of_entry
            )
            applied_before_flood = stream.pushes.applied
            trade_seen = len(recorder.seen)
            flood = await run_load(
                bench,
                load_prefix,
                entry_spread(entry),
                "--rate",
                str(FLOOD_RATE),
                "--seconds",
                str(options.flood_seconds),
            )
            stop_counting()
            flood_applied = stream.pushes.applied - applied_before_flood
            counters = ha_requests((await bench.admin("GET", "counters"))["counters"])
            healthy_minutes = (time.monotonic() - healthy_since) / 60
            safety_net = coordinator_of(entry).update_interval.total_seconds()
            still = stream.state
            unsubscribe()
    trade_recorder, flood_recorder = PriceRecorder(), PriceRecorder()
    trade_recorder.seen = recorder.seen[:trade_seen]
    flood_recorder.seen = recorder.seen[trade_seen:]
    sensor, plain, missed = latencies(trades, trade_recorder)
    report.rows += latency_rows(sensor, plain, missed, polled_interval)
    report.rows += cpu_rows(
        push_cpu, applied, writes.seen / max(flood_applied, 1), floors, polled_cpu
    )
    report.rows += request_rows(
        counters, healthy_minutes, safety_net, polled_requests, polled_interval
    )
    report.rows.append(flood_row(flood, flood_recorder, still))
    report.how.append(describe(options, bool(load_prefix)))
