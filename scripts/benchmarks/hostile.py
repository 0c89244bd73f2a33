"""Hostile replies (gzip bomb, 50 MB body, endless body), from scripts/bench_hostile."""

import argparse
import json
import subprocess
import sys
from typing import Final

from .report import REPOSITORY, Report, Row

HOSTILE_TIMEOUT: Final = 10.0
"""The integration's request timeout: every hostile reply must end before it."""
HOSTILE_MEMORY_MB: Final = 50


def hostile_replies(report: Report, options: argparse.Namespace) -> None:
    """Add ``scripts/bench_hostile``'s three hostile replies to the table."""
    script = REPOSITORY / "scripts" / "bench_hostile"
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(script), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        report.rows.append(Row("Hostile replies", "not measured", "—", "—"))
        return
    for name, row in json.loads(result.stdout).items():
        met = (
            row["error"].startswith("MtGox")
            and row["seconds"] < HOSTILE_TIMEOUT
            and row["peak_growth_mb"] <= HOSTILE_MEMORY_MB
        )
        report.rows.append(
            Row(
                f"Hostile reply to a ticker request: {name}",
                f"`{row['error']}` after {row['seconds'] * 1000:.0f} ms, peak memory "
                f"+{row['peak_growth_mb']:.1f} MB",
                f"typed error within {HOSTILE_TIMEOUT:g} s, ≤ +{HOSTILE_MEMORY_MB} MB",
                "met" if met else "missed",
            )
        )
    report.how.append(
        "Hostile replies: `scripts/bench_hostile --json`; each reply "
        "(`tests/hostile.py`) is served by its own process and asked for once by "
        "a fresh client process (the integration's client, a plain aiohttp "
        "session, which inflates by default like Home Assistant's), which reports "
        "the time to its error and the growth of its peak resident memory "
        "(`ru_maxrss` after minus before the request)."
    )
