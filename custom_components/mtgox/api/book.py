"""A pair's order book from ``depth/fetch``, and the figures read from it.

The reply's ``price``/``amount`` are floats; the book is built from the exact
``price_int``/``amount_int``. ``depth/fetch`` holds the levels within 10 % of
the last price: the recorded real reply (RB1 ``depth.json``, April 2013) had 966
levels in 166 KB as printed, about 110 bytes a level in compact JSON, so the
client's 512 KiB bound (reading.MAX_REPLY_BYTES) holds over 4,000 levels,
several times a busy day's book. ``depth/full`` (about 1 MB then) is not read.
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from typing import NamedTuple

from .errors import MtGoxResponseError
from .fields import excerpt, field, integer, json_list, json_object
from .models import Side
from .money import MAX_INTEGER_UNITS, from_int_units

_BTC = "BTC"
_PERCENT = Decimal(100)


class BookLevel(NamedTuple):
    """One price of the book and the total volume (BTC) offered at it."""

    price: Decimal
    volume: Decimal


def _sort_key(side: Side, price: Decimal) -> Decimal:
    """Order levels best first: bids from the highest price, asks from the lowest."""
    return -price if side is Side.BID else price


class OrderBook(NamedTuple):
    """The levels of one pair's book, each side best first, one level per price."""

    pair: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]

    def levels(self, side: Side) -> tuple[BookLevel, ...]:
        """Return one side's levels, best first."""
        return self.bids if side is Side.BID else self.asks

    def volume_near(self, side: Side, price: Decimal, percent: Decimal) -> Decimal:
        """Return one side's volume at prices within ``percent`` of ``price``.

        Both bounds are included; the figures are exact (Decimal division by
        100 is exact at the currencies' few decimals).
        """
        reach = price * percent / _PERCENT
        low, high = price - reach, price + reach
        return sum(
            (level.volume for level in self.levels(side) if low <= level.price <= high),
            from_int_units(0, _BTC),  # 0.00000000, as the exchange writes volumes
        )

    def with_level(self, side: Side, price: Decimal, volume: Decimal) -> OrderBook:
        """Return the book with the level at ``price`` now holding ``volume`` BTC.

        This is a streamed depth change (the level's new total volume): 0
        removes the level, a new price is inserted in order. Raises ValueError
        for a price that is not positive or a volume below 0.
        """
        if not price > 0 or volume < 0:
            raise ValueError(f"not a book level: {price} {volume}")
        levels = list(self.levels(side))
        key = _sort_key(side, price)
        index = bisect_left(levels, key, key=lambda level: _sort_key(side, level.price))
        if index < len(levels) and levels[index].price == price:
            del levels[index]
        if volume:
            levels.insert(index, BookLevel(price, volume))
        if side is Side.BID:
            return OrderBook(self.pair, tuple(levels), self.asks)
        return OrderBook(self.pair, self.bids, tuple(levels))


def parse_depth(pair: str, payload: object) -> OrderBook:
    """Parse a ``depth/fetch`` reply (v1 and v2 alike) of ``pair`` such as BTCUSD.

    Entries may come in any order (Mt.Gox sent both sides from the lowest
    price); a price given twice, a price or volume that is not positive, or
    more units than Mt.Gox's 64-bit integers is refused.
    """
    depth = json_object(payload, "depth")
    currency = pair[3:]
    return OrderBook(
        pair=pair,
        bids=_side(depth, "bids", Side.BID, currency),
        asks=_side(depth, "asks", Side.ASK, currency),
    )


def _side(
    depth: dict[str, object], key: str, side: Side, currency: str
) -> tuple[BookLevel, ...]:
    what = f"depth {key}"
    units: dict[int, int] = {}
    for value in json_list(field(depth, key), what):
        entry = json_object(value, f"{what} entry")
        price = _units(entry, "price_int", what)
        if price in units:
            raise MtGoxResponseError(f"{what}: price_int {price} given twice")
        units[price] = _units(entry, "amount_int", what)
    levels = (
        BookLevel(from_int_units(price, currency), from_int_units(volume, _BTC))
        for price, volume in units.items()
    )
    return tuple(sorted(levels, key=lambda level: _sort_key(side, level.price)))


def _units(entry: dict[str, object], key: str, what: str) -> int:
    units = integer(field(entry, key), f"{what} {key}")
    if not 0 < units < MAX_INTEGER_UNITS:
        raise MtGoxResponseError(f"{what} {key}: out of range: {excerpt(units)}")
    return units
