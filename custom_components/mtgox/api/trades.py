"""Public trades, read page by page: ``trades/fetch`` with ``since``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import MtGoxResponseError
from .fields import excerpt, field, from_seconds, integer, json_list, json_object
from .money import from_int_units, split_pair

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """One trade of a pair; ``tid`` is what ``since`` takes (µs since 1970).

    ``primary`` is False for a trade the exchange also lists in another
    currency: counting it again would count its volume twice.
    """

    tid: int
    date: datetime
    price: Decimal
    amount: Decimal
    primary: bool


def parse_trades(pair: str, payload: object) -> tuple[PublicTrade, ...]:
    """Return the pair's trades in a ``trades/fetch`` reply, oldest first.

    Trades priced in another currency are left out; tids must increase, since
    the next page is asked for from the last one.
    """
    item, currency = split_pair(pair)
    trades: list[PublicTrade] = []
    for value in json_list(payload, "trades"):
        entry = json_object(value, "trade")
        if (entry.get("price_currency"), entry.get("item")) != (currency, item):
            continue
        trade = PublicTrade(
            tid=integer(field(entry, "tid"), "trade tid"),
            date=from_seconds(field(entry, "date"), "trade date"),
            price=from_int_units(_positive(entry, "price_int"), currency),
            amount=from_int_units(_positive(entry, "amount_int"), item),
            primary=entry.get("primary", "Y") != "N",
        )
        if trades and trade.tid <= trades[-1].tid:
            raise MtGoxResponseError(f"trades out of order at tid {trade.tid}")
        trades.append(trade)
    return tuple(trades)


def _positive(entry: dict[str, object], key: str) -> int:
    value = integer(field(entry, key), f"trade {key}")
    if value <= 0:
        raise MtGoxResponseError(f"trade {key}: expected above 0, got {excerpt(value)}")
    return value
