"""The streaming section's figures as table rows, and how they were measured."""

import statistics
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from homeassistant.core import Event, EventStateChangedData, callback

from .harness import ALL_PAIRS
from .report import Row

PAIRS: Final = ALL_PAIRS[:5]
LOAD_PAIR: Final = "BTCUSD"
"""The pair :mod:`benchmarks.stream_load` trades."""
LATENCY_TARGETS_MS: Final = (250.0, 1000.0)
"""p50 and p99 of a trade to the new state in Home Assistant."""
PUSH_CPU_TARGET_MS: Final = 0.3
FLOOD_RATE: Final = 100
"""Engine calls, so ticker pushes, per second."""
FLOOD_LAG_TARGET: Final = 1.0
TRADE_GAP: Final = 0.05
"""Seconds between the trades of the latency run."""


class PriceRecorder:
    """Every state of one sensor, with when it was written (``time.monotonic``)."""

    def __init__(self) -> None:
        """Record nothing yet."""
        self.seen: list[tuple[Decimal, float]] = []

    @callback
    def record(self, event: Event[EventStateChangedData]) -> None:
        """Note a new numeric state."""
        new = event.data["new_state"]
        if new is not None and new.state.replace(".", "", 1).isdigit():
            self.seen.append((Decimal(new.state), time.monotonic()))


def percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile (``share`` in (0, 1]) of ``values``."""
    ranked = sorted(values)
    return ranked[max(0, min(len(ranked) - 1, round(share * len(ranked)) - 1))]


def describe_ms(seconds: Sequence[float]) -> str:
    """Return ``p50 x ms, p99 y ms, max z ms``."""
    p50, p99 = percentile(seconds, 0.5), percentile(seconds, 0.99)
    return f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"


def latencies(
    load: dict[str, Any], recorder: PriceRecorder
) -> tuple[list[float], list[float], int]:
    """Return the sensor's and the plain client's delays, and trades never shown."""
    from .stream_load import in_order  # it imports the integration: not at the top

    sent = [(Decimal(price), at) for price, at, _ in load["trades"]]
    shown = in_order(sent, recorder.seen)
    sensor = [at - s for (_, s), at in zip(sent, shown, strict=True) if at is not None]
    plain = [arrived - at for _, at, arrived in load["trades"] if arrived is not None]
    return sensor, plain, shown.count(None)


def latency_rows(
    sensor: list[float], plain: list[float], missed: int, polled_interval: float
) -> list[Row]:
    """Return trade-to-sensor delays, the plain client's and the polling delay."""
    p50_target, p99_target = LATENCY_TARGETS_MS
    met = (
        missed == 0
        and percentile(sensor, 0.5) * 1000 <= p50_target
        and percentile(sensor, 0.99) * 1000 <= p99_target
    )
    ratio = statistics.median(sensor) / statistics.median(plain)
    return [
        Row(
            f"A trade at the sandbox to the BTC/USD price sensor, streaming, "
            f"{len(sensor) + missed} trades",
            describe_ms(sensor) + (f", {missed} never shown" if missed else ""),
            f"p50 <= {p50_target:g} ms, p99 <= {p99_target / 1000:g} s",
            ("met" if met else "not met") + f"; p50 {ratio:.1f} x the plain client's",
        ),
        Row(
            "— baseline: the same trades to a plain websocket client (load process)",
            describe_ms(plain),
            "—",
            "—",
        ),
        Row(
            "— baseline: streaming off (the next poll)",
            f"uniform over the {polled_interval:g} s interval: "
            f"{polled_interval / 2:g} s on average (by construction, not timed)",
            "—",
            "—",
        ),
    ]


def cpu_rows(
    push_cpu: float,
    applied: int,
    writes_per_push: float,
    floors: tuple[float, float],
    polled_cpu: list[float],
) -> list[Row]:
    """Return CPU per push applied, beside its floors and a polled refresh's."""
    per_push_ms = push_cpu / max(applied, 1) * 1000
    websocket_ms, socket_ms = (floor * 1000 for floor in floors)
    refresh_ms = statistics.fmean(polled_cpu) * 1000
    return [
        Row(
            f"Event-loop CPU per ticker push applied ({applied} pushes)",
            f"{per_push_ms:.3f} ms mean: the bare websocket's {websocket_ms:.3f} ms "
            f"+ {per_push_ms - websocket_ms:.3f} ms of the integration's and "
            f"Home Assistant's own, with {writes_per_push:.2f} state writes per "
            "push",
            f"<= {PUSH_CPU_TARGET_MS:g} ms",
            ("met" if per_push_ms <= PUSH_CPU_TARGET_MS else "not met")
            + f": {per_push_ms / PUSH_CPU_TARGET_MS:.2f} x target, "
            f"{per_push_ms / websocket_ms:.2f} x the bare websocket's; "
            f"{per_push_ms / refresh_ms:.1%} of a polled refresh",
        ),
        Row(
            "— floor: a bare aiohttp websocket in the same loop, same trades, "
            "per message read and dropped",
            f"{websocket_ms:.3f} ms mean",
            "—",
            f"{websocket_ms / PUSH_CPU_TARGET_MS:.2f} x target",
        ),
        Row(
            "— floor: a bare asyncio protocol on the same websocket, same "
            "trades, per arrival of data (the loop's wake-up, nothing read)",
            f"{socket_ms:.3f} ms mean",
            "—",
            f"{socket_ms / PUSH_CPU_TARGET_MS:.2f} x target",
        ),
        Row(
            "— baseline: event-loop CPU per polled refresh, same entry, streaming off",
            f"{refresh_ms:.2f} ms mean",
            "—",
            "—",
        ),
    ]


def request_rows(
    counters: dict[str, float],
    minutes: float,
    safety_net: float,
    polled_requests: float,
    polled_interval: float,
) -> list[Row]:
    """Return the requests a minute while the stream is healthy, and polling's."""
    measured = sum(counters.values()) / minutes
    steady = polled_requests / (safety_net / 60)
    polling = polled_requests / (polled_interval / 60)
    return [
        Row(
            f"HTTP requests per minute, stream healthy, {len(PAIRS)} pairs",
            f"{measured:.2f} measured over {minutes:.1f} min "
            f"({sum(counters.values()):g} requests); {steady:.2f} in the long run "
            f"({polled_requests:g} per safety-net refresh every {safety_net / 60:g} min)",
            "<= 1",
            ("met" if max(measured, steady) <= 1 else "not met")
            + f"; {max(measured, steady) / polling:.1%} of polling's",
        ),
        Row(
            f"— baseline: streaming off, every {polled_interval:g} s",
            f"{polling:g} ({polled_requests:g} per refresh)",
            "—",
            "—",
        ),
    ]


def flood_row(flood: dict[str, Any], recorder: PriceRecorder, state: str) -> Row:
    """Return whether the entry kept up with the load's rate of pushes."""
    sensor, _, missed = latencies(flood, recorder)
    rate = flood["calls"] / flood["seconds"]
    # The last trade's delay: the price it left is the sensor's last state.
    [*_, (last_price, last_sent, _)] = flood["trades"]
    last = recorder.seen[-1] if recorder.seen else None
    last_lag = None
    if last is not None and last[0] == Decimal(last_price):
        last_lag = last[1] - last_sent
    met = last_lag is not None and last_lag <= FLOOD_LAG_TARGET
    return Row(
        f"Ticker pushes at {FLOOD_RATE}/s for {flood['seconds']:.0f} s "
        f"({flood['calls']} engine calls, {rate:.0f}/s achieved)",
        "last trade shown "
        + ("never" if last_lag is None else f"after {last_lag * 1000:.0f} ms")
        + f"; {describe_ms(sensor)} over {len(sensor)} trades"
        + (f", {missed} never shown" if missed else "")
        + f"; stream {state} after",
        f"last within {FLOOD_LAG_TARGET:g} s",
        ("met" if met else "not met")
        + ("" if rate >= FLOOD_RATE * 0.95 else "; the load fell short of the rate"),
    )


def describe(options: Any, pinned: bool) -> str:
    """Return how the streaming figures were measured."""
    where = (
        "pinned to the last core (`taskset`) while Home Assistant's process was "
        "pinned to the first"
        if pinned
        else "unpinned (one core, or no `taskset`)"
    )
    return (
        f"Streaming: one entry of {', '.join(PAIRS)}, no book sensor enabled, "
        "streaming on, after its stream said connected and the refresh that "
        "follows connecting (after the setup's 10 s cooldown). The load is "
        f"`python -m benchmarks.stream_load` in its own process, {where}, as a "
        "second sandbox account (its private pushes reach no entry): each trade "
        "rests an ask inside BTC/USD's spread at a fresh price and fills it with "
        "a bid (two signed v1 `order/add`, two engine calls, two ticker pushes), "
        f"{options.stream_trades} trades {TRADE_GAP * 1000:g} ms apart. A trade's "
        "delay runs from just before the bid is sent to the price sensor's state "
        "write (a state-change listener), both `time.monotonic()`, one clock "
        "for every process; the baseline is when the load's own plain websocket "
        "client (the integration's `MtGoxStream`, `ticker.BTCUSD`) received that "
        "price. CPU per push: `time.thread_time()` of Home Assistant's loop "
        "thread over the whole trade run (each push's websocket frame, its "
        "parsing, the listeners of what it changed and their state writes; with "
        "the lag sensor disabled the entry subscribes no lag messages) divided "
        "by the pushes the entry applied. Its floors, measured the same way "
        "before the entry is set up (`benchmarks.stream_floors`): the same "
        "trades' frames to a bare aiohttp websocket in the same loop "
        "(`ticker.BTCUSD`, each message read and dropped), and to a bare "
        "asyncio protocol that opens that websocket by hand and only counts "
        "arrivals of data; the state writes per push are counted over the flood (a "
        "listener of the entry's state changes), outside the CPU window. The "
        "refresh CPU is measured as in the refresh rows, on the same entry "
        "with streaming off. "
        "Requests: the "
        "sandbox's counters from after the connection until after the flood, "
        "less the load's `order/add` and the stream's own ops; the long-run "
        "figure is a refresh's requests (counted with streaming off) over the "
        "safety-net interval the stream set. The flood: trades paced at "
        f"{FLOOD_RATE // 2} a second ({FLOOD_RATE} ticker pushes) for "
        f"{options.flood_seconds:g} s; each trade's delay as above, and the last "
        "one's. The machine may have been shared: compare with the baselines."
    )
