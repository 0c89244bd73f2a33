"""Import time of the integration against core's kraken integration."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from .report import REPOSITORY, Report, Row

IMPORT_TARGET_RATIO: Final = 0.1
IMPORT_TARGET_MS: Final = 20.0
"""Issue 9's target, on top of a running Home Assistant."""
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


def bytecode_cache(python_version: str) -> Path:
    """Return the directory the measured interpreters keep their bytecode in."""
    return Path(tempfile.gettempdir()) / f"mtgox-bench-pycache-py{python_version}"


def import_microseconds(
    module: str, extra_path: Path, pycache: Path, *, write_bytecode: bool
) -> tuple[int, dict[str, int]]:
    """Return the cumulative import time of ``module`` after the baseline.

    Also return every module's own (self) time in that import, by name.
    Bytecode is read from (and, if ``write_bytecode``, written to) ``pycache``
    only: neither the repository nor ``.venv`` gets any.
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
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"}
    }
    if not write_bytecode:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-X",
            f"pycache_prefix={pycache}",
            "-X",
            "importtime",
            "-c",
            code,
        ],
        cwd=REPOSITORY,
        env=environment,
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
    pycache = bytecode_cache("".join(map(str, sys.version_info[:2])))
    for module in (ours_module, theirs_module):  # compiles what changed, unmeasured
        import_microseconds(module, extra, pycache, write_bytecode=True)
    ours: list[int] = []
    theirs: list[int] = []
    from_source: list[int] = []
    own: dict[str, int] = {}
    for run in range(runs):
        order = [(ours_module, ours), (theirs_module, theirs)]
        for module, results in order if run % 2 == 0 else order[::-1]:
            total, selves = import_microseconds(
                module, extra, pycache, write_bytecode=False
            )
            results.append(total)
            if module == ours_module:
                own = selves
        with tempfile.TemporaryDirectory(prefix="mtgox-bench-nocache-") as empty:
            total, _ = import_microseconds(
                ours_module, extra, Path(empty), write_bytecode=False
            )
            from_source.append(total)
    ours_ms, theirs_ms, source_ms = (
        statistics.median(ours) / 1000,
        statistics.median(theirs) / 1000,
        statistics.median(from_source) / 1000,
    )
    ratio = ours_ms / theirs_ms
    report.rows.append(
        Row(
            f"Import time, `{ours_module}` vs `{theirs_module}`",
            f"{ours_ms:.1f} ms vs {theirs_ms:.1f} ms (medians of {runs})",
            f"≤ {IMPORT_TARGET_RATIO:g} x kraken; ≤ {IMPORT_TARGET_MS:g} ms",
            f"{ratio:.3f} x kraken ({'met' if ratio <= IMPORT_TARGET_RATIO else 'missed'})"
            f"; {ours_ms / IMPORT_TARGET_MS:.2f} x {IMPORT_TARGET_MS:g} ms",
        )
    )
    report.rows.append(
        Row(
            f"— `{ours_module}` compiled from source (no bytecode yet: the first "
            "start after an install or update)",
            f"{source_ms:.1f} ms (median of {runs})",
            "—",
            f"{source_ms / ours_ms:.1f} x with bytecode",
        )
    )
    report.how.append(
        f"Import time: `{Path(sys.executable).name} -X pycache_prefix=DIR -X "
        f"importtime -c 'import {IMPORT_BASELINE}; <marker>; import MODULE'`, one "
        f"fresh interpreter per measurement, {runs} runs of each, alternating which "
        "goes first; the sum of the cumulative times of the top-level imports after "
        "the marker (the module with every dependency not already loaded by "
        f"`{IMPORT_BASELINE}`, what a running Home Assistant holds), median. "
        "Bytecode is cached, as in a running Home Assistant (Python writes it on "
        f"the first import): DIR is `{pycache}`, filled by one unmeasured import of "
        "each module first (with `PYTHONDONTWRITEBYTECODE` unset for it), so "
        "neither the repository nor `.venv` gets any. The from-source row uses an "
        "empty DIR and writes nothing. "
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
