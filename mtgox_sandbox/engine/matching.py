"""Placing, matching, settling and cancelling orders: fees and reserves.

The rules (trade value, reserves, market orders, fees) are described in
:mod:`mtgox_sandbox.exchange`.  Only open orders are kept here; a closed order
lives on in the store (with its fills) for ``order/result``.
"""

from collections.abc import Callable, Mapping

from mtgox_sandbox import money
from mtgox_sandbox.store import Store

from .book import OrderBook
from .feed import DepthEvent, Feed, OrderEvent, TickerEvent
from .ledger import Ledger
from .models import (
    AMOUNT_TOO_LOW,
    BASE,
    BASIS_POINTS,
    BTC_MULTIPLIER,
    CANCELLED,
    COMPLETED,
    INSUFFICIENT_FUNDS,
    INSUFFICIENT_FUNDS_TOKEN,
    MICROSECONDS,
    MIN_ORDER_AMOUNT_INT,
    VALUE_TOO_LOW,
    Account,
    ExchangeError,
    HistoryTrade,
    Order,
    OrderFill,
    Side,
    Trade,
    plain_display,
)


class Matching:
    """The open orders of every pair and the trades between them."""

    def __init__(
        self,
        books: Mapping[str, OrderBook],
        accounts: Mapping[str, Account],
        ledger: Ledger,
        store: Store,
        feed: Feed,
        clock: Callable[[], int],
        stamp: Callable[[], int],
        fee_collector: Callable[[], Account],
        on_trade: Callable[[Trade, tuple[str, str]], None],
    ) -> None:
        """Wire matching to the rest of the engine."""
        self.books = books
        self.open_orders: dict[str, Order] = {}
        self._accounts = accounts
        self._ledger = ledger
        self._store = store
        self._feed = feed
        self._clock = clock
        self._stamp = stamp
        self._fee_collector = fee_collector
        self._on_trade = on_trade

    def reserve_for(
        self,
        account: Account,
        pair: str,
        side: Side,
        amount_int: int,
        price: int | None,
    ) -> int:
        """Return what a new order must reserve, or raise why it cannot be placed."""
        if amount_int < MIN_ORDER_AMOUNT_INT:
            raise ExchangeError(AMOUNT_TOO_LOW)
        wallet = account.wallets[_reserve_currency(pair, side)]
        if side == "ask":
            reserve = amount_int
        elif price is None:
            reserve = wallet.available_int
        else:
            reserve = amount_int * price // BTC_MULTIPLIER
            if reserve == 0:
                # Nothing reserved would let an empty account rest orders forever.
                raise ExchangeError(VALUE_TOO_LOW)
        if reserve > wallet.available_int or (price is None and reserve == 0):
            raise ExchangeError(INSUFFICIENT_FUNDS, INSUFFICIENT_FUNDS_TOKEN)
        return reserve

    def place(self, order: Order) -> None:
        """Reserve for a new open order, match it, then rest or close it."""
        account = self._accounts[order.account_index]
        self._ledger.reserve(
            account, _reserve_currency(order.pair, order.side), order.reserved_int
        )
        self.open_orders[order.oid] = order
        self._changed(order)
        self._match(order)
        if order.amount_int and order.price_int is not None:
            self._rest(order, order.price_int)
        else:
            status = COMPLETED if order.amount_int == 0 else CANCELLED
            self._close(order, status, "completed_active")

    def cancel(self, order: Order) -> None:
        """Take an open order off its book and close it as cancelled."""
        assert order.price_int is not None  # only limit orders rest  # noqa: S101
        book = self.books[order.pair]
        book.side(order.side).remove(order, order.price_int)
        self._depth_changed(
            book, order.pair, order.side, order.price_int, -order.amount_int
        )
        self._close(order, CANCELLED, "requested")

    def restore(self, order: Order) -> None:
        """Put an open order loaded from the store back on its book."""
        assert order.price_int is not None  # noqa: S101
        self.open_orders[order.oid] = order
        self.books[order.pair].side(order.side).insert(order, order.price_int)

    def _rest(self, order: Order, price_int: int) -> None:
        """Put an open limit order on its book."""
        book = self.books[order.pair]
        book.side(order.side).insert(order, price_int)
        self._depth_changed(book, order.pair, order.side, price_int, order.amount_int)

    def _close(self, order: Order, status: str, reason: str) -> None:
        """Close an order and release what it still reserves."""
        order.status = status
        order.closed_us = self._clock()
        self._release(order, order.reserved_int)
        del self.open_orders[order.oid]
        self._changed(order, reason)

    def _changed(self, order: Order, reason: str | None = None) -> None:
        """Save the order with the transaction and tell the feed."""
        self._store.mark_order(order)
        if self._feed.wants(OrderEvent):
            self._feed.publish(
                OrderEvent(
                    order.account_index,
                    order.oid,
                    order.pair,
                    order.status,
                    order.amount_int,
                    reason,
                )
            )

    def _depth_changed(
        self, book: OrderBook, pair: str, side: Side, price: int, change: int
    ) -> None:
        """Tell the feed the volume now resting at one price of one side."""
        if self._feed.wants(DepthEvent):
            level = book.side(side).volume_at(price)
            self._feed.publish(DepthEvent(pair, side, price, level, change))
        if self._feed.wants(TickerEvent):
            self._feed.publish(TickerEvent(pair))

    def _release(self, order: Order, amount_int: int) -> None:
        """Give back part of an order's reserve to its wallet's available funds."""
        order.reserved_int -= amount_int
        account = self._accounts[order.account_index]
        self._ledger.reserve(
            account, _reserve_currency(order.pair, order.side), -amount_int
        )

    def _match(self, taker: Order) -> None:
        """Trade a new order against the opposite side while prices cross."""
        book = self.books[taker.pair]
        makers = book.opposite(taker.side)
        limit = taker.price_int
        while taker.amount_int and (best := makers.best()) is not None:
            price, maker = best
            if limit is not None and (
                price > limit if taker.side == "bid" else price < limit
            ):
                break
            amount_int = min(taker.amount_int, maker.amount_int)
            if taker.side == "bid" and limit is None:
                # A market bid buys what its budget (its reserve) pays for in full.
                affordable = taker.reserved_int * BTC_MULTIPLIER // price
                amount_int = min(amount_int, affordable)
                if amount_int * price < BTC_MULTIPLIER:
                    # Change worth less than one unit: a trade with it would
                    # hand the seller bitcoins for a value of 0.
                    break
            self._fill(taker, maker, amount_int, price)
            if maker.amount_int == 0:
                makers.remove(maker, price)
                self._close(maker, COMPLETED, "completed_passive")
            self._depth_changed(book, taker.pair, maker.side, price, -amount_int)

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
        self._on_trade(
            Trade(tid, date, taker.pair, price_int, amount_int, taker.side, properties),
            (buyer.account_index, seller.account_index),
        )
        for order in (buyer, seller):
            order.amount_int -= amount_int
            fill = OrderFill(tid, date, amount_int, price_int, value_int, properties)
            order.fills.append(fill)
            self._store.append_fill(order.oid, fill)
            account = self._accounts[order.account_index]
            account.monthly_volume_int += amount_int
            self._ledger.save_account(account)
            self._changed(order)
        deal = f"[tid:{tid}] {plain_display(amount_int, BASE)} at {plain_display(price_int, quote)}"
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
        account = self._accounts[order.account_index]
        code = _reserve_currency(order.pair, order.side)
        self._ledger.post(account, code, -value_int, kind, info, date, trade)

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
        self._ledger.post(account, code, value_int, kind, info, date, trade)
        fee = value_int * account.trade_fee_bp // BASIS_POINTS
        if fee:
            charged = f"{info} ({account.trade_fee}% fee)"
            self._ledger.post(account, code, -fee, "fee", charged, date, trade)
            collected = f"Fee from {account.login}: {info}"
            self._ledger.post(
                self._fee_collector(), code, fee, "in", collected, date, trade
            )


def _reserve_currency(pair: str, side: Side) -> str:
    """Return the currency an order of ``side`` on ``pair`` reserves."""
    return money.pair_currencies(pair)[1] if side == "bid" else BASE
