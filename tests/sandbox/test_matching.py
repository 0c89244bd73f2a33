"""What a fill records for both parties: history references and monthly volume."""

from mtgox_sandbox.engine.models import Account, HistoryTrade
from mtgox_sandbox.exchange import Exchange

from .test_exchange import BTC, USD, alice, bob, clock, exchange

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


def test_monthly_volume_adds_up_every_fill(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    before = alice.monthly_volume_int, bob.monthly_volume_int
    for amount in (BTC, 2 * BTC):
        exchange.place_order(alice, "BTCUSD", "ask", amount, 500 * USD)
        exchange.place_order(bob, "BTCUSD", "bid", amount, 500 * USD)

    after = alice.monthly_volume_int, bob.monthly_volume_int
    assert after == (before[0] + 3 * BTC, before[1] + 3 * BTC)
