"""A new exchange's made-up past, and the trade history kept and served by page."""

from pathlib import Path
from typing import Final

from mtgox_sandbox.engine.models import (
    PAIRS,
    START_PRICES,
    TRADE_HISTORY_US,
    TRADE_WINDOW_US,
    TRADES_PAGE,
)
from mtgox_sandbox.engine.past_trades import DAY_US
from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.store import Store

from .helpers import memory_exchange

NOW_US: Final = 1_390_000_000_000_000
"""2014-01-17."""


def test_a_new_exchange_starts_with_its_past() -> None:
    """Two days per pair before the clock, in order, around the start price."""
    with memory_exchange(seed=3, clock_us=lambda: NOW_US, past_days=2) as exchange:
        for pair in PAIRS:
            trades = exchange.store.trades(pair, 0)
            tids = [t.tid for t in trades]
            assert tids == sorted(set(tids))
            assert NOW_US - 2 * DAY_US < tids[0] < NOW_US - 2 * DAY_US + DAY_US // 24
            assert NOW_US - DAY_US // 24 < tids[-1] < NOW_US
            assert 1500 < len(trades) < 2500  # about 960 a day
            start = START_PRICES[pair]
            assert all(start // 4 <= t.price_int <= start * 4 for t in trades)
            assert trades[-1].price_int == start
            assert all(t.date == t.tid // 1_000_000 for t in trades)
        # The ticker counts the last 24 hours of them; no account paid anything.
        assert exchange.ticker("BTCUSD").vol > 0
        with memory_exchange(seed=3, clock_us=lambda: NOW_US) as bare:
            assert exchange.totals() == bare.totals()
            assert bare.store.trades("BTCUSD", 0) == []


def test_the_past_is_the_seeds() -> None:
    """The same seed makes the same past; another seed another one."""
    made = []
    for seed in (3, 3, 4):
        with memory_exchange(seed=seed, clock_us=lambda: NOW_US, past_days=1) as ex:
            made.append(ex.store.trades("BTCGBP", 0))
    assert made[0] == made[1] != made[2]


def test_the_past_is_written_once(tmp_path: Path) -> None:
    """A stored exchange keeps its own trades whatever ``past_days`` says later."""
    path = tmp_path / "state.db"
    first = Exchange.open(path, clock_us=lambda: NOW_US, past_days=1)
    count = len(first.store.trades("BTCUSD", 0))
    first.store.close()
    again = Exchange.open(path, clock_us=lambda: NOW_US + DAY_US, past_days=5)
    assert len(again.store.trades("BTCUSD", 0)) == count
    again.store.close()


def test_trades_are_kept_a_year_and_served_by_page() -> None:
    """Older than 24 h: still listed after ``since``, 1,000 at a time; past a year: gone."""
    clock = [NOW_US]
    with memory_exchange(seed=3, clock_us=lambda: clock[0], past_days=3) as exchange:
        stored = exchange.store.trades("BTCUSD", 0)
        clock[0] += TRADE_WINDOW_US
        exchange.step_market()
        assert exchange.store.trades("BTCUSD", 0)[: len(stored)] == stored
        page = exchange.trades("BTCUSD", 0)
        assert page == stored[:TRADES_PAGE]
        assert exchange.trades("BTCUSD", page[-1].tid)[0] == stored[TRADES_PAGE]
        # Without since: the last 24 hours only, as before.
        assert all(
            t.tid > clock[0] - TRADE_WINDOW_US for t in exchange.trades("BTCUSD", None)
        )
        clock[0] = stored[0].tid + TRADE_HISTORY_US + 1
        exchange.step_market()
        assert exchange.store.trades("BTCUSD", 0)[0] != stored[0]


def test_the_demos_month() -> None:
    """The demo's 30 days: over 100,000 trades over the four pairs."""
    store = Store()
    exchange = Exchange(store=store, clock_us=lambda: NOW_US, past_days=30)
    assert sum(len(store.trades(pair, 0)) for pair in PAIRS) > 100_000
    assert exchange.store is store
