"""Atomic JSON persistence of the exchange state.

:func:`save_state` writes a temporary file next to the target, flushes and
fsyncs it, renames it over the target with :func:`os.replace` (atomic on POSIX)
and fsyncs the directory so the rename itself survives a power cut.  A process
killed at any moment therefore leaves either the old file or the new one,
never a torn mixture; at worst a stray temporary file remains, which
:func:`load_state` ignores.
"""

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".tmp"


def save_state(path: str | os.PathLike[str], state: Mapping[str, Any]) -> None:
    """Write ``state`` as JSON to ``path`` atomically and durably."""
    target = Path(path)
    text = json.dumps(state, separators=(",", ":"))
    descriptor, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent
    )
    temp_path = Path(temp_name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as temp_file:
            temp_file.write(text)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        temp_path.replace(target)  # os.replace: atomic on POSIX
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)


def load_state(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the state saved at ``path``, or ``None`` if nothing was saved."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    state = json.loads(text)
    if not isinstance(state, dict):
        raise TypeError(f"{path} does not hold a state object")
    return state


def _fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
