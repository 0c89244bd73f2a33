"""Market data: the ticker over a sliding 24-hour window, depth and trade history.

The ticker's figures are kept up to date as trades happen and expire, so a
ticker costs the same after 100,000 trades as after one: running sums give
``avg``, ``vwap`` and ``vol``, and two monotonic queues give ``high`` and
``low`` (each trade enters and leaves each queue at most once).  Trade lists
are read from the store by index.
"""

from collections import deque
from collections.abc import Callable, Mapping

from mtgox_sandbox.store import Store

from .book import OrderBook
from .models import TRADE_WINDOW_US, TRADES_PAGE, Depth, Ticker, Trade


class TradeWindow:
    """One pair's trades of the last 24 hours, as the ticker needs them."""

    def __init__(self) -> None:
        """Start without trades."""
        self._trades: deque[tuple[int, int, int]] = deque()
        """``(tid, price_int, amount_int)``, oldest first."""
        self._highs: deque[tuple[int, int]] = deque()
        """``(tid, price)`` with falling prices: the window's high first."""
        self._lows: deque[tuple[int, int]] = deque()
        self._price_sum = 0
        self._volume = 0
        self._turnover = 0

    def add(self, trade: Trade) -> None:
        """Take a new trade (the newest) into the window."""
        tid, price, amount = trade.tid, trade.price_int, trade.amount_int
        self._trades.append((tid, price, amount))
        self._price_sum += price
        self._volume += amount
        self._turnover += price * amount
        while self._highs and self._highs[-1][1] <= price:
            self._highs.pop()
        self._highs.append((tid, price))
        while self._lows and self._lows[-1][1] >= price:
            self._lows.pop()
        self._lows.append((tid, price))

    def expire(self, now_us: int) -> None:
        """Drop the trades 24 hours old or older at ``now_us``."""
        cutoff = now_us - TRADE_WINDOW_US
        trades = self._trades
        while trades and trades[0][0] <= cutoff:
            tid, price, amount = trades.popleft()
            self._price_sum -= price
            self._volume -= amount
            self._turnover -= price * amount
            if self._highs[0][0] == tid:
                self._highs.popleft()
            if self._lows[0][0] == tid:
                self._lows.popleft()

    def ticker(self, pair: str, last: int, book: OrderBook, now: int) -> Ticker:
        """Return the ticker of the window (expired first) and the book's top."""
        self.expire(now)
        buy, sell = book.bids.best_price(), book.asks.best_price()
        if not self._trades:
            return Ticker(pair, last, last, last, last, 0, last, buy, sell, now)
        return Ticker(
            pair=pair,
            high=self._highs[0][1],
            low=self._lows[0][1],
            avg=self._price_sum // len(self._trades),
            vwap=self._turnover // self._volume,
            vol=self._volume,
            last=self._trades[-1][1],
            buy=buy,
            sell=sell,
            now=now,
        )


class MarketData:
    """Tickers, depth and trade lists of every pair."""

    def __init__(
        self,
        books: Mapping[str, OrderBook],
        store: Store,
        clock: Callable[[], int],
        last_prices: dict[str, int],
    ) -> None:
        """Read the books and the store; ``last_prices`` is updated in place."""
        self._books = books
        self._store = store
        self._clock = clock
        self.last_prices = last_prices
        self._windows = {pair: TradeWindow() for pair in books}

    def load(self) -> None:
        """Fill the windows with the stored trades of the last 24 hours."""
        after = self._clock() - TRADE_WINDOW_US
        for pair, window in self._windows.items():
            for trade in self._store.trades(pair, after):
                window.add(trade)

    def record(self, trade: Trade) -> None:
        """Store a new trade and count it in its pair's ticker."""
        self._store.append_trade(trade)
        self._windows[trade.pair].add(trade)
        self.last_prices[trade.pair] = trade.price_int

    def ticker(self, pair: str) -> Ticker:
        """Return the ticker from the last 24 hours of trades and the book's top."""
        window = self._windows[pair]
        return window.ticker(
            pair, self.last_prices[pair], self._books[pair], self._clock()
        )

    def depth(self, pair: str) -> Depth:
        """Return the whole book of a pair, aggregated per price level."""
        book = self._books[pair]
        return Depth(
            pair=pair,
            asks=list(book.asks.levels()),
            bids=list(book.bids.levels())[::-1],
            now=self._clock(),
        )

    def trades(self, pair: str, since_tid: int | None) -> list[Trade]:
        """Return the last 24 hours of trades, or the oldest page after ``since_tid``.

        A page holds at most :data:`TRADES_PAGE` trades, however old: clients
        read the history page by page, each from the last tid they got.
        """
        if since_tid is None:
            return self._store.trades(pair, self._clock() - TRADE_WINDOW_US)
        return self._store.trades(pair, since_tid, TRADES_PAGE)
