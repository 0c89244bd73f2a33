"""Check the coverage of the last pytest run per area: statements and branches.

    scripts/coverage_by_area.py [--fail-under 95]

The integration (with its client, custom_components/mtgox) and the sandbox
(mtgox_sandbox) are reported on their own, so that one's tests cannot hide the
other's gaps; each must reach the threshold in statements and in branches.
Reads the data file pytest-cov wrote (``.coverage``, or ``$COVERAGE_FILE``).
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Final

import coverage

AREAS: Final = {
    "integration and client": "custom_components/mtgox/*",
    "sandbox": "mtgox_sandbox/*",
}


def area_totals(cov: coverage.Coverage, include: str) -> dict[str, int]:
    """Return coverage.py's totals for the files matching ``include``."""
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "coverage.json"
        cov.json_report(include=[include], outfile=str(report))
        totals: dict[str, int] = json.loads(report.read_text())["totals"]
    return totals


def share(covered: int, total: int) -> float:
    """Return the covered percentage (100 when there is nothing to cover)."""
    return 100.0 * covered / total if total else 100.0


def main() -> int:
    """Print each area's statement and branch coverage; fail under the threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-under", type=float, default=95.0)
    threshold = parser.parse_args().fail_under
    cov = coverage.Coverage()
    cov.load()
    failed = False
    for area, include in AREAS.items():
        totals = area_totals(cov, include)
        statements = share(totals["covered_lines"], totals["num_statements"])
        branches = share(totals["covered_branches"], totals["num_branches"])
        verdict = "ok" if min(statements, branches) >= threshold else "TOO LOW"
        failed |= verdict != "ok"
        print(
            f"coverage of the {area} ({include}): statements {statements:.1f} % "
            f"({totals['covered_lines']}/{totals['num_statements']}), branches "
            f"{branches:.1f} % ({totals['covered_branches']}/{totals['num_branches']})"
            f", at least {threshold:g} % each: {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
