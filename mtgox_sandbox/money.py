"""Currencies and the Mt.Gox currency object, in exact integer arithmetic.

Inside the sandbox every amount is an integer count of the currency's smallest
unit (the API's ``*_int`` values): BTC is counted in 1e-8, JPY and SEK in 1e-3,
every other fiat currency in 1e-5.  Floats appear only in :func:`to_float`, for
the few fields the real API printed as JSON numbers.
"""

import re
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Final, Literal

from .stream.channels import channel_uuid

SymbolPosition = Literal["before", "after"]

NBSP: Final = "\u00a0"
"""The API separates a trailing symbol ("BTC", "€") from the number with U+00A0."""

DISPLAY_DECIMALS: Final = 2
"""Decimals shown in ``display_short`` (and reported as ``display_decimals``)."""

MAX_INT64: Final = 2**63 - 1
"""Mt.Gox stored ``*_int`` values as signed 64-bit integers; nothing larger is accepted."""

MAX_INT64_DIGITS: Final = len(str(MAX_INT64))
"""Longer digit strings are refused before ``int()`` sees them (it costs time, and
over 4,300 digits it raises)."""


@dataclass(frozen=True, slots=True)
class Currency:
    """One currency as the exchange knows it."""

    code: str
    name: str
    decimals: int
    symbol: str
    symbol_position: SymbolPosition
    virtual: bool = False

    @property
    def multiplier(self) -> int:
        """Return how many ``*_int`` units make one whole unit."""
        return int(10**self.decimals)  # int(): mypy types int ** int as Any


def _fiat(code: str, name: str, symbol: str, position: SymbolPosition) -> Currency:
    """Build a fiat currency; JPY and SEK count in 1e-3, the rest in 1e-5."""
    return Currency(code, name, 3 if code in {"JPY", "SEK"} else 5, symbol, position)


def _crypto(code: str, name: str) -> Currency:
    """Build a virtual currency, counted in 1e-8 with its code after the number."""
    return Currency(code, name, 8, code, "after", virtual=True)


CURRENCIES: Final[dict[str, Currency]] = {
    currency.code: currency
    for currency in (
        _crypto("BTC", "Bitcoin"),
        _crypto("LTC", "Litecoin"),
        _crypto("NMC", "Namecoin"),
        _fiat("USD", "Dollar", "$", "before"),
        _fiat("AUD", "Australian Dollar", "AU$", "before"),
        _fiat("CAD", "Canadian Dollar", "C$", "before"),
        _fiat("CHF", "Swiss Franc", "CHF", "after"),
        _fiat("CNY", "Yuan Renminbi", "CN¥", "before"),
        _fiat("CZK", "Czech Koruna", "Kč", "after"),
        _fiat("DKK", "Danish Krone", "kr", "after"),
        _fiat("EUR", "Euro", "€", "after"),
        _fiat("GBP", "Pound Sterling", "£", "before"),
        _fiat("HKD", "Hong Kong Dollar", "HK$", "before"),
        _fiat("JPY", "Yen", "¥", "before"),
        _fiat("NOK", "Norwegian Krone", "kr", "after"),
        _fiat("NZD", "New Zealand Dollar", "NZ$", "before"),
        _fiat("PLN", "Zloty", "zł", "after"),
        _fiat("RUB", "Russian Rouble", "RUB", "after"),
        _fiat("SEK", "Swedish Krona", "kr", "after"),
        _fiat("SGD", "Singapore Dollar", "S$", "before"),
        _fiat("THB", "Baht", "฿", "before"),
    )
}

_DECIMAL_TEXT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
"""Plain decimal notation only: no exponent, so no huge number can be smuggled in."""


def currency(code: str) -> Currency:
    """Return the currency for ``code``; raise ``ValueError`` if it is unknown."""
    try:
        return CURRENCIES[code]
    except KeyError:
        raise ValueError(f"Unknown currency {code!r}") from None


def multiplier(code: str) -> int:
    """Return how many ``*_int`` units make one whole unit of ``code``."""
    return currency(code).multiplier


def decimals(code: str) -> int:
    """Return the number of decimals the ``*_int`` values of ``code`` carry."""
    return currency(code).decimals


def pair_currencies(pair: str) -> tuple[str, str]:
    """Split a pair such as ``"BTCUSD"`` into ``("BTC", "USD")``."""
    base, quote = pair[:3], pair[3:]
    if len(pair) != 6 or base not in CURRENCIES or quote not in CURRENCIES:
        raise ValueError(f"Unknown currency pair {pair!r}")
    return base, quote


def _fixed_point(value_int: int, scale: int, shown: int, *, grouped: bool) -> str:
    """Write ``value_int / 10**scale`` with ``shown`` decimals, halves away from 0."""
    sign = "-" if value_int < 0 else ""
    magnitude = abs(value_int)
    if shown < scale:
        step = 10 ** (scale - shown)
        magnitude = (2 * magnitude + step) // (2 * step)
    whole, fraction = divmod(magnitude, 10**shown)
    whole_text = f"{whole:,}" if grouped else str(whole)
    fraction_text = f".{fraction:0{shown}d}" if shown else ""
    return f"{sign}{whole_text}{fraction_text}"


def _with_symbol(number: str, info: Currency) -> str:
    """Attach the currency symbol the way Mt.Gox displayed it."""
    if info.symbol_position == "after":
        return f"{number}{NBSP}{info.symbol}"
    if number.startswith("-"):
        return f"-{info.symbol}{number[1:]}"
    return f"{info.symbol}{number}"


def display(value_int: int, code: str, *, short: bool = False) -> str:
    """Return the ``display`` (or, with ``short``, ``display_short``) text."""
    info = currency(code)
    shown = DISPLAY_DECIMALS if short else info.decimals
    number = _fixed_point(value_int, info.decimals, shown, grouped=True)
    return _with_symbol(number, info)


def currency_object(value_int: int, code: str) -> dict[str, str]:
    """Return the API's currency object for an integer amount (all strings)."""
    info = currency(code)
    return {
        "value": _fixed_point(value_int, info.decimals, info.decimals, grouped=False),
        "value_int": str(value_int),
        "display": display(value_int, code),
        "display_short": display(value_int, code, short=True),
        "currency": code,
    }


def to_float(value_int: int, code: str) -> float:
    """Return the amount as a float, only for fields the API printed as numbers."""
    # Clamped so that an order stored before numbers were bounded still renders
    # (a 400-digit int is too large for a float); in range, int / int is
    # correctly rounded in Python, so this is the nearest float.
    bounded = max(-MAX_INT64, min(value_int, MAX_INT64))
    return bounded / multiplier(code)


def currency_info(code: str) -> dict[str, str]:
    """Return the ``money/currency`` object for ``code``."""
    info = currency(code)
    return {
        "currency": code,
        "name": info.name,
        "symbol": info.symbol,
        "decimals": str(info.decimals),
        "display_decimals": str(DISPLAY_DECIMALS),
        "symbol_position": info.symbol_position,
        "virtual": "Y" if info.virtual else "N",
        "ticker_channel": channel_uuid(f"ticker.BTC{code}"),
        "depth_channel": channel_uuid(f"depth.BTC{code}"),
    }


def parse_int64(text: str | None, maximum: int = MAX_INT64) -> int | None:
    """Return ``text`` as an integer from 0 to ``maximum`` (at most 19 digits), else ``None``.

    Plain ASCII digits only (no sign, space or underscore, which ``int()`` allows).
    """
    if text is None or len(text) > MAX_INT64_DIGITS:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None


def parse_decimal_to_int(text: str, code: str) -> int:
    """Convert a deprecated decimal ``amount``/``price`` parameter to ``*_int``.

    The conversion is exact; text with more decimals than the currency carries
    (other than trailing zeros) raises ``ValueError`` rather than being rounded.
    """
    info = currency(code)
    if not _DECIMAL_TEXT.fullmatch(text):
        raise ValueError(f"Not a decimal number: {text!r}")
    # Enough precision for every digit of the text, so scaleb cannot round.
    exact = Context(prec=len(text) + info.decimals)
    scaled = Decimal(text).scaleb(info.decimals, context=exact)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{text!r} has more than {info.decimals} decimals for {code}")
    return int(scaled)
