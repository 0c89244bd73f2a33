"""The bench's command line and its sections, in the order they are reported.

A new section is one module with one function, listed once below: those that
need Home Assistant take ``(bench, report)`` and are awaited inside the one
instance; the others take ``(report, options)`` and run after it, on their own.
"""

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

import benchmarks

from .backfill import backfill
from .harness import HomeAssistantSection, run_in_home_assistant
from .hostile import hostile_replies
from .import_time import import_times
from .refresh_cpu import cpu_per_refresh
from .report import Report, print_report
from .request_counts import requests_per_refresh
from .sandbox_throughput import bench_sandbox
from .setup_time import setup_time
from .stream_pushes import stream_pushes

IN_HOME_ASSISTANT: Final[Sequence[HomeAssistantSection]] = (
    setup_time,
    requests_per_refresh,
    cpu_per_refresh,
    stream_pushes,
    backfill,  # last: it sets the recorder up, which stays on
)
ON_THEIR_OWN: Final[Sequence[Callable[[Report, argparse.Namespace], None]]] = (
    import_times,
    hostile_replies,
    bench_sandbox,
)


def parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line, each count clamped to a sane range."""
    summary = (benchmarks.__doc__ or "").partition("\n")[0]
    parser = argparse.ArgumentParser(description=summary)
    parser.add_argument("--refreshes", type=int, default=50, help="CPU sample size")
    parser.add_argument("--setups", type=int, default=7, help="setups to time")
    parser.add_argument("--import-runs", type=int, default=3, help="per module")
    parser.add_argument(
        "--backfill",
        action="store_true",
        help="also import the demo's 7 days of history (about 7 minutes)",
    )
    parser.add_argument("--stream-trades", type=int, default=200, help="trade delays")
    parser.add_argument("--flood-seconds", type=int, default=60, help="100 pushes/s")
    parser.add_argument(
        "--only",
        choices=[section.__name__ for section in (*IN_HOME_ASSISTANT, *ON_THEIR_OWN)],
        action="append",
        help="run this section alone (repeatable), e.g. to re-measure one figure",
    )
    options = parser.parse_args(argv)
    options.refreshes = min(max(options.refreshes, 1), 500)
    options.setups = min(max(options.setups, 1), 30)
    options.import_runs = min(max(options.import_runs, 1), 9)
    options.stream_trades = min(max(options.stream_trades, 10), 1000)
    options.flood_seconds = min(max(options.flood_seconds, 1), 300)
    return options


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run every section, print the report."""
    options = parse_options(argv)
    logging.basicConfig(level=logging.ERROR)  # the bench's own output only
    started = datetime.now(UTC)
    clock = time.monotonic()
    report = Report()
    chosen = options.only or ()
    in_home_assistant = [s for s in IN_HOME_ASSISTANT if _picked(s.__name__, chosen)]
    if in_home_assistant:
        run_in_home_assistant(in_home_assistant, report, options)
    for section in ON_THEIR_OWN:
        if _picked(section.__name__, chosen):
            section(report, options)
    print_report(report, started, time.monotonic() - clock)


def _picked(name: str, chosen: Sequence[str]) -> bool:
    """Return whether a section runs: every one when none was chosen."""
    return not chosen or name in chosen
