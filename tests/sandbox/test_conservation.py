"""Trading never creates or destroys money and never overdraws a wallet.

Hypothesis drives the exchange through arbitrary sequences of orders (any pair,
side, amount, limit or market), cancels and market-maker steps; after every
operation each currency's total is what it was at the start, and every wallet's
reserve matches its open orders and fits inside its balance.
"""

import itertools
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from mtgox_sandbox.exchange import (
    BTC_MULTIPLIER,
    MIN_ORDER_AMOUNT_INT,
    PAIRS,
    START_PRICES,
    Exchange,
    ExchangeError,
)

USERS = 2
START_US = 1_390_000_000_000_000


@dataclass(frozen=True)
class Place:
    """Place an order; ``permille`` of the pair's start price, None for market."""

    user: int
    pair: str
    side: str
    amount_int: int
    permille: int | None


@dataclass(frozen=True)
class Cancel:
    """Cancel the user's ``which``-th open order (modulo how many there are)."""

    user: int
    which: int


@dataclass(frozen=True)
class Step:
    """Let the market makers move."""


operations = st.one_of(
    st.builds(
        Place,
        user=st.integers(0, USERS - 1),
        pair=st.sampled_from(PAIRS),
        side=st.sampled_from(["bid", "ask"]),
        # From below the minimum to more than a demo account holds.
        amount_int=st.integers(MIN_ORDER_AMOUNT_INT // 2, 15 * BTC_MULTIPLIER),
        permille=st.none() | st.integers(950, 1050),
    ),
    st.builds(Cancel, user=st.integers(0, USERS - 1), which=st.integers(0, 10)),
    st.just(Step()),
)


def assert_books_are_sound(exchange: Exchange) -> None:
    """Check every wallet's balance and reserve against the open orders."""
    for account in exchange.accounts:
        reserved = dict.fromkeys(account.wallets, 0)
        for order in exchange.open_orders(account):
            assert order.price_int is not None
            if order.side == "ask":
                assert order.reserved_int == order.amount_int
                reserved["BTC"] += order.reserved_int
            else:
                needed = order.amount_int * order.price_int // BTC_MULTIPLIER
                assert order.reserved_int == needed
                reserved[order.currency] += order.reserved_int
        for code, wallet in account.wallets.items():
            assert wallet.reserved_int == reserved[code]
            assert 0 <= wallet.reserved_int <= wallet.balance_int


@settings(max_examples=200, deadline=None)
@given(st.lists(operations, max_size=30), st.integers(0, 2**32))
def test_trading_conserves_every_currency(
    script: list[Place | Cancel | Step], seed: int
) -> None:
    exchange = Exchange(seed=seed, clock_us=itertools.count(START_US, 1_000).__next__)
    users = [exchange.add_account(f"key{n}", "secret", ["trade"]) for n in range(USERS)]
    totals = exchange.totals()
    refusals: set[str] = set()
    for operation in script:
        match operation:
            case Place(user, pair, side, amount_int, permille):
                price = (
                    None if permille is None else START_PRICES[pair] * permille // 1000
                )
                try:
                    exchange.place_order(users[user], pair, side, amount_int, price)
                except ExchangeError as error:
                    refusals.add(error.message)
            case Cancel(user, which):
                open_orders = exchange.open_orders(users[user])
                if open_orders:
                    order = open_orders[which % len(open_orders)]
                    exchange.cancel_order(users[user], order.oid)
            case Step():
                exchange.step_market()
        assert exchange.totals() == totals
        assert_books_are_sound(exchange)
    assert refusals <= {"Order amount is too low", "Insufficient funds"}
