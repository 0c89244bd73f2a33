"""Trading never creates or destroys money and never overdraws a wallet, nor do restarts.

Hypothesis drives the exchange through arbitrary sequences of orders (any pair,
side, amount, limit or market), cancels and market-maker steps; after every
operation each currency's total is what it was at the start, and every wallet's
reserve matches its open orders and fits inside its balance.  The same runs
on a database file with restarts in between (some as crashes, without the
last commit) check the totals the database itself holds.
"""

import contextlib
import itertools
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mtgox_sandbox.engine.models import (
    BTC_MULTIPLIER,
    MIN_ORDER_AMOUNT_INT,
    PAIRS,
    START_PRICES,
    ExchangeError,
)
from mtgox_sandbox.exchange import Exchange

from .helpers import memory_exchange

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


def run(exchange: Exchange, operation: Place | Cancel | Step) -> str | None:
    """Apply one operation; return the message of a refused order, if any."""
    users = [exchange.account_for_key(f"key{n}") for n in range(USERS)]
    match operation:
        case Place(user, pair, side, amount_int, permille):
            price = None if permille is None else START_PRICES[pair] * permille // 1000
            account = users[user]
            assert account is not None
            try:
                exchange.place_order(account, pair, side, amount_int, price)
            except ExchangeError as error:
                return error.message
        case Cancel(user, which):
            account = users[user]
            assert account is not None
            open_orders = exchange.open_orders(account)
            if open_orders:
                order = open_orders[which % len(open_orders)]
                exchange.cancel_order(account, order.oid)
        case Step():
            exchange.step_market()
    return None


@settings(max_examples=200, deadline=None)
@given(st.lists(operations, max_size=30), st.integers(0, 2**32))
def test_trading_conserves_every_currency(
    script: list[Place | Cancel | Step], seed: int
) -> None:
    with memory_exchange(
        seed=seed, clock_us=itertools.count(START_US, 1_000).__next__
    ) as exchange:
        for n in range(USERS):
            exchange.add_account(f"key{n}", "secret", ["trade"])
        totals = exchange.totals()
        refusals: set[str] = set()
        for operation in script:
            refusal = run(exchange, operation)
            if refusal is not None:
                refusals.add(refusal)
            assert exchange.totals() == totals
            assert_books_are_sound(exchange)
        assert refusals <= {"Order amount is too low", "Insufficient funds"}


@dataclass(frozen=True)
class Restart:
    """Close the database and open it again; ``committed`` False: as a crash."""

    committed: bool


def database_totals(path: Path) -> dict[str, int]:
    """Return each currency's total over every wallet row, read by a fresh reader."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT currency, sum(balance_int) FROM wallets GROUP BY currency"
        ).fetchall()
    return dict(rows)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(operations | st.builds(Restart, st.booleans()), max_size=25),
    st.integers(0, 2**32),
)
def test_restarts_conserve_money_in_the_database(
    script: list[Place | Cancel | Step | Restart], seed: int
) -> None:
    clock = itertools.count(START_US, 1_000).__next__
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "sandbox.db"
        exchange = Exchange.open(path, seed=seed, clock_us=clock)
        for n in range(USERS):
            exchange.add_account(f"key{n}", "secret", ["trade"])
        exchange.commit()
        totals = database_totals(path)
        assert totals == exchange.totals()
        for operation in script:
            if isinstance(operation, Restart):
                if operation.committed:
                    exchange.commit()
                exchange.store.close()
                exchange = Exchange.open(path, clock_us=clock)
            else:
                run(exchange, operation)
                exchange.commit()
            assert database_totals(path) == totals
            assert exchange.totals() == totals
            assert_books_are_sound(exchange)
        exchange.store.close()
