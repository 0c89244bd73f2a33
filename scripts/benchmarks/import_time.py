"""Import time of the integration against core's kraken integration."""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from .report import REPOSITORY, Report, Row

IMPORT_TARGET_RATIO: Final = 0.1
KRAKEN_REQUIREMENTS: Final = ("krakenex==2.2.2", "pykrakenapi==0.1.8")
"""homeassistant/components/kraken/manifest.json (pykrakenapi brings pandas)."""

IMPORT_BASELINE: Final = "homeassistant.bootstrap"
"""Imported first in every import-time run: what a running Home Assistant holds."""

MARKER: Final = "-- bench: baseline imported --"


def kraken_requirements(python: str) -> Path | None:
    """Install kraken's requirements into a throwaway directory (cached in /tmp)."""
    version = "".join(map(str, sys.version_info[:2]))
    target = Path(tempfile.gettempdir()) / f"mtgox-bench-kraken-py{version}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--target", str(target), *KRAKEN_REQUIREMENTS]
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=240, check=False
    )
    if result.returncode != 0:
        print(f"could not install {KRAKEN_REQUIREMENTS}: {result.stderr[-500:]}")
        return None
    (target / ".complete").touch()
    return target


def import_microseconds(module: str, extra_path: Path) -> tuple[int, dict[str, int]]:
    """Return the cumulative import time of ``module`` after the baseline.

    Also return every module's own (self) time in that import, by name.
    """
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPOSITORY)!r})\n"
        # Appended: the venv's own packages win, the directory only adds the rest.
        f"sys.path.append({str(extra_path)!r})\n"
        f"import {IMPORT_BASELINE}\n"
        f"sys.stderr.write({MARKER!r} + '\\n'); sys.stderr.flush()\n"
        f"import {module}\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stderr.split(MARKER + "\n", 1)[1].splitlines()
    total = 0
    own: dict[str, int] = {}
    for line in lines:
        if not line.startswith("import time:"):
            continue
        fields = line.split("|")
        own[fields[2].strip()] = int(fields[0].removeprefix("import time:"))
        # Top level only: nested imports are indented and already counted.
        if not fields[2].startswith("  "):
            total += int(fields[1])
    return total, own


def import_times(report: Report, options: argparse.Namespace) -> None:
    """Compare the integration's import time with core's kraken integration."""
    runs: int = options.import_runs
    extra = kraken_requirements(sys.executable)
    if extra is None:
        report.rows.append(Row("Import time", "not measured", "≤ 0.1 x kraken", "—"))
        return
    ours_module, theirs_module = (
        "custom_components.mtgox",
        "homeassistant.components.kraken",
    )
    ours: list[int] = []
    theirs: list[int] = []
    own: dict[str, int] = {}
    for run in range(runs):
        order = [(ours_module, ours), (theirs_module, theirs)]
        for module, results in order if run % 2 == 0 else order[::-1]:
            total, selves = import_microseconds(module, extra)
            results.append(total)
            if module == ours_module:
                own = selves
    ours_ms, theirs_ms = (
        statistics.median(ours) / 1000,
        statistics.median(theirs) / 1000,
    )
    ratio = ours_ms / theirs_ms
    report.rows.append(
        Row(
            f"Import time, `{ours_module}` vs `{theirs_module}`",
            f"{ours_ms:.1f} ms vs {theirs_ms:.1f} ms (medians of {runs})",
            f"≤ {IMPORT_TARGET_RATIO:g} x kraken",
            f"{ratio:.3f} x kraken ({'met' if ratio <= IMPORT_TARGET_RATIO else 'missed'})",
        )
    )
    report.how.append(
        f"Import time: `{Path(sys.executable).name} -X importtime -c 'import "
        f"{IMPORT_BASELINE}; <marker>; import MODULE'`, one fresh interpreter per "
        f"measurement, {runs} runs of each, alternating which goes first; the sum "
        "of the cumulative times of the top-level imports after the marker (the "
        "module with every dependency not already loaded by "
        f"`{IMPORT_BASELINE}`, what a running Home Assistant holds), median. "
        f"Kraken's requirements ({', '.join(KRAKEN_REQUIREMENTS)}, with pandas) "
        f"were installed with `pip install --target {extra}` and appended to "
        "`sys.path` in both runs; `.venv` is untouched. Our largest own import "
        "times (self, last run): "
        + ", ".join(
            f"`{name}` {micros / 1000:.1f} ms"
            for name, micros in sorted(own.items(), key=lambda item: -item[1])[:4]
        )
        + "."
    )
