"""A made-up past for a new exchange: days of public trades before it opened.

The demo starts with a month of trades so that charts of the past are full on
its first day.  Per pair a seeded random walk runs backwards in time from the
pair's current price: one trade every :data:`MEAN_GAP_US` on average
(exponential gaps), each moving the price by up to :data:`STEP_BP` basis
points (clamped like the market makers' walk), 0.01 to 2 BTC, either side.
The newest generated trade is older than the exchange's clock, so new tids
stay increasing.  The trades are public only: no account paid or received
anything, and the money supply is untouched.
"""

from collections.abc import Iterator, Mapping
from random import Random
from typing import Final

from mtgox_sandbox.store import Store

from .models import (
    BASIS_POINTS,
    MICROSECONDS,
    MIN_ORDER_AMOUNT_INT,
    START_PRICES,
    Trade,
    seeded_rng,
)

DAY_US: Final = 24 * 3600 * MICROSECONDS
MEAN_GAP_US: Final = 90 * MICROSECONDS
"""About 960 trades a day per pair: a full page of history every day or so."""
STEP_BP: Final = 10


def write(
    store: Store, prices: Mapping[str, int], now_us: int, days: int, seed: int
) -> int:
    """Insert ``days`` of trades before ``now_us`` per pair priced in ``prices``.

    One statement per pair, in the store's open transaction; returns how many.
    """
    written = 0
    for pair, price in prices.items():
        rng = seeded_rng(f"past:{seed}:{pair}")
        trades = list(_walk_back(pair, price, now_us, now_us - days * DAY_US, rng))
        store.append_trades(trades)
        written += len(trades)
    return written


def _walk_back(
    pair: str, price: int, end_us: int, start_us: int, rng: Random
) -> Iterator[Trade]:
    """Yield trades from ``end_us`` back to ``start_us``, newest first."""
    low, high = START_PRICES[pair] // 4, START_PRICES[pair] * 4
    draw, gap = rng.random, rng.expovariate
    # rng.random() beats randint and choice about threefold: a month of four
    # pairs is 115,000 trades, written at the demo's first start.
    tid = end_us - 1 - int(gap(1 / MEAN_GAP_US))
    while tid > start_us:
        yield Trade(
            tid=tid,
            date=tid // MICROSECONDS,
            pair=pair,
            price_int=price,
            amount_int=(1 + int(draw() * 200)) * MIN_ORDER_AMOUNT_INT,
            trade_type="bid" if draw() < 0.5 else "ask",
            properties="limit",
        )
        move = int(draw() * (2 * STEP_BP + 1)) - STEP_BP
        price = min(max(price * (BASIS_POINTS + move) // BASIS_POINTS, low), high)
        tid -= 1 + int(gap(1 / MEAN_GAP_US))
