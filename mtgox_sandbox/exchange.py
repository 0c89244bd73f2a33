"""The sandbox exchange: the engine's public interface, over its parts and its store.

Synchronous, with no clock but the injected ``clock_us`` and integer amounts
(:mod:`mtgox_sandbox.money`); its parts are in :mod:`mtgox_sandbox.engine`
(the module table is in ``mtgox_sandbox/README.md``).  Every change goes to
the store (SQLite); :meth:`Exchange.commit` ends the transaction, and the
server commits before it answers.

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
  available to ``order_result`` for 24 hours, trades for a year (both pruned
  by :meth:`step_market`).
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

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Self

from .engine import past_trades, snapshot
from .engine.accounts import Accounts
from .engine.book import OrderBook
from .engine.feed import Feed, TradeEvent
from .engine.ledger import Ledger
from .engine.market_data import MarketData
from .engine.matching import Matching
from .engine.models import (
    MICROSECONDS,
    OPEN,
    ORDER_NOT_FOUND,
    PAIRS,
    START_PRICES,
    UNKNOWN_ERROR_TOKEN,
    Account,
    Depth,
    ExchangeError,
    HistoryPage,
    HouseRole,
    Order,
    OrderResult,
    Ticker,
    Trade,
    now_us,
    parse_side,
    restore_rng,
    seeded_rng,
    uuid4_text,
)
from .market_maker import MarketMaker
from .store import Store


class Exchange:
    """A Mt.Gox-like exchange for several BTC pairs with house market makers.

    Without ``store`` it lives in an in-memory database; a store that already
    holds an exchange is carried on (``seed`` is then ignored).  A new one
    starts with ``past_days`` of made-up public trades (``engine/past_trades``).
    """

    pairs: tuple[str, ...] = PAIRS

    def __init__(
        self,
        *,
        seed: int = 0,
        clock_us: Callable[[], int] = now_us,
        store: Store | None = None,
        past_days: int = 0,
    ) -> None:
        """Open the stored exchange, or a new one with funded house accounts."""
        self.store = Store() if store is None else store
        self.feed = Feed()
        self._clock = clock_us
        books = {pair: OrderBook() for pair in self.pairs}
        self._ledger = Ledger(self.store, self.feed)
        fresh = self.store.is_empty
        self._meta: dict[str, Any] = (
            {
                "seed": seed,
                "ids": [f"ids:{seed}", 0],
                "last_stamp": 0,
                "house": {},
                "last_prices": dict(START_PRICES),
            }
            if fresh
            else self.store.meta()
        )
        # Only the generator's start and its number of draws are saved: cheaper
        # per order than its whole state, and replayed in well under a second.
        start, drawn = self._meta["ids"]
        self._ids = restore_rng(start) if isinstance(start, list) else seeded_rng(start)
        for _ in range(drawn):
            self._ids.getrandbits(128)
        self._accounts = Accounts(
            self.store, self._ledger, clock_us, self._new_uuid, self._meta["house"]
        )
        self._market = MarketData(books, self.store, clock_us, dict(START_PRICES))
        self._matching = Matching(
            books,
            self._accounts.by_index,
            self._ledger,
            self.store,
            self.feed,
            clock_us,
            self._stamp,
            lambda: self.house_account("fees"),
            self._record_trade,
        )
        if fresh:
            self._accounts.open_house()
            for name, value in self._meta.items():
                self.store.set_meta(name, value)
            past_trades.write(self.store, START_PRICES, clock_us(), past_days, seed)
        else:
            self._load()
        self._market.load()
        self.market_maker = MarketMaker(self, self._meta["seed"])
        if fresh:
            self.market_maker.requote_all()
            self.commit()

    @classmethod
    def open(
        cls,
        path: str | Path | None,
        *,
        seed: int = 0,
        clock_us: Callable[[], int] = now_us,
        past_days: int = 0,
    ) -> Self:
        """Return the exchange of the database at ``path`` (None: in memory).

        A JSON state file of the sandbox before its database is imported once
        and kept beside it as ``<path>.json-backup``.
        """
        if path is not None and Path(path).exists() and not snapshot.is_database(path):
            return cls(clock_us=clock_us, store=snapshot.import_file(Path(path)))
        return cls(seed=seed, clock_us=clock_us, store=Store(path), past_days=past_days)

    def _load(self) -> None:
        """Rebuild the in-memory part (accounts, open orders) from the store."""
        self._accounts.load(self.store.accounts())
        for order in self.store.open_orders():
            self._matching.restore(order)
        self._market.last_prices.update(self._meta["last_prices"])

    # Transactions -----------------------------------------------------------------

    def commit(self) -> None:
        """Make every change so far durable as one transaction."""
        self.store.commit()

    def note_nonce(self, account: Account) -> None:
        """Save ``account``'s nonce high-water mark and tonces with the transaction."""
        self.store.mark_nonce(account)

    def now(self) -> int:
        """Return the engine's clock in Unix microseconds."""
        return self._clock()

    def recall(self, name: str) -> Any:
        """Return what :meth:`remember` saved under ``name``, or None."""
        return self._meta.get(name)

    def remember(self, name: str, value: Any) -> None:
        """Save a JSON value under ``name`` with the transaction (for the parts on top)."""
        self._meta[name] = value
        self.store.set_meta(name, value)

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
        return self._accounts.add(key, secret, rights, login, funds)

    def deposit(self, account: Account, currency: str, amount_int: int) -> None:
        """Move money from the house bank into an account (a ``deposit`` entry)."""
        self._accounts.deposit(account, currency, amount_int)

    def account_for_key(self, key: str) -> Account | None:
        """Return the account of a live (not revoked) API key."""
        return self._accounts.for_key(key)

    def revoke_key(self, key: str) -> bool:
        """Revoke an API key; return whether a live key was revoked."""
        return self._accounts.revoke(key)

    def set_rights(self, key: str, rights: Iterable[str]) -> Account:
        """Replace the rights of a key's account; raise ``KeyError`` if unknown."""
        return self._accounts.set_rights(key, rights)

    def house_account(self, role: HouseRole) -> Account:
        """Return one of the house accounts."""
        return self._accounts.house(role)

    @property
    def accounts(self) -> tuple[Account, ...]:
        """Return every account, the house's included, in opening order."""
        return tuple(self._accounts.by_index.values())

    def totals(self) -> dict[str, int]:
        """Return every currency's total balance over every account."""
        return self._accounts.totals()

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
        order_side = parse_side(side)
        if amount_int <= 0:
            raise ExchangeError('Invalid parameter "amount_int" (should be positive)')
        if price_int is not None and price_int <= 0:
            raise ExchangeError('Invalid parameter "price_int" (should be positive)')
        reserve = self._matching.reserve_for(
            account, pair, order_side, amount_int, price_int
        )
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
        self._matching.place(order)
        return order

    def cancel_order(self, account: Account, oid: str) -> Order:
        """Cancel one of the account's open orders and release its reserve."""
        order = self._matching.open_orders.get(oid)
        if order is None or order.account_index != account.index:
            raise ExchangeError(ORDER_NOT_FOUND, UNKNOWN_ERROR_TOKEN)
        self._matching.cancel(order)
        return order

    def open_orders(self, account: Account) -> list[Order]:
        """Return the account's open orders on every pair, oldest first."""
        return [
            order
            for order in self._matching.open_orders.values()
            if order.account_index == account.index
        ]

    def order(self, oid: str) -> Order | None:
        """Return an open order, or a closed one with fills of the last 24 hours."""
        return self._matching.open_orders.get(oid) or self.store.order(oid)

    def order_result(self, account: Account, side: str, oid: str) -> OrderResult:
        """Return the trades of one of the account's orders, open or closed."""
        order_side = parse_side(side)
        order = self.order(oid)
        if (
            order is None
            or order.account_index != account.index
            or order.side != order_side
        ):
            raise ExchangeError(ORDER_NOT_FOUND, UNKNOWN_ERROR_TOKEN)
        return OrderResult.of(order)

    def forget_before(self, orders_before_us: int, trades_before_us: int) -> None:
        """Forget orders closed before one time, and trades before another."""
        self.store.forget_before(orders_before_us, trades_before_us, self.pairs)

    # Market data ----------------------------------------------------------------

    def ticker(self, pair: str) -> Ticker:
        """Return the ticker from the last 24 hours of trades and the book's top."""
        self._check_pair(pair)
        return self._market.ticker(pair)

    def depth(self, pair: str) -> Depth:
        """Return the whole book of a pair, aggregated per price level."""
        self._check_pair(pair)
        return self._market.depth(pair)

    def trades(self, pair: str, since_tid: int | None) -> list[Trade]:
        """Return the last 24 hours of trades, or a page of those after ``since_tid``."""
        self._check_pair(pair)
        return self._market.trades(pair, since_tid)

    def wallet_history(self, account: Account, currency: str, page: int) -> HistoryPage:
        """Return one page (1-based, 50 entries, newest first) of a wallet's history."""
        return self._ledger.history_page(account, currency, page)

    # The market maker -----------------------------------------------------------

    def step_market(self) -> None:
        """Let the market makers move once (see :mod:`mtgox_sandbox.market_maker`)."""
        self.market_maker.step()

    def reference_price(self, pair: str) -> int:
        """Return the price the market makers currently quote around."""
        self._check_pair(pair)
        return self.market_maker.reference_prices[pair]

    def to_state(self) -> dict[str, Any]:
        """Return the whole exchange as the JSON state (version 1) once held it."""
        return snapshot.export_state(self)

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        clock_us: Callable[[], int] = now_us,
        store: Store | None = None,
    ) -> Self:
        """Import a :meth:`to_state` JSON state into ``store`` (default: in memory)."""
        target = Store() if store is None else store
        snapshot.import_state(state, target)
        return cls(clock_us=clock_us, store=target)

    # Internals ------------------------------------------------------------------

    def _check_pair(self, pair: str) -> None:
        """Raise the API error for a pair this exchange does not trade."""
        if pair not in self.pairs:
            raise ExchangeError(f"Unknown currency pair {pair!r}")

    def _stamp(self) -> int:
        """Return a strictly increasing µs timestamp (order priority, trade id)."""
        stamp: int = max(self._clock(), self._meta["last_stamp"] + 1)
        self.remember("last_stamp", stamp)
        return stamp

    def _new_uuid(self) -> str:
        """Return a version-4 UUID drawn from the seeded id generator."""
        start, drawn = self._meta["ids"]
        self.remember("ids", [start, drawn + 1])
        return uuid4_text(self._ids.getrandbits(128))

    def _record_trade(self, trade: Trade, parties: tuple[str, str]) -> None:
        """Store a trade, keep the pair's last price and publish the trade."""
        self._market.record(trade)
        if self.feed.wants(TradeEvent):
            self.feed.publish(TradeEvent(trade, parties))
        self.remember("last_prices", self._market.last_prices)
