"""Typed values returned by the Mt.Gox client.

They are NamedTuples rather than frozen dataclasses: as immutable, but built
without the source a dataclass compiles for its methods at class creation,
which made these six classes a third of the integration's import time.
"""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from decimal import Decimal


PAIR_PATTERN = re.compile(r"[A-Z]{6}")
"""A pair as the exchange names it: item then currency, such as BTCUSD."""
_V0_ITEM = "BTC"


class ApiVersion(IntEnum):
    """Generation of the exchange's HTTP API: the path prefix after /api/."""

    V0 = 0
    V1 = 1
    V2 = 2


class Side(StrEnum):
    """Side of an order, named as the exchange names it."""

    BID = "bid"
    """Buy the item (BTC) with the currency."""
    ASK = "ask"
    """Sell the item (BTC) for the currency."""


class Ticker(NamedTuple):
    """Market summary of one pair; prices in ``currency``, volume in ``item``.

    ``bid`` is the exchange's "buy" (best bid), ``ask`` its "sell" (best ask).
    ``average`` is None when the server sends no "avg" (early v0 tickers);
    ``updated`` is the server's "now", None when absent (always in v0).
    """

    pair: str
    item: str
    currency: str
    last: Decimal
    bid: Decimal
    ask: Decimal
    high: Decimal
    low: Decimal
    average: Decimal | None
    vwap: Decimal
    volume: Decimal
    updated: datetime | None


class Wallet(NamedTuple):
    """Balance of one currency, and how much of it open orders hold."""

    currency: str
    balance: Decimal
    open_orders: Decimal

    @property
    def available(self) -> Decimal:
        """Return the balance not held by open orders."""
        return self.balance - self.open_orders


class AccountInfo(NamedTuple):
    """The account behind an API key.

    ``account_id`` is the exchange's "Id", ``login`` its "Login"; ``trade_fee`` is
    a percentage (0.6 means 0.6 %); ``monthly_volume`` is in BTC.
    ``invalid_wallets`` are the currencies whose wallet the reply sent in a shape
    that could not be read: they are left out of ``wallets``, the rest is kept.
    """

    account_id: str
    login: str
    rights: frozenset[str]
    wallets: Mapping[str, Wallet]
    trade_fee: Decimal
    monthly_volume: Decimal
    invalid_wallets: frozenset[str] = frozenset()


class Order(NamedTuple):
    """One of the account's open orders; ``price`` is None for a market order."""

    oid: str
    pair: str
    item: str
    currency: str
    side: Side
    amount: Decimal
    effective_amount: Decimal
    price: Decimal | None
    status: str
    date: datetime


class OrderTrade(NamedTuple):
    """One trade that filled part of an order; ``spent`` is in ``currency``."""

    trade_id: str
    amount: Decimal
    price: Decimal
    spent: Decimal
    currency: str
    date: datetime | None


class OrderResult(NamedTuple):
    """How an order was filled; ``average_cost`` is None before any trade."""

    order_id: str
    trades: tuple[OrderTrade, ...]
    total_amount: Decimal
    total_spent: Decimal
    average_cost: Decimal | None


def require_v0_item(item: str) -> None:
    """Refuse an item other than BTC, the only one API v0 trades."""
    if item != _V0_ITEM:
        raise ValueError(f"API v0 only trades {_V0_ITEM}, not {item}")
