"""The sandbox's throughput: ``scripts/bench_sandbox``'s table, run as is."""

import argparse
import subprocess
import sys
from typing import Final

from .report import REPOSITORY, Report

BENCH_SANDBOX_SECONDS: Final = 1.0


def bench_sandbox(report: Report, options: argparse.Namespace) -> None:
    """Run the sandbox engineer's benchmark, if there is one, and keep its output."""
    script = REPOSITORY / "scripts" / "bench_sandbox"
    if not script.exists():
        return
    command = [sys.executable, str(script), "--seconds", f"{BENCH_SANDBOX_SECONDS:g}"]
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=120, check=False
    )
    report.appendix += ["", "### Sandbox throughput (`scripts/bench_sandbox`)", ""]
    report.appendix += ["```", result.stdout.rstrip() or result.stderr[-1000:], "```"]
