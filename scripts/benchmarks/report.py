"""The report every section adds to, and its printing as Markdown."""

import contextlib
import os
import platform
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

import aiohttp
from homeassistant.const import __version__ as ha_version

REPOSITORY: Final = Path(__file__).resolve().parents[2]


@dataclass
class Row:
    """One line of the report's table."""

    measurement: str
    result: str
    target: str
    verdict: str


@dataclass
class Report:
    """Everything the run found, in the order it is printed."""

    rows: list[Row] = field(default_factory=list)
    how: list[str] = field(default_factory=list)
    appendix: list[str] = field(default_factory=list)


def machine() -> str:
    """Describe the machine and the software versions."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), {model}, "
        f"{platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}, Home Assistant {ha_version}, aiohttp "
        f"{aiohttp.__version__}"
    )


def print_report(report: Report, started: datetime, seconds: float) -> None:
    """Print the Markdown table, then how each figure was obtained."""
    print(f"## Benchmark, {started:%Y-%m-%d %H:%M} UTC")
    print()
    print(f"Machine: {machine()}.")
    print()
    print("| measurement | result | target | against target |")
    print("|---|---|---|---|")
    for row in report.rows:
        print(f"| {row.measurement} | {row.result} | {row.target} | {row.verdict} |")
    print()
    print(
        f"Command: `{shlex.join(['scripts/bench', *sys.argv[1:]])}` ({seconds:.0f} s)."
    )
    print()
    for line in report.how:
        print(f"- {line}")
    for line in report.appendix:
        print(line)
