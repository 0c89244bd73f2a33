"""Validation of the admin endpoint's JSON bodies: every bad value is a 400.

JSON numbers are taken as they are, never converted from text: ``true`` is not
a number here (Python would count it as 1), ``NaN`` and ``Infinity`` are not
JSON at all (Python's parser accepts them unless told otherwise), and a whole
number is an integer, not ``1.5``.
"""

import json
import math
from collections.abc import Mapping
from typing import Any, Final

MAX_SECONDS: Final = 86_400.0
"""Longest delay, clock skew, block or cache time accepted: a day."""

MAX_MARKET_STEPS: Final = 10_000
"""Most market ticks one request may run (each one writes the state)."""

MAX_RATE_LIMIT: Final = 1_000_000
"""Highest requests-per-window limit accepted."""

HTTP_ERROR_STATUSES: Final = range(400, 600)
"""A fault's ``status`` must be an HTTP error status."""


class AdminInputError(ValueError):
    """A request body the admin endpoint refuses; its text is the JSON error."""


def _reject_constant(name: str) -> Any:
    """Refuse ``NaN``, ``Infinity`` and ``-Infinity``, which JSON does not have."""
    raise AdminInputError(f"{name} is not valid JSON")


def parse_body(text: str) -> dict[str, Any]:
    """Return the JSON object ``text`` holds ({} when blank)."""
    if not text.strip():
        return {}
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise AdminInputError("body must be a JSON object")
    return body


def _present(body: Mapping[str, Any], name: str) -> Any:
    """Return ``body[name]``, refusing booleans posing as numbers."""
    value = body[name]
    if isinstance(value, bool):
        raise AdminInputError(f"{name} must be a number, not {json.dumps(value)}")
    return value


def seconds(
    body: Mapping[str, Any], name: str, default: float, *, signed: bool = False
) -> float:
    """Return a finite number of seconds up to a day (negative only if ``signed``)."""
    if name not in body:
        return default
    value = _present(body, name)
    lowest = -MAX_SECONDS if signed else 0.0
    if (
        not isinstance(value, int | float)
        or not math.isfinite(value)
        or not lowest <= value <= MAX_SECONDS
    ):
        raise AdminInputError(f"{name} must be a number from {lowest} to {MAX_SECONDS}")
    return float(value)


def whole_number(
    body: Mapping[str, Any], name: str, default: int, values: range
) -> int:
    """Return an integer within ``values``, or ``default`` when absent."""
    if name not in body:
        return default
    value = _present(body, name)
    if not isinstance(value, int) or value not in values:
        raise AdminInputError(
            f"{name} must be an integer from {values.start} to {values.stop - 1}"
        )
    return value


def optional_whole_number(
    body: Mapping[str, Any], name: str, values: range
) -> int | None:
    """Return an integer within ``values``, or ``None`` when absent or null."""
    if body.get(name) is None:
        return None
    return whole_number(body, name, 0, values)
