"""Exact money: the exchange's integer units and the currency object.

The exchange counts every amount as an integer of the currency's smallest unit
(``value_int``); the float-like ``value`` string is ignored because early servers
padded it inconsistently. Amounts are ``Decimal`` and never pass through float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, cast

from .errors import AmountProblem, MtGoxAmountError, MtGoxResponseError
from .models import PAIR_PATTERN

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_DECIMAL_PLACES = 5
"""Decimal places of ``*_int`` units of every currency not in the table (1e5)."""

DECIMAL_PLACES: Mapping[str, int] = {
    "BTC": 8,
    "LTC": 8,
    "NMC": 8,
    "JPY": 3,
    "SEK": 3,
}
"""Currencies whose ``*_int`` units differ from the default 1e5."""

MAX_INTEGER_UNITS = 2**63
"""Bound of ``amount_int`` and ``price_int``: the exchange's signed 64-bit integers."""

_INTEGER = re.compile(r"-?[0-9]+")


class Money(NamedTuple):
    """An exact amount of one currency."""

    amount: Decimal
    currency: str


@lru_cache(maxsize=64)  # bounded: a hostile server may name any currency
def decimal_places(currency: str) -> int:
    """Return how many decimal places one ``*_int`` unit of the currency has."""
    return DECIMAL_PLACES.get(currency.upper(), DEFAULT_DECIMAL_PLACES)


def format_amount(amount: Decimal, currency: str) -> str:
    """Write ``amount`` with exactly the currency's decimals, as the API's ``value``."""
    return f"{amount:.{decimal_places(currency)}f}"


def split_pair(pair: str) -> tuple[str, str]:
    """Return the item and the currency of a pair such as ``"BTCUSD"``."""
    if not PAIR_PATTERN.fullmatch(pair):
        raise ValueError(f"not a pair such as 'BTCUSD': {pair!r}")
    return pair[:3], pair[3:]


def multiplier(currency: str) -> int:
    """Return the number of ``*_int`` units in one whole unit of the currency."""
    units: int = 10 ** decimal_places(currency)  # int ** int is Any to mypy
    return units


def from_int_units(value_int: int, currency: str) -> Decimal:
    """Convert integer units to an exact Decimal with the currency's places."""
    return _scaled_down(str(value_int), currency)


def _scaled_down(digits: str, currency: str) -> Decimal:
    # Built from a string so no context precision or rounding is ever involved,
    # and without int(), which refuses strings of more than 4300 digits.
    return Decimal(f"{digits}E-{decimal_places(currency)}")


def to_int_units(amount: Decimal, currency: str) -> int:
    """Convert an amount to integer units of the currency, exactly.

    Raises ValueError when the amount is not finite or has more decimal places
    than the currency's unit can hold, so nothing is ever silently rounded.
    """
    # A float would pass the arithmetic below with its binary error, hence the check.
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"{currency} amount must be a finite Decimal, got {amount!r}")
    numerator, denominator = amount.as_integer_ratio()
    units, remainder = divmod(numerator * multiplier(currency), denominator)
    if remainder:
        raise ValueError(
            f"{currency} amount {amount} has more than "
            f"{decimal_places(currency)} decimal places"
        )
    return units


def order_amount(value: Decimal | str, currency: str) -> Decimal:
    """Return ``value`` as an amount or price an order can carry in ``currency``.

    It must be a finite positive number with no more decimals than the
    currency's integer unit holds and below the API's 64-bit bound; otherwise
    MtGoxAmountError says which rule it breaks. The checks run in that order so
    that a huge exponent ("1e999999999") costs no work.
    """
    places = decimal_places(currency)

    def refuse(problem: AmountProblem) -> MtGoxAmountError:
        return MtGoxAmountError(problem, value, currency, places)

    try:
        amount = value if isinstance(value, Decimal) else Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise refuse(AmountProblem.NOT_A_NUMBER) from None
    if not amount.is_finite():
        raise refuse(AmountProblem.NOT_A_NUMBER)
    if amount <= 0:
        raise refuse(AmountProblem.NOT_POSITIVE)
    if amount >= Decimal(MAX_INTEGER_UNITS).scaleb(-places):
        raise refuse(AmountProblem.TOO_LARGE)
    if _fraction_digits(amount) > places:
        raise refuse(AmountProblem.TOO_MANY_DECIMALS)
    return amount


def order_units(amount: Decimal, currency: str) -> int:
    """Return an order's amount or price in integer units, checked by order_amount."""
    return to_int_units(order_amount(amount, currency), currency)


def _fraction_digits(number: Decimal) -> int:
    """Return how many decimals a finite number needs ("1.50" needs one)."""
    _, digits, exponent = number.as_tuple()
    trailing_zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))
    # Only NaN and the infinities have a letter for an exponent.
    return max(0, -cast("int", exponent) - trailing_zeros)


def parse_money(co: Mapping[str, object]) -> Money:
    """Parse a currency object from its ``value_int`` and ``currency`` fields.

    Raises MtGoxResponseError when either field is missing or malformed.
    """
    currency = co.get("currency")
    if not isinstance(currency, str) or not currency:
        raise MtGoxResponseError(f"currency object without a currency: {co!r:.200}")
    value_int = co.get("value_int")
    if isinstance(value_int, str) and _INTEGER.fullmatch(value_int):
        return Money(_scaled_down(value_int, currency), currency)
    if isinstance(value_int, int) and not isinstance(value_int, bool):
        return Money(from_int_units(value_int, currency), currency)
    raise MtGoxResponseError(f"currency object without a valid value_int: {co!r:.200}")
