"""The engine's feed: trades, depth, ticker, order and wallet changes, in order."""

from collections.abc import Iterator

import pytest

from mtgox_sandbox.engine.feed import (
    AccountEvent,
    DepthEvent,
    Event,
    OrderEvent,
    TickerEvent,
    TradeEvent,
    WalletEvent,
)
from mtgox_sandbox.exchange import Exchange

from .helpers import memory_exchange

BTC = 100_000_000
USD = 100_000
PRICE = 500 * USD


@pytest.fixture
def exchange() -> Iterator[Exchange]:
    """Return an exchange whose market maker has withdrawn its quotes."""
    with memory_exchange(seed=7) as exchange:
        maker = exchange.house_account("maker")
        for order in exchange.open_orders(maker):
            exchange.cancel_order(maker, order.oid)
        yield exchange


def listen(exchange: Exchange) -> list[Event]:
    """Return the list every later event of ``exchange`` is appended to."""
    events: list[Event] = []
    exchange.feed.subscribe(events.append)
    return events


def test_a_resting_order_publishes_order_wallet_depth_and_ticker(
    exchange: Exchange,
) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    events = listen(exchange)
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    assert events == [
        WalletEvent(alice.index, "BTC", 10 * BTC, BTC),
        OrderEvent(alice.index, ask.oid, "BTCUSD", "open", BTC),
        DepthEvent("BTCUSD", "ask", PRICE, BTC),
        TickerEvent("BTCUSD"),
    ]


def test_a_trade_is_published_before_what_it_changed(exchange: Exchange) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    bob = exchange.add_account("bob", "secret", ["trade"])
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    events = listen(exchange)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, PRICE)
    [trade] = [event for event in events if isinstance(event, TradeEvent)]
    assert (trade.trade.price_int, trade.trade.amount_int) == (PRICE, BTC)
    after = events[events.index(trade) + 1 :]
    closed = {e.oid: e.status for e in after if isinstance(e, OrderEvent)}
    assert closed == {ask.oid: "completed", bid.oid: "completed"}
    assert DepthEvent("BTCUSD", "ask", PRICE, 0) in after
    # Both parties' monthly volume moved.
    assert {AccountEvent(alice.index), AccountEvent(bob.index)} <= set(after)
    assert TickerEvent("BTCUSD") in after
    # Every wallet event carries the balance the wallet ended with last.
    last = {
        (e.account_index, e.currency): e for e in events if isinstance(e, WalletEvent)
    }
    for account in (alice, bob):
        for code in ("BTC", "USD"):
            wallet = account.wallets[code]
            event = last[account.index, code]
            assert (event.balance_int, event.reserved_int) == (
                wallet.balance_int,
                wallet.reserved_int,
            )


def test_a_cancel_publishes_the_closed_order_and_the_emptied_level(
    exchange: Exchange,
) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    events = listen(exchange)
    exchange.cancel_order(alice, ask.oid)
    assert events == [
        DepthEvent("BTCUSD", "ask", PRICE, 0),
        TickerEvent("BTCUSD"),
        WalletEvent(alice.index, "BTC", 10 * BTC, 0),
        OrderEvent(alice.index, ask.oid, "BTCUSD", "cancelled", BTC),
    ]


def test_unsubscribing_stops_the_events(exchange: Exchange) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    events: list[Event] = []
    unsubscribe = exchange.feed.subscribe(events.append)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    seen = len(events)
    unsubscribe()
    exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    assert seen > 0
    assert len(events) == seen


def test_rights_and_revocation_publish_the_account(exchange: Exchange) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    events = listen(exchange)
    exchange.set_rights("alice", ["get_info"])
    exchange.revoke_key("alice")
    assert events == [AccountEvent(alice.index), AccountEvent(alice.index)]


def test_a_subscriber_gets_only_the_kinds_it_asked_for(exchange: Exchange) -> None:
    alice = exchange.add_account("alice", "secret", ["trade"])
    wallets: list[Event] = []
    unsubscribe = exchange.feed.subscribe(wallets.append, kinds=[WalletEvent])
    assert exchange.feed.wants(WalletEvent)
    assert not exchange.feed.wants(DepthEvent)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, PRICE)
    assert wallets == [WalletEvent(alice.index, "BTC", 10 * BTC, BTC)]
    unsubscribe()
    assert not exchange.feed.wants(WalletEvent)
