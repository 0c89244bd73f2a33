"""The repository stands alone: a clone with nothing beside it passes scripts/test.

Users clone this repository by itself. The project's shared/ folder (the wiki
page's reference clients) sits beside the team's checkouts only, so whatever
reads it must skip, with its reason, in a clone alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

REPOSITORY: Final = Path(__file__).resolve().parents[1]
# The team's shared/ folder beside the checkouts, however a path names it.
SHARED: Final = re.compile(r"(\.\./|\")shared\b")
# Any path out of the clone, in a shell script.
PARENT: Final = re.compile(r"\.\./")
TEST_SCRIPTS: Final = ("scripts/test", "scripts/lib/find-python.sh")


def tracked_files() -> list[str]:
    """Return the files a fresh clone would have, new ones not yet committed too."""
    listing = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    )
    return [name for name in listing.stdout.decode().split("\0") if name]


@pytest.fixture(scope="module")
def lone_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copy the tracked files into a folder with nothing beside it."""
    if shutil.which("git") is None:
        # The newest-HA chroot has no git; leg 1 of CI runs these tests, and
        # what they check does not depend on the Home Assistant version.
        pytest.skip("git is not installed: it lists the files a clone has")
    clone = tmp_path_factory.mktemp("alone") / "mtgox"
    for name in tracked_files():
        source = REPOSITORY / name
        if source.is_file():  # a file deleted in the working tree is gone
            target = clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return clone


def run_pytest(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Neither interop's strictness nor pytest-cov's subprocess measurement,
    # which would count the copy's files in this run's coverage.
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "MTGOX_INTEROP" and not key.startswith("COV_CORE_")
    }
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "pytest", "--no-cov", "-p", "no:randomly", *args],
        cwd=clone,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_test_command_reads_nothing_outside_the_clone() -> None:
    for name in TEST_SCRIPTS:
        text = (REPOSITORY / name).read_text(encoding="utf-8")
        assert not PARENT.search(text), f"{name} reaches outside the clone"


def test_every_test_is_collected_in_a_lone_clone(lone_clone: Path) -> None:
    result = run_pytest(lone_clone, "--collect-only", "-q")

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_tests_reading_outside_the_clone_skip_with_their_reason(
    lone_clone: Path,
) -> None:
    """Every test module that reads shared/ passes or skips there."""
    readers = sorted(
        str(path.relative_to(lone_clone))
        for path in (lone_clone / "tests").rglob("test_*.py")
        if path.name != Path(__file__).name
        and SHARED.search(path.read_text(encoding="utf-8"))
    )
    assert "tests/sandbox/test_reference_clients.py" in readers

    result = run_pytest(lone_clone, "-q", "-rs", *readers)

    assert result.returncode == 0, result.stdout[-3000:]
    assert "is not beside the clone" in result.stdout


@pytest.mark.parametrize("script", ["bench", "bench_sandbox"])
def test_benchmarks_without_the_venv_say_which_command_builds_it(
    lone_clone: Path, script: str
) -> None:
    # -S: no site-packages, like a system Python without Home Assistant.
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-S", str(lone_clone / "scripts" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"scripts/{script}: needs {'homeassistant' if script == 'bench' else 'aiohttp'}"
        " from the project's .venv, which scripts/test builds (once, about a minute)"
    ]
