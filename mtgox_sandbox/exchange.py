"""The sandbox exchange engine: accounts, order books, matching, fees, history.

Pure and synchronous: no I/O, no clock other than the injected ``clock_us``, and
integer arithmetic for every amount (see :mod:`mtgox_sandbox.money`).

Rules where the Mt.Gox reference is silent (documented here, tested in
``tests/sandbox``):

* **Trade value.** A fill of ``amount_int`` BTC at ``price_int`` is worth
  ``amount_int * price_int // 10**8`` quote units (rounded down).  The buyer pays
  exactly what the seller receives, so rounding never creates or destroys money.
* **Reserves.** An open limit ask reserves its remaining BTC; an open limit bid
  reserves ``remaining * price // 10**8`` of the quote currency.  Because rounding
  down is superadditive, the reserve always covers every later fill, which is at
  the bid's price or better; any surplus is released after each fill.  A wallet's
  ``reserved_int`` is the sum over its open orders and is what ``Open_Orders``
  reports; ``balance_int`` includes it.
* **Market orders** take liquidity at once, at the resting orders' prices, until
  they are filled, the book is empty or (for a bid) the available balance at
  placement cannot pay for the next resting order in full; a market bid then
  buys what that balance pays for at that price, ``balance * 10**8 // price``,
  and stops.  Whatever is left is cancelled; market orders never
  rest.  A market bid with nothing available is refused as insufficient funds.
* **Insufficient funds**: ``ExchangeError("Insufficient funds",
  "trade_error_insufficient_funds")`` at placement, nothing is reserved.  A
  limit bid whose value rounds down to 0 quote units is refused ("Order value
  is too low"), since it would reserve nothing.
* **Fees.** Each side pays its account's ``Trade_Fee`` on what it receives (the
  buyer in BTC, the seller in the quote currency), rounded down, into the house
  fee account.  Self-trades are allowed and charged like any other trade.
* **Trade type** is the taker's side; ``properties`` is the taker's order type.
* **Order status** is ``open`` on the book, then ``completed`` (filled) or
  ``cancelled`` (by its owner, or a market order's unfilled rest).  Closed
  orders without fills are forgotten at once; closed orders with fills stay
  available to ``order_result`` for 24 hours (pruned by :meth:`step_market`).
* **Depth** lists both sides in ascending price order, one entry per price level.
* **Ticker** statistics cover the trades of the last 24 hours: ``avg`` is the
  plain mean of their prices, ``vwap`` the volume-weighted mean (both rounded
  down).  Without trades in that window every price field is the last trade
  price ever (or the starting price) and ``vol`` is 0; ``buy``/``sell`` are 0
  when that side of the book is empty.
* **Money supply.** The house bank, fee collector, market maker and crossing
  trader are ordinary accounts funded once at construction.  User funds are
  transfers from the bank (``withdraw`` on the bank, ``deposit`` for the user),
  so :meth:`Exchange.totals` never changes after construction.
* **Monthly_Volume** counts every BTC the account has traded, as buyer or
  seller, since it opened; there is no monthly reset.
* **History** keeps the newest :data:`HISTORY_LIMIT` entries per user wallet
  (:data:`HOUSE_HISTORY_LIMIT` per house wallet); entry indexes keep counting.
"""

import bisect
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Literal, Self

from . import money

type Side = Literal["bid", "ask"]
type HouseRole = Literal["bank", "fees", "maker", "taker"]

BASE: Final = "BTC"
BTC_MULTIPLIER: Final = money.multiplier(BASE)
MICROSECONDS: Final = 1_000_000
TRADE_WINDOW_US: Final = 24 * 3600 * MICROSECONDS
"""Trades (and closed orders) are kept, and the ticker computed, over 24 hours."""

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
    link: list[str] | None = None
    trade: HistoryTrade | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild an entry from :func:`dataclasses.asdict` output."""
        trade = data["trade"]
        return cls(**{**data, "trade": trade and HistoryTrade(**trade)})


@dataclass(slots=True)
class Wallet:
    """One currency of one account; ``balance_int`` includes ``reserved_int``."""

    currency: str
    balance_int: int = 0
    reserved_int: int = 0
    history_limit: int = HISTORY_LIMIT
    history: list[HistoryEntry] = field(default_factory=list)
    next_history_index: int = 1

    @property
    def available_int(self) -> int:
        """Return what new orders may still use."""
        return self.balance_int - self.reserved_int

    @property
    def operations(self) -> int:
        """Return how many movements this wallet has had (``Operations``)."""
        return self.next_history_index - 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a wallet from :func:`dataclasses.asdict` output."""
        history = [HistoryEntry.from_dict(entry) for entry in data["history"]]
        return cls(**{**data, "history": history})


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild an account from :func:`dataclasses.asdict` output."""
        wallets = {code: Wallet.from_dict(w) for code, w in data["wallets"].items()}
        return cls(**{**data, "wallets": wallets})


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild an order from :func:`dataclasses.asdict` output."""
        fills = [OrderFill(**fill) for fill in data["fills"]]
        return cls(**{**data, "fills": fills})


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


type _Resting = tuple[int, Order]
"""A book entry: the limit price (never None on the book) and the order."""


def _parse_side(side: str) -> Side:
    """Return ``side`` as a Side or raise the API's invalid-type error."""
    if side == "bid":
        return "bid"
    if side == "ask":
        return "ask"
    raise ExchangeError(INVALID_TYPE)


def _book_key(side: Side) -> Callable[[_Resting], tuple[int, int]]:
    """Return the price-time priority key for one side of a book."""
    if side == "bid":
        return lambda entry: (-entry[0], entry[1].priority)
    return lambda entry: (entry[0], entry[1].priority)


def _format_time(stamp_us: int) -> str:
    """Format a µs timestamp the way ``Created``/``Last_Login`` are shown."""
    moment = datetime.fromtimestamp(stamp_us // MICROSECONDS, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _plain_display(value_int: int, code: str) -> str:
    """Return the display text with a plain space, as history ``Info`` uses."""
    return money.display(value_int, code).replace(money.NBSP, " ")


def _rng_state(rng: random.Random) -> list[Any]:
    """Return a JSON-serialisable form of a generator's state."""
    version, internal, gauss_next = rng.getstate()
    return [version, list(internal), gauss_next]


def _restore_rng(state: list[Any]) -> random.Random:
    """Rebuild a generator from :func:`_rng_state` output."""
    version, internal, gauss_next = state
    rng = random.Random()  # noqa: S311 (a simulation, not cryptography)
    rng.setstate((version, tuple(internal), gauss_next))
    return rng


class Exchange:
    """A Mt.Gox-like exchange for several BTC pairs with house market makers."""

    pairs: tuple[str, ...] = PAIRS

    def __init__(self, *, seed: int = 0, clock_us: Callable[[], int] = now_us) -> None:
        """Open the exchange with funded house accounts and quoted books."""
        # A simulation, not cryptography: seeded generators make it reproducible.
        rng, ids = random.Random(seed), random.Random(f"ids:{seed}")  # noqa: S311
        self._setup(clock_us, rng, ids)
        for role, btc in HOUSE_FUNDING_BTC.items():
            account = self._create_account(f"house-{role}", [], house=True)
            self._house[role] = account.index
            for pair, price in START_PRICES.items():
                quote = money.pair_currencies(pair)[1]
                self._mint(account.wallets[quote], btc * price)
            self._mint(account.wallets[BASE], btc * BTC_MULTIPLIER)
        for pair in self.pairs:
            self._requote(pair)

    def _setup(
        self, clock_us: Callable[[], int], rng: random.Random, ids: random.Random
    ) -> None:
        """Set every attribute to an empty exchange's value."""
        self._clock = clock_us
        self._rng = rng
        self._ids = ids
        self._last_stamp = 0
        self._next_account_index = 1
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, str] = {}
        self._house: dict[str, str] = {}
        self._orders: dict[str, Order] = {}
        self._books: dict[str, dict[Side, list[_Resting]]] = {
            pair: {"bid": [], "ask": []} for pair in self.pairs
        }
        self._trades: dict[str, list[Trade]] = {pair: [] for pair in self.pairs}
        self._reference_prices = dict(START_PRICES)
        self._last_prices = dict(START_PRICES)

    # Accounts -------------------------------------------------------------------

    def add_account(
        self,
        key: str,
        secret: str,
        rights: Iterable[str],
        *,
        login: str | None = None,
        funds: Mapping[str, int] | None = None,
    ) -> Account:
        """Open an account for an API key, funded by the bank (default DEMO_FUNDS)."""
        if key in self._keys:
            raise ValueError(f"API key {key!r} already has an account")
        account = self._create_account(login, rights, key=key, secret=secret)
        self._keys[key] = account.index
        for code, amount_int in (DEMO_FUNDS if funds is None else funds).items():
            self.deposit(account, code, amount_int)
        return account

    def deposit(self, account: Account, currency: str, amount_int: int) -> None:
        """Move money from the house bank into an account (a ``deposit`` entry)."""
        bank = self.house_account("bank")
        if currency not in account.wallets or amount_int <= 0:
            raise ValueError(f"Cannot deposit {amount_int} {currency}")
        source = bank.wallets[currency]
        if source.available_int < amount_int:
            raise ValueError(f"The bank cannot fund {amount_int} {currency}")
        date = self._clock() // MICROSECONDS
        self._post(source, "withdraw", -amount_int, f"Funding {account.login}", date)
        self._post(account.wallets[currency], "deposit", amount_int, "Deposit", date)

    def account_for_key(self, key: str) -> Account | None:
        """Return the account of a live (not revoked) API key."""
        index = self._keys.get(key)
        if index is None or self._accounts[index].revoked:
            return None
        return self._accounts[index]

    def revoke_key(self, key: str) -> bool:
        """Revoke an API key; return whether a live key was revoked."""
        account = self.account_for_key(key)
        if account is None:
            return False
        account.revoked = True
        return True

    def set_rights(self, key: str, rights: Iterable[str]) -> Account:
        """Replace the rights of a key's account; raise ``KeyError`` if unknown."""
        account = self._accounts[self._keys[key]]
        account.rights = list(rights)
        return account

    def house_account(self, role: HouseRole) -> Account:
        """Return one of the house accounts."""
        return self._accounts[self._house[role]]

    @property
    def accounts(self) -> tuple[Account, ...]:
        """Return every account, the house's included, in opening order."""
        return tuple(self._accounts.values())

    def totals(self) -> dict[str, int]:
        """Return every currency's total balance over every account."""
        totals = dict.fromkeys(WALLET_CURRENCIES, 0)
        for account in self._accounts.values():
            for code, wallet in account.wallets.items():
                totals[code] += wallet.balance_int
        return totals

    # Orders ---------------------------------------------------------------------

    def place_order(
        self,
        account: Account,
        pair: str,
        side: str,
        amount_int: int,
        price_int: int | None,
    ) -> Order:
        """Place a limit order (or a market order without price) and match it."""
        self._check_pair(pair)
        order_side = _parse_side(side)
        if amount_int <= 0:
            raise ExchangeError('Invalid parameter "amount_int" (should be positive)')
        if price_int is not None and price_int <= 0:
            raise ExchangeError('Invalid parameter "price_int" (should be positive)')
        if amount_int < MIN_ORDER_AMOUNT_INT:
            raise ExchangeError(AMOUNT_TOO_LOW)
        quote = money.pair_currencies(pair)[1]
        wallet = account.wallets[quote if order_side == "bid" else BASE]
        if order_side == "ask":
            reserve = amount_int
        elif price_int is None:
            reserve = wallet.available_int
        else:
            reserve = amount_int * price_int // BTC_MULTIPLIER
            if reserve == 0:
                # Nothing reserved would let an empty account rest orders forever.
                raise ExchangeError(VALUE_TOO_LOW)
        if reserve > wallet.available_int or (price_int is None and reserve == 0):
            raise ExchangeError(INSUFFICIENT_FUNDS, INSUFFICIENT_FUNDS_TOKEN)
        stamp = self._stamp()
        order = Order(
            oid=self._new_uuid(),
            account_index=account.index,
            pair=pair,
            side=order_side,
            original_amount_int=amount_int,
            amount_int=amount_int,
            price_int=price_int,
            status=OPEN,
            date=stamp // MICROSECONDS,
            priority=stamp,
            reserved_int=reserve,
        )
        wallet.reserved_int += reserve
        self._orders[order.oid] = order
        self._match(order)
        if order.amount_int and price_int is not None:
            self._rest(order, price_int)
        else:
            self._close(order, COMPLETED if order.amount_int == 0 else CANCELLED)
        return order

    def cancel_order(self, account: Account, oid: str) -> Order:
        """Cancel one of the account's open orders and release its reserve."""
        order = self._orders.get(oid)
        if (
            order is None
            or order.account_index != account.index
            or order.status != OPEN
        ):
            raise ExchangeError(ORDER_NOT_FOUND, UNKNOWN_ERROR_TOKEN)
        self._cancel(order)
        return order

    def open_orders(self, account: Account) -> list[Order]:
        """Return the account's open orders on every pair, oldest first."""
        return [
            order
            for order in self._orders.values()
            if order.account_index == account.index and order.status == OPEN
        ]

    def order_result(self, account: Account, side: str, oid: str) -> OrderResult:
        """Return the trades of one of the account's orders, open or closed."""
        order_side = _parse_side(side)
        order = self._orders.get(oid)
        if (
            order is None
            or order.account_index != account.index
            or order.side != order_side
        ):
            raise ExchangeError(ORDER_NOT_FOUND, UNKNOWN_ERROR_TOKEN)
        total_amount = sum(fill.amount_int for fill in order.fills)
        total_spent = sum(fill.spent_int for fill in order.fills)
        return OrderResult(
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

    # Market data ----------------------------------------------------------------

    def ticker(self, pair: str) -> Ticker:
        """Return the ticker from the last 24 hours of trades and the book's top."""
        self._check_pair(pair)
        now = self._clock()
        trades = self._recent_trades(pair, now)
        bids, asks = self._books[pair]["bid"], self._books[pair]["ask"]
        best_bid = bids[0][0] if bids else 0
        best_ask = asks[0][0] if asks else 0
        if not trades:
            last = self._last_prices[pair]
            return Ticker(
                pair, last, last, last, last, 0, last, best_bid, best_ask, now
            )
        prices = [trade.price_int for trade in trades]
        volume = sum(trade.amount_int for trade in trades)
        turnover = sum(trade.price_int * trade.amount_int for trade in trades)
        return Ticker(
            pair=pair,
            high=max(prices),
            low=min(prices),
            avg=sum(prices) // len(prices),
            vwap=turnover // volume,
            vol=volume,
            last=prices[-1],
            buy=best_bid,
            sell=best_ask,
            now=now,
        )

    def depth(self, pair: str) -> Depth:
        """Return the whole book of a pair, aggregated per price level."""
        self._check_pair(pair)
        book = self._books[pair]
        return Depth(
            pair=pair,
            asks=self._levels(book["ask"]),
            bids=self._levels(book["bid"])[::-1],
            now=self._clock(),
        )

    def trades(self, pair: str, since_tid: int | None) -> list[Trade]:
        """Return the last 24 hours of trades, only those after ``since_tid``."""
        self._check_pair(pair)
        trades = self._recent_trades(pair, self._clock())
        if since_tid is None:
            return trades
        return [trade for trade in trades if trade.tid > since_tid]

    def wallet_history(self, account: Account, currency: str, page: int) -> HistoryPage:
        """Return one page (1-based, 50 entries, newest first) of a wallet's history."""
        wallet = account.wallets.get(currency)
        if wallet is None:
            raise ExchangeError(f"Invalid currency {currency!r}")
        entries = wallet.history[::-1]
        max_page = max(1, -(-len(entries) // HISTORY_PAGE_SIZE))
        current = max(1, page)
        start = (current - 1) * HISTORY_PAGE_SIZE
        return HistoryPage(
            records=len(entries),
            result=entries[start : start + HISTORY_PAGE_SIZE],
            current_page=current,
            max_page=max_page,
        )

    # Market makers --------------------------------------------------------------

    def step_market(self) -> None:
        """Walk each reference price, re-quote the books, sometimes cross them."""
        for pair in self.pairs:
            start = START_PRICES[pair]
            move = self._rng.randint(-WALK_STEP_BP, WALK_STEP_BP)
            moved = self._reference_prices[pair] * (BASIS_POINTS + move) // BASIS_POINTS
            self._reference_prices[pair] = min(max(moved, start // 4), start * 4)
            self._requote(pair)
            if self._rng.random() < CROSS_PROBABILITY:
                side = self._rng.choice(("bid", "ask"))
                amount_int = self._rng.randint(1, 200) * MIN_ORDER_AMOUNT_INT
                self._try_place(
                    self.house_account("taker"), pair, side, amount_int, None
                )
        self._forget_old_orders(self._clock() - TRADE_WINDOW_US)

    def reference_price(self, pair: str) -> int:
        """Return the price the market makers currently quote around."""
        self._check_pair(pair)
        return self._reference_prices[pair]

    def _requote(self, pair: str) -> None:
        """Replace the maker's quotes with levels around the reference price."""
        maker = self.house_account("maker")
        for order in self.open_orders(maker):
            if order.pair == pair:
                self._cancel(order)
        reference = self._reference_prices[pair]
        for level in range(1, QUOTE_LEVELS + 1):
            offset = QUOTE_SPACING_BP * level
            for side, sign in (("bid", -1), ("ask", 1)):
                price = reference * (BASIS_POINTS + sign * offset) // BASIS_POINTS
                amount_int = self._rng.randint(10, 500) * MIN_ORDER_AMOUNT_INT
                self._try_place(maker, pair, side, amount_int, price)

    def _try_place(
        self, account: Account, pair: str, side: str, amount_int: int, price: int | None
    ) -> None:
        """Place a house order; a house account short of money just skips it."""
        try:
            self.place_order(account, pair, side, amount_int, price)
        except ExchangeError as error:
            if error.token != INSUFFICIENT_FUNDS_TOKEN:
                raise

    # State ----------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Return the whole exchange as JSON-serialisable data."""
        return {
            "version": STATE_VERSION,
            "rng": _rng_state(self._rng),
            "id_rng": _rng_state(self._ids),
            "last_stamp": self._last_stamp,
            "next_account_index": self._next_account_index,
            "house": dict(self._house),
            "reference_prices": dict(self._reference_prices),
            "last_prices": dict(self._last_prices),
            "accounts": [asdict(account) for account in self._accounts.values()],
            "orders": [asdict(order) for order in self._orders.values()],
            "trades": {
                pair: [asdict(trade) for trade in trades]
                for pair, trades in self._trades.items()
            },
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], *, clock_us: Callable[[], int] = now_us
    ) -> Self:
        """Rebuild an exchange from :meth:`to_state` output."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"Unsupported state version {state.get('version')!r}")
        exchange = cls.__new__(cls)
        cls._restore(exchange, state, clock_us)
        return exchange

    # Internals ------------------------------------------------------------------

    def _restore(self, state: Mapping[str, Any], clock_us: Callable[[], int]) -> None:
        """Set every attribute from :meth:`to_state` output."""
        self._setup(clock_us, _restore_rng(state["rng"]), _restore_rng(state["id_rng"]))
        self._last_stamp = state["last_stamp"]
        self._next_account_index = state["next_account_index"]
        self._house = dict(state["house"])
        self._reference_prices = dict(state["reference_prices"])
        self._last_prices = dict(state["last_prices"])
        for data in state["accounts"]:
            account = Account.from_dict(data)
            self._accounts[account.index] = account
            if account.key is not None:
                self._keys[account.key] = account.index
        for data in state["orders"]:
            order = Order.from_dict(data)
            self._orders[order.oid] = order
            if order.status == OPEN and order.price_int is not None:
                self._rest(order, order.price_int)
        for pair, trades in state["trades"].items():
            self._trades[pair] = [Trade(**trade) for trade in trades]

    def _check_pair(self, pair: str) -> None:
        """Raise the API error for a pair this exchange does not trade."""
        if pair not in self._books:
            raise ExchangeError(f"Unknown currency pair {pair!r}")

    def _stamp(self) -> int:
        """Return a strictly increasing µs timestamp (order priority, trade id)."""
        self._last_stamp = max(self._clock(), self._last_stamp + 1)
        return self._last_stamp

    def _new_uuid(self) -> str:
        """Return a version-4 UUID drawn from the seeded id generator."""
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _create_account(
        self,
        login: str | None,
        rights: Iterable[str],
        *,
        house: bool = False,
        key: str | None = None,
        secret: str | None = None,
    ) -> Account:
        """Open an empty account with the next index."""
        index = str(self._next_account_index)
        self._next_account_index += 1
        opened = _format_time(self._clock())
        limit = HOUSE_HISTORY_LIMIT if house else HISTORY_LIMIT
        account = Account(
            index=index,
            id=self._new_uuid(),
            login=login or f"user{index}",
            rights=list(rights),
            language="en_US",
            created=opened,
            last_login=opened,
            trade_fee_bp=0 if house else DEFAULT_TRADE_FEE_BP,
            wallets={
                code: Wallet(code, history_limit=limit) for code in WALLET_CURRENCIES
            },
            key=key,
            secret=secret,
            house=house,
        )
        self._accounts[index] = account
        return account

    def _mint(self, wallet: Wallet, amount_int: int) -> None:
        """Create money; only the house's opening balances come from here."""
        if amount_int:
            date = self._clock() // MICROSECONDS
            self._post(wallet, "deposit", amount_int, "Opening balance", date)

    def _post(
        self,
        wallet: Wallet,
        kind: str,
        delta: int,
        info: str,
        date: int,
        trade: HistoryTrade | None = None,
    ) -> None:
        """Change a balance and record the movement in the wallet's history."""
        wallet.balance_int += delta
        wallet.history.append(
            HistoryEntry(
                index=wallet.next_history_index,
                date=date,
                type=kind,
                value_int=abs(delta),
                balance_int=wallet.balance_int,
                info=info,
                link=None
                if trade is None
                else [trade.oid, "Money_Trade", str(trade.tid)],
                trade=trade,
            )
        )
        wallet.next_history_index += 1
        del wallet.history[: -wallet.history_limit]

    def _reserve_wallet(self, order: Order) -> Wallet:
        """Return the wallet an order's reserve is held in."""
        account = self._accounts[order.account_index]
        return account.wallets[order.currency if order.side == "bid" else BASE]

    def _release(self, order: Order, amount_int: int) -> None:
        """Give back part of an order's reserve to its wallet's available funds."""
        order.reserved_int -= amount_int
        self._reserve_wallet(order).reserved_int -= amount_int

    def _rest(self, order: Order, price_int: int) -> None:
        """Put an open limit order on its book."""
        book = self._books[order.pair][order.side]
        bisect.insort(book, (price_int, order), key=_book_key(order.side))

    def _cancel(self, order: Order) -> None:
        """Take an open order off its book and close it as cancelled."""
        book = self._books[order.pair][order.side]
        book[:] = [entry for entry in book if entry[1] is not order]
        self._close(order, CANCELLED)

    def _close(self, order: Order, status: str) -> None:
        """Close an order, release what it still reserves, forget it if unfilled."""
        order.status = status
        order.closed_us = self._clock()
        self._release(order, order.reserved_int)
        if not order.fills:
            del self._orders[order.oid]

    def _forget_old_orders(self, cutoff_us: int) -> None:
        """Drop closed orders that closed before ``cutoff_us``."""
        self._orders = {
            oid: order
            for oid, order in self._orders.items()
            if order.closed_us is None or order.closed_us >= cutoff_us
        }

    def _match(self, taker: Order) -> None:
        """Trade a new order against the opposite side while prices cross."""
        book = self._books[taker.pair]["ask" if taker.side == "bid" else "bid"]
        while taker.amount_int and book:
            price, maker = book[0]
            limit = taker.price_int
            if limit is not None and (
                price > limit if taker.side == "bid" else price < limit
            ):
                break
            amount_int = min(taker.amount_int, maker.amount_int)
            out_of_money = False
            if taker.side == "bid" and limit is None:
                # A market bid buys what its budget (its reserve) pays for in full.
                affordable = taker.reserved_int * BTC_MULTIPLIER // price
                out_of_money = affordable < amount_int
                amount_int = min(amount_int, affordable)
                if amount_int == 0:
                    break
            self._fill(taker, maker, amount_int, price)
            if maker.amount_int == 0:
                book.pop(0)
                self._close(maker, COMPLETED)
            if out_of_money:
                # Its few units of change would buy dust that rounds to a
                # value of 0, one satoshi at a time: stop here instead.
                break

    def _fill(
        self, taker: Order, maker: Order, amount_int: int, price_int: int
    ) -> None:
        """Exchange BTC for the quote currency between two orders, with fees."""
        buyer, seller = (taker, maker) if taker.side == "bid" else (maker, taker)
        quote = taker.currency
        tid = self._stamp()
        date = tid // MICROSECONDS
        value_int = amount_int * price_int // BTC_MULTIPLIER
        properties = "market" if taker.price_int is None else "limit"
        self._record_trade(
            Trade(tid, date, taker.pair, price_int, amount_int, taker.side, properties)
        )
        for order in (buyer, seller):
            order.amount_int -= amount_int
            order.fills.append(
                OrderFill(tid, date, amount_int, price_int, value_int, properties)
            )
            self._accounts[order.account_index].monthly_volume_int += amount_int
        deal = f"[tid:{tid}] {_plain_display(amount_int, BASE)} at {_plain_display(price_int, quote)}"
        bought, sold = f"BTC bought: {deal}", f"BTC sold: {deal}"
        buyer_ref = HistoryTrade(buyer.oid, tid, amount_int, properties)
        seller_ref = HistoryTrade(seller.oid, tid, amount_int, properties)
        self._pay(buyer, "spent", value_int, bought, date, buyer_ref)
        self._pay(seller, "out", amount_int, sold, date, seller_ref)
        buyer_account = self._accounts[buyer.account_index]
        seller_account = self._accounts[seller.account_index]
        self._credit(buyer_account, BASE, "in", amount_int, bought, date, buyer_ref)
        self._credit(seller_account, quote, "earned", value_int, sold, date, seller_ref)
        if buyer.price_int is not None:
            # A fill below the bid's limit, or rounding, leaves a surplus to free.
            still_needed = buyer.amount_int * buyer.price_int // BTC_MULTIPLIER
            self._release(buyer, buyer.reserved_int - still_needed)

    def _pay(
        self,
        order: Order,
        kind: str,
        value_int: int,
        info: str,
        date: int,
        trade: HistoryTrade,
    ) -> None:
        """Pay part of a trade out of the order's reserve."""
        self._release(order, value_int)
        self._post(self._reserve_wallet(order), kind, -value_int, info, date, trade)

    def _credit(
        self,
        account: Account,
        code: str,
        kind: str,
        value_int: int,
        info: str,
        date: int,
        trade: HistoryTrade,
    ) -> None:
        """Pay a trade's proceeds into an account and charge its fee on them."""
        wallet = account.wallets[code]
        self._post(wallet, kind, value_int, info, date, trade)
        fee = value_int * account.trade_fee_bp // BASIS_POINTS
        if fee:
            self._post(
                wallet, "fee", -fee, f"{info} ({account.trade_fee}% fee)", date, trade
            )
            collector = self.house_account("fees").wallets[code]
            self._post(
                collector, "in", fee, f"Fee from {account.login}: {info}", date, trade
            )

    def _record_trade(self, trade: Trade) -> None:
        """Append a public trade and drop those older than the 24-hour window."""
        trades = self._trades[trade.pair]
        trades.append(trade)
        self._last_prices[trade.pair] = trade.price_int
        cutoff = trade.tid - TRADE_WINDOW_US
        del trades[: bisect.bisect_right(trades, cutoff, key=lambda t: t.tid)]

    def _recent_trades(self, pair: str, now: int) -> list[Trade]:
        """Return the trades of the last 24 hours before ``now``."""
        cutoff = now - TRADE_WINDOW_US
        return [trade for trade in self._trades[pair] if trade.tid > cutoff]

    def _levels(self, book: list[_Resting]) -> list[DepthLevel]:
        """Aggregate book entries (in book order) into price levels."""
        levels: list[DepthLevel] = []
        for price, order in book:
            if levels and levels[-1].price_int == price:
                last = levels[-1]
                levels[-1] = DepthLevel(
                    price,
                    last.amount_int + order.amount_int,
                    max(last.stamp, order.priority),
                )
            else:
                levels.append(DepthLevel(price, order.amount_int, order.priority))
        return levels
