"""Run a script with the project's interpreter, or say in one line how to get it.

The benchmarks need Home Assistant and aiohttp, which live in the ``.venv``
that ``scripts/test`` builds; run by another Python they switch to it, and
without it they say which command builds it instead of failing on an import.
"""

import importlib.util
import os
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPOSITORY / ".venv" / "bin" / "python"


def require(module: str) -> None:
    """Return if ``module`` can be imported; else re-run under .venv or exit."""
    if importlib.util.find_spec(module) is not None:
        return
    script = Path(sys.argv[0])
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(script), *sys.argv[1:]])  # noqa: S606
    sys.exit(
        f"scripts/{script.name}: needs {module} from the project's .venv, "
        "which scripts/test builds (once, about a minute)"
    )
