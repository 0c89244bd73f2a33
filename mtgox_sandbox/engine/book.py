"""One pair's order book: open limit orders in price-time priority.

Each side keeps its distinct prices sorted (best first) and, per price, its
orders in arrival order (a dict keyed by oid keeps insertion order), so
inserting or cancelling an order finds its level by bisection and its place
by key: no scan of the book.
"""

import bisect
from collections.abc import Iterator

from .models import DepthLevel, Order, Side


class BookSide:
    """The bids or the asks of one pair."""

    def __init__(self, side: Side) -> None:
        """Start empty; bids rank the highest price first, asks the lowest."""
        self._sign = -1 if side == "bid" else 1
        self._keys: list[int] = []
        """Signed prices, ascending: the best level first."""
        self._levels: dict[int, dict[str, Order]] = {}

    def insert(self, order: Order, price_int: int) -> None:
        """Put ``order`` behind every order already resting at ``price_int``."""
        level = self._levels.get(price_int)
        if level is None:
            level = self._levels[price_int] = {}
            bisect.insort(self._keys, self._sign * price_int)
        level[order.oid] = order

    def remove(self, order: Order, price_int: int) -> None:
        """Take ``order`` off the book."""
        level = self._levels[price_int]
        del level[order.oid]
        if not level:
            del self._levels[price_int]
            key = self._sign * price_int
            del self._keys[bisect.bisect_left(self._keys, key)]

    def best(self) -> tuple[int, Order] | None:
        """Return the best price and its oldest order, or None when empty."""
        if not self._keys:
            return None
        price = self._sign * self._keys[0]
        return price, next(iter(self._levels[price].values()))

    def best_price(self) -> int:
        """Return the best price, 0 when this side is empty (as the ticker shows)."""
        return self._sign * self._keys[0] if self._keys else 0

    def volume_at(self, price_int: int) -> int:
        """Return the volume resting at ``price_int`` (0 when none)."""
        level = self._levels.get(price_int, {})
        return sum(order.amount_int for order in level.values())

    def levels(self) -> Iterator[DepthLevel]:
        """Yield one aggregated level per price, best first."""
        for key in self._keys:
            price = self._sign * key
            orders = self._levels[price].values()
            yield DepthLevel(
                price,
                sum(order.amount_int for order in orders),
                max(order.priority for order in orders),
            )


class OrderBook:
    """Both sides of one pair's book."""

    def __init__(self) -> None:
        """Start with both sides empty."""
        self.bids = BookSide("bid")
        self.asks = BookSide("ask")

    def side(self, side: Side) -> BookSide:
        """Return the side orders of ``side`` rest on."""
        return self.bids if side == "bid" else self.asks

    def opposite(self, side: Side) -> BookSide:
        """Return the side an order of ``side`` trades against."""
        return self.asks if side == "bid" else self.bids
