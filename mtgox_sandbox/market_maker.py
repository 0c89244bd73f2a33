"""The house market makers: a random walk quoted around, and a crossing trader.

Uses only the exchange's public interface.  Each step walks every pair's
reference price by up to :data:`WALK_STEP_BP`, replaces the maker's quotes
with :data:`QUOTE_LEVELS` levels a side around it and, with probability
:data:`CROSS_PROBABILITY`, sends a market order from the taker account; then
it lets the exchange forget closed orders older than 24 hours and trades
older than a year.  Its generator's
state and the reference prices are saved with the exchange (``remember``),
so a restarted sandbox walks on exactly as it would have.
"""

from typing import TYPE_CHECKING, Final

from .engine.models import (
    BASIS_POINTS,
    CROSS_PROBABILITY,
    INSUFFICIENT_FUNDS_TOKEN,
    MIN_ORDER_AMOUNT_INT,
    QUOTE_LEVELS,
    QUOTE_SPACING_BP,
    START_PRICES,
    TRADE_HISTORY_US,
    TRADE_WINDOW_US,
    WALK_STEP_BP,
    Account,
    ExchangeError,
    restore_rng,
    rng_state,
    seeded_rng,
)

if TYPE_CHECKING:
    from .exchange import Exchange

STATE_NAME: Final = "market_maker"


class MarketMaker:
    """Moves one exchange's market, reproducibly from its seed."""

    def __init__(self, exchange: "Exchange", seed: int) -> None:
        """Carry on from the saved state, or start a walk from ``seed``."""
        self._exchange = exchange
        saved = exchange.recall(STATE_NAME)
        if saved is None:
            self._rng = seeded_rng(seed)
            self.reference_prices = dict(START_PRICES)
        else:
            self._rng = restore_rng(saved["rng"])
            self.reference_prices = dict(saved["reference_prices"])

    def requote_all(self) -> None:
        """Quote every pair around its reference price."""
        for pair in self._exchange.pairs:
            self._requote(pair)
        self._save()

    def step(self) -> None:
        """Walk each reference price, re-quote the books, sometimes cross them."""
        exchange = self._exchange
        for pair in exchange.pairs:
            start = START_PRICES[pair]
            move = self._rng.randint(-WALK_STEP_BP, WALK_STEP_BP)
            moved = self.reference_prices[pair] * (BASIS_POINTS + move) // BASIS_POINTS
            self.reference_prices[pair] = min(max(moved, start // 4), start * 4)
            self._requote(pair)
            if self._rng.random() < CROSS_PROBABILITY:
                side = self._rng.choice(("bid", "ask"))
                amount_int = self._rng.randint(1, 200) * MIN_ORDER_AMOUNT_INT
                self._try_place(
                    exchange.house_account("taker"), pair, side, amount_int, None
                )
        now = exchange.now()
        exchange.forget_before(now - TRADE_WINDOW_US, now - TRADE_HISTORY_US)
        self._save()

    def _save(self) -> None:
        """Save the generator and the reference prices with the transaction."""
        self._exchange.remember(
            STATE_NAME,
            {"rng": rng_state(self._rng), "reference_prices": self.reference_prices},
        )

    def _requote(self, pair: str) -> None:
        """Replace the maker's quotes with levels around the reference price."""
        exchange = self._exchange
        maker = exchange.house_account("maker")
        for order in exchange.open_orders(maker):
            if order.pair == pair:
                exchange.cancel_order(maker, order.oid)
        reference = self.reference_prices[pair]
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
            self._exchange.place_order(account, pair, side, amount_int, price)
        except ExchangeError as error:
            if error.token != INSUFFICIENT_FUNDS_TOKEN:
                raise
