"""The engine's vocabulary: constants, rules' numbers and the records it keeps.

Every amount is an integer in the currency's smallest unit (see
:mod:`mtgox_sandbox.money`); the rules that use these numbers are described in
:mod:`mtgox_sandbox.exchange`.
"""

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from mtgox_sandbox import money

type Side = Literal["bid", "ask"]
type HouseRole = Literal["bank", "fees", "maker", "taker"]

BASE: Final = "BTC"
BTC_MULTIPLIER: Final = money.multiplier(BASE)
MICROSECONDS: Final = 1_000_000
TRADE_WINDOW_US: Final = 24 * 3600 * MICROSECONDS
"""The ticker is computed, and closed orders kept, over 24 hours."""
TRADE_HISTORY_US: Final = 366 * 24 * 3600 * MICROSECONDS
"""Trades are kept for a year: ``trades/fetch?since=`` reads history that far."""
TRADES_PAGE: Final = 1_000
"""Most trades one v1/v2 ``trades/fetch`` with ``since`` answers (about 270 KB)."""

MIN_ORDER_AMOUNT_INT: Final = 1_000_000
"""0.01 BTC: below this an order is refused with "Order amount is too low"."""

BASIS_POINTS: Final = 10_000
DEFAULT_TRADE_FEE_BP: Final = 60
"""0.6 %, the fee the reference's account examples show."""

HISTORY_PAGE_SIZE: Final = 50
HISTORY_LIMIT: Final = 5_000
HOUSE_HISTORY_LIMIT: Final = 200
"""House wallets move on every market step; keeping less of them bounds the state."""

START_PRICES: Final[Mapping[str, int]] = {
    "BTCUSD": 800 * money.multiplier("USD"),
    "BTCEUR": 590 * money.multiplier("EUR"),
    "BTCJPY": 82_000 * money.multiplier("JPY"),
    "BTCGBP": 490 * money.multiplier("GBP"),
}
"""Early-2014 prices per BTC, where every pair's random walk starts."""

PAIRS: Final = tuple(START_PRICES)
WALLET_CURRENCIES: Final = (BASE, *(money.pair_currencies(p)[1] for p in PAIRS))

DEMO_FUNDS: Final[Mapping[str, int]] = {
    "BTC": 10 * money.multiplier("BTC"),
    "USD": 10_000 * money.multiplier("USD"),
    "EUR": 8_000 * money.multiplier("EUR"),
    "JPY": 1_000_000 * money.multiplier("JPY"),
    "GBP": 6_000 * money.multiplier("GBP"),
}
"""What a new account gets from the bank unless told otherwise."""

HOUSE_FUNDING_BTC: Final[Mapping[HouseRole, int]] = {
    "bank": 1_000_000,
    "fees": 0,
    "maker": 100_000,
    "taker": 10_000,
}
"""Whole BTC per house account; each quote wallet gets the same worth at start."""

QUOTE_LEVELS: Final = 5
QUOTE_SPACING_BP: Final = 20
WALK_STEP_BP: Final = 50
CROSS_PROBABILITY: Final = 0.5
STATE_VERSION: Final = 1
"""The JSON state format of the sandbox before its database (imported once)."""

OPEN: Final = "open"
COMPLETED: Final = "completed"
CANCELLED: Final = "cancelled"

INVALID_TYPE: Final = 'Invalid parameter "type" (should be ask or bid)'
ORDER_NOT_FOUND: Final = "Order not found"
UNKNOWN_ERROR_TOKEN: Final = "unknown_error"  # noqa: S105 (an API error token)
INSUFFICIENT_FUNDS: Final = "Insufficient funds"
INSUFFICIENT_FUNDS_TOKEN: Final = "trade_error_insufficient_funds"  # noqa: S105
AMOUNT_TOO_LOW: Final = "Order amount is too low"
VALUE_TOO_LOW: Final = "Order value is too low: it rounds down to nothing"


def now_us() -> int:
    """Return the wall clock in Unix microseconds."""
    return time.time_ns() // 1000


class ExchangeError(Exception):
    """An error the API reports as ``{"result":"error","error":…,"token":…}``."""

    def __init__(self, message: str, token: str | None = None) -> None:
        """Keep the API's message text and its token (``None`` when it had none)."""
        super().__init__(message)
        self.message = message
        self.token = token


@dataclass(slots=True)
class HistoryTrade:
    """The trade a wallet history entry belongs to (the entry's ``Trade``)."""

    oid: str
    tid: int
    amount_int: int
    properties: str


@dataclass(slots=True)
class HistoryEntry:
    """One wallet movement; ``value_int`` is positive, ``type`` gives the sign."""

    index: int
    date: int
    type: str
    value_int: int
    balance_int: int
    info: str
    trade: HistoryTrade | None = None

    @property
    def link(self) -> list[str] | None:
        """Return the trade the movement belongs to, as Mt.Gox linked it."""
        if self.trade is None:
            return None
        return [self.trade.oid, "Money_Trade", str(self.trade.tid)]


@dataclass(slots=True)
class Wallet:
    """One currency of one account; ``balance_int`` includes ``reserved_int``."""

    currency: str
    balance_int: int = 0
    reserved_int: int = 0
    history_limit: int = HISTORY_LIMIT
    next_history_index: int = 1

    @property
    def available_int(self) -> int:
        """Return what new orders may still use."""
        return self.balance_int - self.reserved_int

    @property
    def operations(self) -> int:
        """Return how many movements this wallet has had (``Operations``)."""
        return self.next_history_index - 1


@dataclass(slots=True)
class Account:
    """An account with its API key, as ``money/info`` describes it."""

    index: str
    id: str
    login: str
    rights: list[str]
    language: str
    created: str
    last_login: str
    trade_fee_bp: int
    wallets: dict[str, Wallet]
    key: str | None = None
    secret: str | None = None
    revoked: bool = False
    house: bool = False
    monthly_volume_int: int = 0
    nonce_high_water: int = 0
    recent_tonces: list[int] = field(default_factory=list)

    @property
    def trade_fee(self) -> Decimal:
        """Return the fee in percent, exactly (``Trade_Fee``), e.g. ``0.6``."""
        return Decimal(self.trade_fee_bp) / 100


@dataclass(slots=True)
class OrderFill:
    """One trade of one order; ``spent_int`` is its value in the quote currency."""

    tid: int
    date: int
    amount_int: int
    price_int: int
    spent_int: int
    properties: str


@dataclass(slots=True, eq=False)
class Order:
    """An order; ``amount_int`` is what remains, ``price_int`` None for market."""

    oid: str
    account_index: str
    pair: str
    side: Side
    original_amount_int: int
    amount_int: int
    price_int: int | None
    status: str
    date: int
    priority: int
    reserved_int: int = 0
    fills: list[OrderFill] = field(default_factory=list)
    closed_us: int | None = None

    @property
    def currency(self) -> str:
        """Return the quote currency of the order's pair."""
        return money.pair_currencies(self.pair)[1]


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade; ``tid`` is a unique µs timestamp, ``date`` in seconds."""

    tid: int
    date: int
    pair: str
    price_int: int
    amount_int: int
    trade_type: Side
    properties: str
    primary: str = "Y"


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What ``order/result`` reports: the order's trades and their totals."""

    order_id: str
    pair: str
    side: Side
    trades: list[OrderFill]
    total_amount_int: int
    total_spent_int: int
    avg_cost_int: int

    @classmethod
    def of(cls, order: Order) -> "OrderResult":
        """Return the result of ``order`` from its fills."""
        total_amount = sum(fill.amount_int for fill in order.fills)
        total_spent = sum(fill.spent_int for fill in order.fills)
        return cls(
            order_id=order.oid,
            pair=order.pair,
            side=order.side,
            trades=list(order.fills),
            total_amount_int=total_amount,
            total_spent_int=total_spent,
            avg_cost_int=total_spent * BTC_MULTIPLIER // total_amount
            if total_amount
            else 0,
        )


@dataclass(frozen=True, slots=True)
class Ticker:
    """Ticker figures as integers (prices in quote units, ``vol`` in BTC units)."""

    pair: str
    high: int
    low: int
    avg: int
    vwap: int
    vol: int
    last: int
    buy: int
    sell: int
    now: int


@dataclass(frozen=True, slots=True)
class DepthLevel:
    """All resting volume at one price; ``stamp`` is its newest order's priority."""

    price_int: int
    amount_int: int
    stamp: int


@dataclass(frozen=True, slots=True)
class Depth:
    """Both sides of a book, each in ascending price order."""

    pair: str
    asks: list[DepthLevel]
    bids: list[DepthLevel]
    now: int


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of wallet history, newest first (``records`` counts them all)."""

    records: int
    result: list[HistoryEntry]
    current_page: int
    max_page: int
    max_results: int = HISTORY_PAGE_SIZE


def parse_side(side: str) -> Side:
    """Return ``side`` as a Side or raise the API's invalid-type error."""
    if side == "bid":
        return "bid"
    if side == "ask":
        return "ask"
    raise ExchangeError(INVALID_TYPE)


def plain_display(value_int: int, code: str) -> str:
    """Return the display text with a plain space, as history ``Info`` uses."""
    return money.display(value_int, code).replace(money.NBSP, " ")


def rng_state(rng: random.Random) -> list[Any]:
    """Return a JSON-serialisable form of a generator's state."""
    version, internal, gauss_next = rng.getstate()
    return [version, list(internal), gauss_next]


def restore_rng(state: list[Any]) -> random.Random:
    """Rebuild a generator from :func:`rng_state` output."""
    version, internal, gauss_next = state
    rng = random.Random()  # noqa: S311 (a simulation, not cryptography)
    rng.setstate((version, tuple(internal), gauss_next))
    return rng


def seeded_rng(seed: int | str) -> random.Random:
    """Return a generator seeded for a reproducible simulation (not cryptography)."""
    return random.Random(seed)  # noqa: S311


UUID4_FIXED_BITS: Final = (0xF000 << 64) | (0xC000 << 48)
"""Where a version-4 UUID's version and variant sit in its 128 bits."""
UUID4_MARKS: Final = (0x4000 << 64) | (0x8000 << 48)
"""Version 4, RFC 4122 variant."""


def uuid4_text(bits: int) -> str:
    """Return random ``bits`` (0 to 2**128 - 1) as a version-4 UUID's text.

    The same text ``str(uuid.UUID(int=bits, version=4))`` gives.

    Several times cheaper than building a ``uuid.UUID`` first: every order and
    every cancel asks for one.
    """
    digits = f"{(bits & ~UUID4_FIXED_BITS) | UUID4_MARKS:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
