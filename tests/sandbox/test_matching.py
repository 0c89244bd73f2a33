"""What matching records and publishes: references, volume, reserves, depth levels."""

import pytest

from mtgox_sandbox.engine.feed import DepthEvent
from mtgox_sandbox.engine.models import (
    MIN_ORDER_AMOUNT_INT,
    VALUE_TOO_LOW,
    Account,
    ExchangeError,
    HistoryTrade,
)
from mtgox_sandbox.exchange import Exchange

from .test_exchange import BTC, USD, alice, bob, clock, exchange
from .test_feed import listen

__all__ = ["alice", "bob", "clock", "exchange"]  # fixtures, shared with test_exchange


def test_every_entry_of_a_fill_refers_to_its_own_order_and_the_trade(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, 500 * USD)
    [trade] = exchange.trades("BTCUSD", None)

    def references(account: Account, code: str, count: int) -> list[object]:
        newest = exchange.wallet_history(account, code, 1).result[:count]
        return [entry.trade for entry in newest]

    bought = HistoryTrade(bid.oid, trade.tid, BTC, "limit")
    sold = HistoryTrade(ask.oid, trade.tid, BTC, "limit")
    # bob: USD spent; BTC in, then its fee. alice: BTC out; USD earned, then its fee.
    assert references(bob, "USD", 1) + references(bob, "BTC", 2) == [bought] * 3
    assert references(alice, "BTC", 1) + references(alice, "USD", 2) == [sold] * 3
    # The fees collected, each from its payer's side of the trade.
    fees = exchange.house_account("fees")
    assert references(fees, "BTC", 1) == [bought]
    assert references(fees, "USD", 1) == [sold]


def test_monthly_volume_adds_up_every_fill(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    before = alice.monthly_volume_int, bob.monthly_volume_int
    for amount in (BTC, 2 * BTC):
        exchange.place_order(alice, "BTCUSD", "ask", amount, 500 * USD)
        exchange.place_order(bob, "BTCUSD", "bid", amount, 500 * USD)

    after = alice.monthly_volume_int, bob.monthly_volume_int
    assert after == (before[0] + 3 * BTC, before[1] + 3 * BTC)


def test_a_bid_reserves_its_value_in_whole_units_rounded_down(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    # 1.00000001 BTC at 500.00001 USD is worth 500.0000150000001 USD.
    amount, price = BTC + 1, 500 * USD + 1
    bid = exchange.place_order(bob, "BTCUSD", "bid", amount, price)
    assert bid.reserved_int == 50_000_001
    assert bob.wallets["USD"].reserved_int == 50_000_001

    exchange.place_order(alice, "BTCUSD", "ask", BTC // 3, price)

    left = amount - BTC // 3  # 0.66666668 BTC, worth 333.33334666 USD
    assert bid.reserved_int == bob.wallets["USD"].reserved_int == 33_333_334
    assert bid.reserved_int == left * price // BTC
    assert type(bob.wallets["USD"].reserved_int) is int


def test_a_bid_is_refused_only_when_its_value_rounds_to_nothing(
    exchange: Exchange, bob: Account
) -> None:
    with pytest.raises(ExchangeError, match=f"^{VALUE_TOO_LOW}$"):
        exchange.place_order(bob, "BTCUSD", "bid", MIN_ORDER_AMOUNT_INT, 99)
    # 0.01 BTC at 0.001 USD is worth 0.00001 USD: one unit.
    bid = exchange.place_order(bob, "BTCUSD", "bid", MIN_ORDER_AMOUNT_INT, 100)
    assert bid.reserved_int == 1


def test_an_ask_at_the_best_bid_trades(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 500 * USD)

    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)

    assert ask.amount_int == 0
    assert [trade.price_int for trade in exchange.trades("BTCUSD", None)] == [500 * USD]


def test_a_resting_bid_publishes_the_volume_of_its_own_side(
    exchange: Exchange, bob: Account
) -> None:
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 500 * USD)
    events = listen(exchange)

    exchange.place_order(bob, "BTCUSD", "bid", 2 * BTC, 500 * USD)

    [depth] = [event for event in events if isinstance(event, DepthEvent)]
    assert depth == DepthEvent("BTCUSD", "bid", 500 * USD, 3 * BTC, 2 * BTC)
