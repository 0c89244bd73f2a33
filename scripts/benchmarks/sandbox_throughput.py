"""The sandbox's throughput: ``scripts/bench_sandbox``'s table, run as is."""

import argparse
import os
import signal
import subprocess
import sys
from typing import Final

from .report import REPOSITORY, Report

BENCH_SANDBOX_SECONDS: Final = 1.0
BENCH_SANDBOX_TIMEOUT: Final = 120.0
GRACE_SECONDS: Final = 10.0


def run_bounded(command: list[str], timeout: float) -> str | None:
    """Return the command's output, or None if it ran out of time.

    Out of time, its whole process group (its servers and load generator too)
    is terminated, which ``scripts/bench_sandbox`` unwinds from, so that its
    temporary databases go; what still runs after a grace period is killed.
    """
    process = subprocess.Popen(  # noqa: S603
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        return None
    return stdout.rstrip() or stderr[-1000:]


def bench_sandbox(report: Report, options: argparse.Namespace) -> None:
    """Run the sandbox engineer's benchmark, if there is one, and keep its output."""
    script = REPOSITORY / "scripts" / "bench_sandbox"
    if not script.exists():
        return
    command = [sys.executable, str(script), "--seconds", f"{BENCH_SANDBOX_SECONDS:g}"]
    output = run_bounded(command, BENCH_SANDBOX_TIMEOUT)
    report.appendix += ["", "### Sandbox throughput (`scripts/bench_sandbox`)", ""]
    report.appendix += [
        "```",
        output or f"not measured: over {BENCH_SANDBOX_TIMEOUT:g} s on this machine",
        "```",
    ]
