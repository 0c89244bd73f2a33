"""The feed's details for the streaming API: parties, level changes, reasons, postings."""

from mtgox_sandbox.engine.feed import (
    DepthEvent,
    OrderEvent,
    TradeEvent,
    WalletEvent,
)
from mtgox_sandbox.exchange import Exchange

from .test_feed import BTC, PRICE, exchange, listen

__all__ = ["exchange"]  # the fixture, shared with test_feed


def test_trade_parties_level_changes_and_close_reasons(exchange: Exchange) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    bob = exchange.add_account("bob", "secret", ["trade"])
    events = listen(exchange)
    ask = exchange.place_order(alice, "BTCUSD", "ask", 2 * BTC, PRICE)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, PRICE)
    exchange.cancel_order(alice, ask.oid)
    depth = [(e.amount_int, e.change_int) for e in events if isinstance(e, DepthEvent)]
    assert depth == [(2 * BTC, 2 * BTC), (BTC, -BTC), (0, -BTC)]
    [trade] = [e for e in events if isinstance(e, TradeEvent)]
    assert trade.parties == (bob.index, alice.index)
    reasons = {
        e.oid: e.reason
        for e in events
        if isinstance(e, OrderEvent) and e.status != "open"
    }
    assert reasons == {bid.oid: "completed_active", ask.oid: "requested"}


def test_a_filled_resting_order_closes_passively_and_postings_are_described(
    exchange: Exchange,
) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    bob = exchange.add_account("bob", "secret", ["trade"])
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    events = listen(exchange)
    exchange.place_order(bob, "BTCUSD", "bid", BTC, None)
    closed = [e for e in events if isinstance(e, OrderEvent) and e.oid == ask.oid]
    assert closed[-1].reason == "completed_passive"
    postings = [
        (e.currency, e.entry.type, e.entry.value_int)
        for e in events
        if isinstance(e, WalletEvent) and e.account_index == alice.index and e.entry
    ]
    value = PRICE  # 1 BTC at PRICE
    assert postings == [
        ("BTC", "out", BTC),
        ("USD", "earned", value),
        ("USD", "fee", value * 60 // 10_000),
    ]
    reserve_only = [e for e in events if isinstance(e, WalletEvent) and e.entry is None]
    assert reserve_only
