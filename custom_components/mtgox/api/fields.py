"""Read the fields of a decoded JSON reply, each into its type or a typed error.

Every function raises MtGoxResponseError for a value of the wrong shape, with
an excerpt of that value bounded in length and in the work spent building it.
"""

from __future__ import annotations

import re
import reprlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .errors import MtGoxResponseError
from .models import Side
from .money import parse_money

type JsonObject = dict[str, object]

_INTEGER = re.compile(r"-?[0-9]{1,20}")
_DECIMAL = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRADE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_EXCERPT = 120
# reprlib stops at a few items per level and a few levels: a 50 MB list costs
# no more to describe than a short one.
_REPR = reprlib.Repr(
    maxlevel=3, maxdict=6, maxlist=6, maxtuple=6, maxstring=_EXCERPT, maxother=60
)


def excerpt(value: object) -> str:
    """Describe a value for an error message, in at most about 120 characters.

    Bytes are cut before ``repr``, so only their first bytes are ever read.
    """
    if isinstance(value, bytes | bytearray):
        text = repr(bytes(value[: _EXCERPT + 1]))
    else:
        text = _REPR.repr(value)
    return text if len(text) <= _EXCERPT else f"{text[:_EXCERPT]}..."


def _subject(what: str, key: str | None) -> str:
    """Return what an error is about: ``what``, or ``what`` and the field's key."""
    return what if key is None else f"{what} {key}"


def json_object(value: object, what: str, key: str | None = None) -> JsonObject:
    """Return ``value`` if it is a JSON object (``key``: the field it came from)."""
    if not isinstance(value, dict):
        subject = _subject(what, key)
        raise MtGoxResponseError(f"{subject}: expected an object, got {excerpt(value)}")
    return value


def json_list(value: object, what: str) -> list[object]:
    """Return ``value`` if it is a JSON list."""
    if not isinstance(value, list):
        raise MtGoxResponseError(f"{what}: expected a list, got {excerpt(value)}")
    return value


def field(container: JsonObject, key: str) -> object:
    """Return the value of ``key``, which must be present."""
    try:
        return container[key]
    except KeyError:
        raise MtGoxResponseError(f"missing {key!r} in {excerpt(container)}") from None


def string(value: object, what: str, key: str | None = None) -> str:
    """Return ``value`` if it is a non-empty string (``key``: the field it came from)."""
    if not isinstance(value, str) or not value:
        subject = _subject(what, key)
        raise MtGoxResponseError(f"{subject}: expected a string, got {excerpt(value)}")
    return value


# text() and money() pass the key apart from ``what``: the error's words are
# only put together for an error, and every push and reply reads many fields.


def text(container: JsonObject, key: str, what: str) -> str:
    """Return the non-empty string under ``key``."""
    return string(field(container, key), what, key)


def money(container: JsonObject, key: str, what: str, currency: str | None) -> Decimal:
    """Return a currency object's amount, checking its currency when one is expected."""
    money = parse_money(json_object(field(container, key), what, key))
    if currency is not None and money.currency != currency:
        raise MtGoxResponseError(
            f"{what} {key}: expected {currency}, got {money.currency}"
        )
    return money.amount


def number(container: JsonObject, key: str, what: str) -> Decimal:
    """Return a bare number (v0 bodies, Trade_Fee): JSON number or decimal text."""
    value = field(container, key)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    raise MtGoxResponseError(f"{what} {key}: expected a number, got {excerpt(value)}")


def integer(value: object, what: str) -> int:
    """Return an integer sent as a JSON integer or as a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise MtGoxResponseError(f"{what}: expected an integer, got {excerpt(value)}")


def side(value: str) -> Side:
    """Return the order side a v1/v2 ``type`` names."""
    try:
        return Side(value)
    except ValueError:
        raise MtGoxResponseError(f"unknown order type {excerpt(value)}") from None


def from_seconds(value: object, what: str) -> datetime:
    """Return the UTC time of a count of seconds since 1970."""
    return _after_epoch(what, seconds=integer(value, what))


def from_microseconds(value: object, what: str) -> datetime:
    """Return the UTC time of a count of microseconds since 1970."""
    return _after_epoch(what, microseconds=integer(value, what))


def _after_epoch(what: str, *, seconds: int = 0, microseconds: int = 0) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=microseconds)
    except OverflowError:
        raise MtGoxResponseError(f"{what}: out of range") from None


def trade_date(value: object) -> datetime:
    """Parse an order-result trade date: "YYYY-MM-DD HH:MM:SS" (UTC) or seconds."""
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        try:
            return datetime.strptime(value, _TRADE_DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise MtGoxResponseError(
                f"order trade date: not a date: {excerpt(value)}"
            ) from None
    return from_seconds(value, "order trade date")
