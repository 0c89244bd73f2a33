"""Mutation testing of the code that handles money and trust, one module at a time.

    scripts/mutate [--children N] [MODULE ...]   default: every module of MODULES

Each module runs with mutmut in its own scratch copy of the checkout under
``.mutate/`` (git-ignored), against only the test files listed for it; mutmut
then runs, for each mutant, only the tests that reached the mutated function.
It prints the killed share per module and writes the surviving mutants (their
diffs, or only their names when there are many) to
``.mutate/<module>.survivors.txt``.  Why the survivors that no test can kill
are equivalent to the original is written down in docs/mutation.md.
"""

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
SCRATCH: Final = ROOT / ".mutate"

MODULES: Final[dict[str, list[str]]] = {
    # The client: signing, nonces, money, parsing.
    "custom_components/mtgox/api/signing.py": [
        "tests/api/test_signing.py",
        "tests/api/test_repr_and_errors.py",
    ],
    "custom_components/mtgox/api/nonce.py": ["tests/api/test_nonce.py"],
    "custom_components/mtgox/api/money.py": [
        "tests/api/test_money.py",
        "tests/api/test_parsing.py",
    ],
    "custom_components/mtgox/api/parsing.py": [
        "tests/api/test_parsing.py",
        "tests/api/test_parsing_refusals.py",
        "tests/api/test_traded_pairs.py",
    ],
    # The integration: actions and order tracking (test_engine has get_quote's).
    "custom_components/mtgox/services.py": [
        "tests/components/mtgox/test_services.py",
        "tests/components/mtgox/test_order_safety.py",
        "tests/components/mtgox/test_action_pairs.py",
        "tests/components/mtgox/test_engine.py",
    ],
    "custom_components/mtgox/orders.py": [
        "tests/components/mtgox/test_orders.py",
        "tests/components/mtgox/test_event.py",
        "tests/components/mtgox/test_coordinator.py",
        "tests/components/mtgox/test_stream_orders.py",
    ],
    # The sandbox: auth, the ledger and the matching. The matching leaves out
    # test_conservation: hypothesis for each of its 500 mutants takes an hour.
    "mtgox_sandbox/auth.py": [
        "tests/sandbox/test_auth.py",
        "tests/sandbox/test_stream_private.py",
        "tests/sandbox/test_stream_faults.py",
    ],
    "mtgox_sandbox/engine/ledger.py": [
        "tests/sandbox/test_ledger.py",
        "tests/sandbox/test_exchange.py",
        "tests/sandbox/test_conservation.py",
        "tests/sandbox/test_feed.py",
        "tests/sandbox/test_feed_details.py",
    ],
    "mtgox_sandbox/engine/matching.py": [
        "tests/sandbox/test_matching.py",
        "tests/sandbox/test_exchange.py",
        "tests/sandbox/test_feed.py",
        "tests/sandbox/test_feed_details.py",
    ],
}

PYPROJECT: Final = """\
[tool.mutmut]
source_paths = ["custom_components", "mtgox_sandbox"]
only_mutate = ["{module}"]
pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider", "-q"]
pytest_add_cli_args_test_selection = {tests}

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
filterwarnings = ["ignore::DeprecationWarning:pkg_resources"]
"""

MAX_DIFFS: Final = 40
"""Up to this many survivors, their diffs are written out; beyond, their names."""

COPIED: Final = ("custom_components", "mtgox_sandbox", "tests")
STATUS: Final = re.compile(r"^\s*(\S+): (\w[\w ]*)$", re.MULTILINE)


def scratch_copy(module: str) -> Path:
    """Return a fresh copy of the checkout to mutate ``module`` in."""
    work = SCRATCH / module.replace("/", ".").removesuffix(".py")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in COPIED:
        shutil.copytree(
            ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    tests = "[" + ", ".join(f'"{test}"' for test in MODULES[module]) + "]"
    (work / "pyproject.toml").write_text(PYPROJECT.format(module=module, tests=tests))
    return work


def mutmut(work: Path, *args: str) -> str:
    """Run mutmut in ``work``; return what it printed."""
    done = subprocess.run(  # noqa: S603 - our venv's mutmut, our arguments
        [str(Path(sys.executable).parent / "mutmut"), *args],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


def mutate(module: str, children: int) -> Counter[str]:
    """Mutate one module; return how many mutants ended in each status."""
    work = scratch_copy(module)
    print(f"scripts/mutate: {module} against {' '.join(MODULES[module])}", flush=True)
    mutmut(work, "run", "--max-children", str(children))
    results = mutmut(work, "results", "--all", "true")
    statuses = Counter(status for _, status in STATUS.findall(results))
    survivors = [name for name, status in STATUS.findall(results) if status != "killed"]
    report = SCRATCH / f"{work.name}.survivors.txt"
    # One mutmut start per diff: past a few dozen, the names alone (see a diff
    # with `mutmut show NAME` in the module's scratch directory).
    report.write_text(
        "".join(
            f"{mutmut(work, 'show', name)}\n"
            if len(survivors) <= MAX_DIFFS
            else f"{name}\n"
            for name in survivors
        ),
        encoding="utf-8",
    )
    return statuses


def main() -> int:
    """Mutate the modules asked for (all by default) and print each killed share."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE")
    parser.add_argument(
        "--children", type=int, default=2, help="mutants tested at once (default 2)"
    )
    arguments = parser.parse_args()
    modules = arguments.modules or list(MODULES)
    if unknown := set(modules) - set(MODULES):
        parser.error(f"not in MODULES: {', '.join(sorted(unknown))}")
    lines = []
    for module in modules:
        statuses = mutate(module, arguments.children)
        total = sum(statuses.values())
        killed = statuses["killed"]
        share = 100.0 * killed / total if total else 0.0
        others = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        line = f"{module}: {killed}/{total} killed ({share:.1f} %): {others}"
        print(f"scripts/mutate: {line}", flush=True)
        lines.append(line)
    print("\nscripts/mutate: killed share per module")
    for line in lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
