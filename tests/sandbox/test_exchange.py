"""The sandbox exchange engine: orders, matching, fees, reserves, market data, state."""

import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from mtgox_sandbox.engine.models import (
    DEMO_FUNDS,
    HISTORY_PAGE_SIZE,
    HOUSE_HISTORY_LIMIT,
    MIN_ORDER_AMOUNT_INT,
    START_PRICES,
    Account,
    ExchangeError,
    HouseRole,
    now_us,
    uuid4_text,
)
from mtgox_sandbox.exchange import Exchange

from .helpers import memory_exchange

BTC = 100_000_000
USD = 100_000
START_US = 1_390_000_000_000_000
"""2014-01-17, when BTCUSD traded around $800."""
DAY_US = 24 * 3600 * 1_000_000


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        """Start at :data:`START_US`."""
        self.now = START_US

    def __call__(self) -> int:
        """Return the current time in µs."""
        return self.now

    def advance(self, seconds: int) -> None:
        """Move the clock forward."""
        self.now += seconds * 1_000_000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def exchange(clock: FakeClock) -> Iterator[Exchange]:
    """Return an exchange whose market maker has withdrawn its quotes."""
    with memory_exchange(seed=7, clock_us=clock) as exchange:
        maker = exchange.house_account("maker")
        for order in exchange.open_orders(maker):
            exchange.cancel_order(maker, order.oid)
        yield exchange


@pytest.fixture
def alice(exchange: Exchange) -> Account:
    return exchange.add_account(
        "alice-key", "alice-secret", ["get_info", "trade"], login="alice"
    )


@pytest.fixture
def bob(exchange: Exchange) -> Account:
    return exchange.add_account(
        "bob-key", "bob-secret", ["get_info", "trade"], login="bob"
    )


def balances(account: Account, code: str) -> tuple[int, int]:
    """Return a wallet's (balance, reserved)."""
    wallet = account.wallets[code]
    return wallet.balance_int, wallet.reserved_int


def fees_collected(exchange: Exchange, code: str) -> int:
    return exchange.house_account("fees").wallets[code].balance_int


def error_of(
    exchange: Exchange,
    account: Account,
    pair: str,
    side: str,
    amount_int: int,
    price_int: int | None,
) -> ExchangeError:
    """Place an order that must fail and return its error."""
    with pytest.raises(ExchangeError) as caught:
        exchange.place_order(account, pair, side, amount_int, price_int)
    return caught.value


# Placing, reserving, cancelling ---------------------------------------------------


def test_new_account_gets_demo_funds_from_the_bank(exchange: Exchange) -> None:
    before = exchange.totals()
    bank_usd = exchange.house_account("bank").wallets["USD"].balance_int
    account = exchange.add_account("k", "s", ["trade"])
    assert {code: w.balance_int for code, w in account.wallets.items()} == DEMO_FUNDS
    assert exchange.house_account("bank").wallets["USD"].balance_int == (
        bank_usd - DEMO_FUNDS["USD"]
    )
    assert exchange.totals() == before
    deposit = exchange.wallet_history(account, "USD", 1).result[0]
    assert (deposit.type, deposit.value_int) == ("deposit", DEMO_FUNDS["USD"])


def test_default_clock_is_the_wall_clock() -> None:
    assert abs(now_us() - time.time_ns() // 1000) < 5_000_000


def test_account_fields(exchange: Exchange, alice: Account) -> None:
    assert alice.login == "alice"
    assert alice.index.isdigit()
    assert uuid.UUID(alice.id).version == 4
    assert alice.rights == ["get_info", "trade"]
    assert alice.trade_fee == Decimal("0.6")
    assert alice.created == "2014-01-17 23:06:40"
    assert exchange.account_for_key("alice-key") is alice
    assert exchange.account_for_key("nobody") is None


def test_limit_orders_rest_and_reserve(exchange: Exchange, alice: Account) -> None:
    bid = exchange.place_order(alice, "BTCUSD", "bid", 2 * BTC, 500 * USD)
    ask = exchange.place_order(alice, "BTCEUR", "ask", 3 * BTC, 600 * 100_000)
    assert (bid.status, ask.status) == ("open", "open")
    assert balances(alice, "USD") == (DEMO_FUNDS["USD"], 1000 * USD)
    assert balances(alice, "BTC") == (DEMO_FUNDS["BTC"], 3 * BTC)
    assert exchange.open_orders(alice) == [bid, ask]
    assert uuid.UUID(bid.oid).version == 4
    assert bid.priority < ask.priority
    assert bid.date == bid.priority // 1_000_000


@pytest.mark.parametrize(
    "bits", [0, 2**128 - 1, 0x0123456789ABCDEF0123456789ABCDEF, 2**127, 2**64 - 1]
)
def test_uuid4_text_writes_what_uuid_writes(bits: int) -> None:
    assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


def test_cancel_releases_the_reserve(exchange: Exchange, alice: Account) -> None:
    bid = exchange.place_order(alice, "BTCUSD", "bid", 2 * BTC, 500 * USD)
    cancelled = exchange.cancel_order(alice, bid.oid)
    assert cancelled is bid
    assert bid.status == "cancelled"
    assert balances(alice, "USD") == (DEMO_FUNDS["USD"], 0)
    assert exchange.open_orders(alice) == []
    assert exchange.depth("BTCUSD").bids == []


def test_cancel_unknown_foreign_or_closed_order_is_not_found(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    bid = exchange.place_order(alice, "BTCUSD", "bid", BTC, 500 * USD)
    for account, oid in ((alice, str(uuid.uuid4())), (bob, bid.oid)):
        with pytest.raises(ExchangeError) as caught:
            exchange.cancel_order(account, oid)
        assert (caught.value.message, caught.value.token) == (
            "Order not found",
            "unknown_error",
        )
    exchange.cancel_order(alice, bid.oid)
    with pytest.raises(ExchangeError, match="Order not found"):
        exchange.cancel_order(alice, bid.oid)


@pytest.mark.parametrize(
    ("pair", "side", "amount_int", "price_int", "message", "token"),
    [
        (
            "BTCUSD",
            "bid",
            MIN_ORDER_AMOUNT_INT - 1,
            500 * USD,
            "Order amount is too low",
            None,
        ),
        (
            "BTCUSD",
            "ask",
            11 * BTC,
            500 * USD,
            "Insufficient funds",
            "trade_error_insufficient_funds",
        ),
        (
            "BTCUSD",
            "bid",
            100 * BTC,
            500 * USD,
            "Insufficient funds",
            "trade_error_insufficient_funds",
        ),
        (
            "BTCUSD",
            "ask",
            11 * BTC,
            None,
            "Insufficient funds",
            "trade_error_insufficient_funds",
        ),
        ("BTCXYZ", "bid", BTC, 500 * USD, "Unknown currency pair 'BTCXYZ'", None),
        (
            "BTCUSD",
            "buy",
            BTC,
            500 * USD,
            'Invalid parameter "type" (should be ask or bid)',
            None,
        ),
        (
            "BTCUSD",
            "bid",
            0,
            500 * USD,
            'Invalid parameter "amount_int" (should be positive)',
            None,
        ),
        (
            "BTCUSD",
            "ask",
            -BTC,
            None,
            'Invalid parameter "amount_int" (should be positive)',
            None,
        ),
        (
            "BTCUSD",
            "bid",
            BTC,
            0,
            'Invalid parameter "price_int" (should be positive)',
            None,
        ),
    ],
)
def test_refused_orders(
    exchange: Exchange,
    alice: Account,
    pair: str,
    side: str,
    amount_int: int,
    price_int: int | None,
    message: str,
    token: str | None,
) -> None:
    error = error_of(exchange, alice, pair, side, amount_int, price_int)
    assert (error.message, error.token) == (message, token)
    assert exchange.open_orders(alice) == []
    assert balances(alice, "USD") == (DEMO_FUNDS["USD"], 0)
    assert balances(alice, "BTC") == (DEMO_FUNDS["BTC"], 0)


def test_smallest_order_is_accepted(exchange: Exchange, alice: Account) -> None:
    order = exchange.place_order(
        alice, "BTCUSD", "ask", MIN_ORDER_AMOUNT_INT, 800 * USD
    )
    assert order.status == "open"


def test_reserved_funds_are_not_available_twice(
    exchange: Exchange, alice: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "ask", 6 * BTC, 900 * USD)
    error = error_of(exchange, alice, "BTCUSD", "ask", 5 * BTC, 900 * USD)
    assert error.message == "Insufficient funds"


def test_market_bid_with_no_money_is_refused(exchange: Exchange) -> None:
    poor = exchange.add_account("poor", "s", ["trade"], funds={"BTC": BTC})
    error = error_of(exchange, poor, "BTCUSD", "bid", BTC, None)
    assert error.token == "trade_error_insufficient_funds"


# Matching ---------------------------------------------------------------------------


def test_crossing_orders_trade_at_the_resting_price_with_fees(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, 510 * USD)
    assert (ask.status, bid.status) == ("completed", "completed")
    assert (ask.amount_int, bid.amount_int) == (0, 0)
    # Alice sold 1 BTC for $500 and paid 0.6 % of it, $3, to the house.
    assert balances(alice, "BTC") == (DEMO_FUNDS["BTC"] - BTC, 0)
    assert balances(alice, "USD") == (DEMO_FUNDS["USD"] + 497 * USD, 0)
    # Bob paid $500 (not his $510 limit) and paid 0.006 BTC of the BTC he got.
    assert balances(bob, "USD") == (DEMO_FUNDS["USD"] - 500 * USD, 0)
    assert balances(bob, "BTC") == (DEMO_FUNDS["BTC"] + BTC - 600_000, 0)
    assert fees_collected(exchange, "USD") == 3 * USD
    assert fees_collected(exchange, "BTC") == 600_000
    [trade] = exchange.trades("BTCUSD", None)
    assert (trade.price_int, trade.amount_int, trade.trade_type) == (
        500 * USD,
        BTC,
        "bid",
    )
    assert (trade.properties, trade.primary) == ("limit", "Y")
    assert alice.monthly_volume_int == bob.monthly_volume_int == BTC


def test_fees_round_down_and_never_create_money(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    before = exchange.totals()
    exchange.place_order(alice, "BTCUSD", "ask", 1_000_001, 33_333)
    exchange.place_order(bob, "BTCUSD", "bid", 1_000_001, 33_333)
    # Worth 333.33 units, paid as 333; fees 6000.006 sat → 6000 and 1.998 → 1.
    assert balances(bob, "USD")[0] == DEMO_FUNDS["USD"] - 333
    assert balances(alice, "USD")[0] == DEMO_FUNDS["USD"] + 333 - 1
    assert balances(bob, "BTC")[0] == DEMO_FUNDS["BTC"] + 1_000_001 - 6_000
    assert (fees_collected(exchange, "USD"), fees_collected(exchange, "BTC")) == (
        1,
        6_000,
    )
    assert exchange.totals() == before


def test_partial_fill_keeps_the_rest_on_the_book(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    ask = exchange.place_order(alice, "BTCUSD", "ask", 2 * BTC, 500 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC // 2, 500 * USD)
    assert (ask.status, ask.amount_int, ask.original_amount_int) == (
        "open",
        3 * BTC // 2,
        2 * BTC,
    )
    assert bid.status == "completed"
    assert balances(alice, "BTC") == (DEMO_FUNDS["BTC"] - BTC // 2, 3 * BTC // 2)
    assert [
        (lvl.price_int, lvl.amount_int) for lvl in exchange.depth("BTCUSD").asks
    ] == [(500 * USD, 3 * BTC // 2)]


def test_resting_bid_keeps_only_the_reserve_it_still_needs(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "ask", BTC // 2, 500 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, 510 * USD)
    # Half bought at $500 = $250; the other half rests at $510 and needs $255.
    assert (bid.status, bid.amount_int, bid.reserved_int) == (
        "open",
        BTC // 2,
        255 * USD,
    )
    assert balances(bob, "USD") == (DEMO_FUNDS["USD"] - 250 * USD, 255 * USD)
    exchange.cancel_order(bob, bid.oid)
    assert balances(bob, "USD") == (DEMO_FUNDS["USD"] - 250 * USD, 0)


def test_price_then_time_priority(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    carol = exchange.add_account("carol-key", "s", ["trade"])
    first = exchange.place_order(alice, "BTCUSD", "ask", BTC, 501 * USD)
    second = exchange.place_order(bob, "BTCUSD", "ask", BTC, 501 * USD)
    cheaper_later = exchange.place_order(carol, "BTCUSD", "ask", BTC, 500 * USD)
    taker = exchange.place_order(carol, "BTCUSD", "bid", 5 * BTC // 2, 505 * USD)
    assert cheaper_later.status == first.status == "completed"
    assert (second.status, second.amount_int) == ("open", BTC // 2)
    assert [fill.price_int for fill in taker.fills] == [500 * USD, 501 * USD, 501 * USD]


def test_limit_bid_below_the_best_ask_does_not_trade(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, 499 * USD)
    assert bid.status == "open"
    assert exchange.trades("BTCUSD", None) == []
    ticker = exchange.ticker("BTCUSD")
    assert (ticker.buy, ticker.sell) == (499 * USD, 500 * USD)


def test_market_order_sweeps_levels_and_cancels_the_rest(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "bid", BTC, 490 * USD)
    exchange.place_order(alice, "BTCUSD", "bid", BTC, 480 * USD)
    sell = exchange.place_order(bob, "BTCUSD", "ask", 3 * BTC, None)
    assert [(f.price_int, f.amount_int) for f in sell.fills] == [
        (490 * USD, BTC),
        (480 * USD, BTC),
    ]
    assert (sell.status, sell.amount_int) == ("cancelled", BTC)
    assert balances(bob, "BTC") == (DEMO_FUNDS["BTC"] - 2 * BTC, 0)
    assert [t.properties for t in exchange.trades("BTCUSD", None)] == [
        "market",
        "market",
    ]
    assert exchange.depth("BTCUSD").bids == []


def test_market_order_on_an_empty_book_is_cancelled_untouched(
    exchange: Exchange, bob: Account
) -> None:
    order = exchange.place_order(bob, "BTCUSD", "bid", BTC, None)
    assert (order.status, order.amount_int, order.fills) == ("cancelled", BTC, [])
    assert balances(bob, "USD") == (DEMO_FUNDS["USD"], 0)
    with pytest.raises(ExchangeError, match="Order not found"):
        exchange.order_result(bob, "bid", order.oid)


def test_market_bid_stops_when_the_money_runs_out(
    exchange: Exchange, alice: Account
) -> None:
    buyer = exchange.add_account("buyer", "s", ["trade"], funds={"USD": 100 * USD})
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    order = exchange.place_order(buyer, "BTCUSD", "bid", BTC, None)
    assert [f.amount_int for f in order.fills] == [BTC // 5]  # $100 at $500
    assert (order.status, order.amount_int) == ("cancelled", BTC - BTC // 5)
    assert balances(buyer, "USD") == (0, 0)
    assert balances(buyer, "BTC") == (BTC // 5 - 120_000, 0)


def test_market_bid_change_buys_no_dust(exchange: Exchange, alice: Account) -> None:
    buyer = exchange.add_account("buyer", "s", ["trade"], funds={"USD": 3 * USD + 1})
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 800 * USD)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 900 * USD)
    order = exchange.place_order(buyer, "BTCUSD", "bid", BTC, None)
    # $3.00001 pays for 0.00375001 BTC at $800; the $0.00001 change stays put.
    assert [(f.amount_int, f.spent_int) for f in order.fills] == [(375_001, 3 * USD)]
    assert balances(buyer, "USD") == (1, 0)


def test_market_bid_that_buys_out_an_ask_gives_its_change_to_no_one(
    exchange: Exchange, alice: Account
) -> None:
    buyer = exchange.add_account("buyer", "s", ["trade"], funds={"USD": 8 * USD + 1})
    first = exchange.place_order(alice, "BTCUSD", "ask", BTC // 100 + 1, 800 * USD)
    second = exchange.place_order(alice, "BTCUSD", "ask", BTC, 900 * USD)
    order = exchange.place_order(buyer, "BTCUSD", "bid", BTC, None)
    # $8.00001 buys exactly the first ask (worth $8.000008, charged $8.00000);
    # the $0.00001 left would buy 1 satoshi at $900 for a value of 0: no trade.
    assert [(f.amount_int, f.spent_int) for f in order.fills] == [
        (BTC // 100 + 1, 8 * USD)
    ]
    assert (first.status, second.amount_int, second.fills) == ("completed", BTC, [])
    assert balances(buyer, "USD") == (1, 0)


def test_market_bid_too_poor_for_one_satoshi_buys_nothing(
    exchange: Exchange, alice: Account
) -> None:
    buyer = exchange.add_account("buyer", "s", ["trade"], funds={"USD": 1})
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 1500 * USD)
    order = exchange.place_order(buyer, "BTCUSD", "bid", BTC, None)
    assert (order.status, order.fills) == ("cancelled", [])
    assert balances(buyer, "USD") == (1, 0)


def test_market_bid_of_one_unit_buys_a_satoshi_worth_exactly_that(
    exchange: Exchange, alice: Account
) -> None:
    buyer = exchange.add_account("buyer", "s", ["trade"], funds={"USD": 1})
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 1000 * USD)
    order = exchange.place_order(buyer, "BTCUSD", "bid", BTC, None)
    # At $1000 one satoshi costs $0.00001, the smallest unit: it trades.
    assert [(f.amount_int, f.spent_int) for f in order.fills] == [(1, 1)]
    assert balances(buyer, "USD") == (0, 0)


def test_order_result_reports_fills_and_totals(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 600 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", 2 * BTC, 600 * USD)
    result = exchange.order_result(bob, "bid", bid.oid)
    assert result.order_id == bid.oid
    assert [(t.amount_int, t.spent_int) for t in result.trades] == [
        (BTC, 500 * USD),
        (BTC, 600 * USD),
    ]
    assert (result.total_amount_int, result.total_spent_int) == (2 * BTC, 1100 * USD)
    assert result.avg_cost_int == 550 * USD
    with pytest.raises(ExchangeError, match="Order not found"):
        exchange.order_result(bob, "ask", bid.oid)
    with pytest.raises(ExchangeError, match="Order not found"):
        exchange.order_result(alice, "bid", bid.oid)


def test_filled_orders_are_forgotten_a_day_after_closing(
    exchange: Exchange, clock: FakeClock, alice: Account, bob: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    bid = exchange.place_order(bob, "BTCUSD", "bid", BTC, 500 * USD)
    clock.advance(24 * 3600 - 1)
    exchange.step_market()
    assert exchange.order_result(bob, "bid", bid.oid).total_amount_int == BTC
    clock.advance(2)
    exchange.step_market()
    with pytest.raises(ExchangeError, match="Order not found"):
        exchange.order_result(bob, "bid", bid.oid)


# Wallet history -----------------------------------------------------------------------


def test_a_trade_writes_every_movement_to_the_history(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 500 * USD)
    [trade] = exchange.trades("BTCUSD", None)
    deal = f"[tid:{trade.tid}] 1.00000000 BTC at $500.00000"

    def newest(
        account: Account, code: str, count: int
    ) -> list[tuple[str, int, int, str]]:
        page = exchange.wallet_history(account, code, 1).result[:count]
        return [(e.type, e.value_int, e.balance_int, e.info) for e in page]

    assert newest(alice, "BTC", 1) == [
        ("out", BTC, DEMO_FUNDS["BTC"] - BTC, f"BTC sold: {deal}"),
    ]
    assert newest(alice, "USD", 2) == [
        ("fee", 3 * USD, DEMO_FUNDS["USD"] + 497 * USD, f"BTC sold: {deal} (0.6% fee)"),
        ("earned", 500 * USD, DEMO_FUNDS["USD"] + 500 * USD, f"BTC sold: {deal}"),
    ]
    assert newest(bob, "USD", 1) == [
        ("spent", 500 * USD, DEMO_FUNDS["USD"] - 500 * USD, f"BTC bought: {deal}"),
    ]
    assert [e[:2] for e in newest(bob, "BTC", 2)] == [("fee", 600_000), ("in", BTC)]
    fee_entry = exchange.wallet_history(
        exchange.house_account("fees"), "USD", 1
    ).result[0]
    assert (fee_entry.type, fee_entry.value_int) == ("in", 3 * USD)
    sold = exchange.wallet_history(alice, "BTC", 1).result[0]
    assert sold.link == [ask.oid, "Money_Trade", str(trade.tid)]
    assert sold.trade is not None
    assert (sold.trade.oid, sold.trade.amount_int, sold.trade.properties) == (
        ask.oid,
        BTC,
        "limit",
    )
    assert sold.date == trade.date


def test_history_pages_hold_fifty_entries_newest_first(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    for _ in range(30):  # each fill: "out" for alice, "spent" for bob
        exchange.place_order(alice, "BTCUSD", "ask", MIN_ORDER_AMOUNT_INT, 500 * USD)
        exchange.place_order(bob, "BTCUSD", "bid", MIN_ORDER_AMOUNT_INT, 500 * USD)
    first = exchange.wallet_history(alice, "BTC", 1)
    second = exchange.wallet_history(alice, "BTC", 2)
    assert (first.records, first.max_page, first.max_results) == (
        31,
        1,
        HISTORY_PAGE_SIZE,
    )
    assert [e.index for e in first.result] == list(range(31, 0, -1))
    assert second.result == []
    usd = exchange.wallet_history(alice, "USD", 2)
    assert (usd.records, usd.current_page, usd.max_page) == (61, 2, 2)
    assert [e.index for e in usd.result] == list(range(11, 0, -1))
    assert alice.wallets["USD"].operations == 61
    with pytest.raises(ExchangeError, match="currency"):
        exchange.wallet_history(alice, "XYZ", 1)


# Market data --------------------------------------------------------------------------


def test_ticker_is_computed_from_the_last_day_of_trades(
    exchange: Exchange, clock: FakeClock, alice: Account, bob: Account
) -> None:
    def trade(amount_int: int, price_int: int) -> None:
        exchange.place_order(alice, "BTCUSD", "ask", amount_int, price_int)
        exchange.place_order(bob, "BTCUSD", "bid", amount_int, price_int)

    trade(BTC, 100 * USD)  # leaves the window below
    clock.advance(3600)
    trade(BTC, 500 * USD)
    trade(3 * BTC, 600 * USD)
    trade(BTC // 2, 550 * USD)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 700 * USD)
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 400 * USD)
    clock.advance(23 * 3600 + 1)
    ticker = exchange.ticker("BTCUSD")
    assert (ticker.high, ticker.low, ticker.last) == (600 * USD, 500 * USD, 550 * USD)
    assert ticker.avg == 550 * USD
    # (1 * $500 + 3 * $600 + 0.5 * $550) / 4.5 = $572.2222222…, rounded down.
    assert ticker.vwap == 57_222_222
    assert ticker.vol == 9 * BTC // 2
    assert (ticker.buy, ticker.sell, ticker.now) == (400 * USD, 700 * USD, clock.now)
    assert [t.price_int for t in exchange.trades("BTCUSD", None)] == [
        500 * USD,
        600 * USD,
        550 * USD,
    ]


def test_ticker_without_recent_trades_shows_the_last_price(
    exchange: Exchange, clock: FakeClock, alice: Account, bob: Account
) -> None:
    untraded = exchange.ticker("BTCUSD")
    assert (untraded.last, untraded.vol) == (800 * USD, 0)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 500 * USD)
    clock.advance(24 * 3600 + 1)
    ticker = exchange.ticker("BTCUSD")
    assert (ticker.high, ticker.low, ticker.avg, ticker.vwap, ticker.last) == (
        500 * USD,
    ) * 5
    assert (ticker.vol, ticker.buy, ticker.sell) == (0, 0, 0)


def test_trades_since_a_tid(exchange: Exchange, alice: Account, bob: Account) -> None:
    for price in (500, 501, 502):
        exchange.place_order(alice, "BTCUSD", "ask", BTC, price * USD)
        exchange.place_order(bob, "BTCUSD", "bid", BTC, price * USD)
    trades = exchange.trades("BTCUSD", None)
    tids = [t.tid for t in trades]
    assert tids == sorted(set(tids))
    assert exchange.trades("BTCUSD", tids[0]) == trades[1:]
    assert exchange.trades("BTCUSD", tids[-1]) == []
    assert trades[0].date == tids[0] // 1_000_000
    with pytest.raises(ExchangeError, match="pair"):
        exchange.trades("USDBTC", None)


def test_depth_aggregates_levels_in_ascending_price_order(
    exchange: Exchange, alice: Account, bob: Account
) -> None:
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 520 * USD)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 510 * USD)
    latest = exchange.place_order(bob, "BTCUSD", "ask", 2 * BTC, 510 * USD)
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 490 * USD)
    exchange.place_order(bob, "BTCUSD", "bid", BTC, 480 * USD)
    depth = exchange.depth("BTCUSD")
    assert [(lvl.price_int, lvl.amount_int) for lvl in depth.asks] == [
        (510 * USD, 3 * BTC),
        (520 * USD, BTC),
    ]
    assert depth.asks[0].stamp == latest.priority
    assert [lvl.price_int for lvl in depth.bids] == [480 * USD, 490 * USD]


# Keys ---------------------------------------------------------------------------------


def test_revoked_key_no_longer_finds_its_account(
    exchange: Exchange, alice: Account
) -> None:
    assert exchange.revoke_key("alice-key") is True
    assert exchange.account_for_key("alice-key") is None
    assert exchange.revoke_key("alice-key") is False
    assert exchange.revoke_key("unknown") is False


def test_set_rights(exchange: Exchange, alice: Account) -> None:
    assert exchange.set_rights("alice-key", ("get_info",)) is alice
    assert alice.rights == ["get_info"]
    with pytest.raises(KeyError):
        exchange.set_rights("unknown", [])


def test_a_key_opens_one_account(exchange: Exchange, alice: Account) -> None:
    with pytest.raises(ValueError, match="already"):
        exchange.add_account("alice-key", "other", [])


@pytest.mark.parametrize(
    ("code", "amount_int"), [("USD", 0), ("XYZ", 1), ("USD", 10**30)]
)
def test_impossible_deposits_are_refused(
    exchange: Exchange, alice: Account, code: str, amount_int: int
) -> None:
    with pytest.raises(ValueError, match="fund|deposit"):
        exchange.deposit(alice, code, amount_int)


# Market makers and state ------------------------------------------------------------


def snapshot(exchange: Exchange) -> list[object]:
    """Return what the public sees of every pair."""
    return [
        (exchange.ticker(p), exchange.depth(p), exchange.trades(p, None))
        for p in exchange.pairs
    ]


def test_fresh_exchange_has_quotes_around_early_2014_prices(clock: FakeClock) -> None:
    with memory_exchange(clock_us=clock) as exchange:
        expected = {
            "BTCUSD": 800 * USD,
            "BTCEUR": 590 * USD,
            "BTCJPY": 82_000_000,
            "BTCGBP": 490 * USD,
        }
        for pair, price in expected.items():
            ticker = exchange.ticker(pair)
            assert ticker.buy < price < ticker.sell
            depth = exchange.depth(pair)
            assert len(depth.bids) == len(depth.asks) == 5


def test_market_steps_trade_and_move_the_price(clock: FakeClock) -> None:
    with memory_exchange(seed=3, clock_us=clock) as exchange:
        before = exchange.totals()
        for _ in range(150):
            clock.advance(10)
            exchange.step_market()
        for pair in exchange.pairs:
            ticker = exchange.ticker(pair)
            assert ticker.vol > 0
            assert ticker.high > ticker.low
            assert exchange.reference_price(pair) != START_PRICES[pair]
        assert exchange.totals() == before
        roles: tuple[HouseRole, ...] = ("maker", "taker", "fees")
        kept = [
            (wallet.operations, exchange.store.history_size(house.index, code))
            for house in map(exchange.house_account, roles)
            for code, wallet in house.wallets.items()
        ]
        # The database holds the newest entries only, however many there were.
        assert any(operations > HOUSE_HISTORY_LIMIT for operations, _ in kept)
        assert all(size == min(ops, HOUSE_HISTORY_LIMIT) for ops, size in kept)


def test_a_maker_out_of_bitcoin_keeps_quoting_bids(exchange: Exchange) -> None:
    maker = exchange.house_account("maker")
    maker.wallets["BTC"].balance_int = 0  # as if every coin had been sold
    exchange.step_market()
    makers_orders = exchange.open_orders(maker)
    assert {order.side for order in makers_orders} == {"bid"}
    assert len(makers_orders) == 5 * len(exchange.pairs)


def test_market_walk_is_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[object]:
        clock = FakeClock()
        with memory_exchange(seed=seed, clock_us=clock) as exchange:
            for _ in range(20):
                clock.advance(10)
                exchange.step_market()
            return snapshot(exchange)

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_state_round_trips_through_json(clock: FakeClock) -> None:
    with memory_exchange(seed=5, clock_us=clock) as exchange:
        user = exchange.add_account("key", "secret", ["trade"])
        user.nonce_high_water = 1_390_000_000_123_456
        user.recent_tonces.append(1_390_000_000_000_001)
        exchange.place_order(user, "BTCUSD", "bid", BTC, 700 * USD)
        exchange.place_order(user, "BTCEUR", "ask", BTC, 700 * USD)
        for _ in range(10):
            clock.advance(10)
            exchange.step_market()
        exchange.revoke_key("key")
        state = exchange.to_state()
        restored = Exchange.from_state(json.loads(json.dumps(state)), clock_us=clock)
        assert restored.to_state() == state
        assert restored.accounts[-1].nonce_high_water == 1_390_000_000_123_456
        assert restored.account_for_key("key") is None
        # The restored exchange carries on exactly as the original does.
        for twin in (exchange, restored):
            clock.now = START_US + DAY_US
            for _ in range(5):
                twin.step_market()
        assert snapshot(restored) == snapshot(exchange)
        assert restored.to_state() == exchange.to_state()


def test_unknown_state_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        Exchange.from_state({"version": 0})


def test_open_orders_survive_a_round_trip_on_the_book(
    exchange: Exchange, clock: FakeClock, alice: Account, bob: Account
) -> None:
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    restored = Exchange.from_state(exchange.to_state(), clock_us=clock)
    restored_bob = restored.account_for_key("bob-key")
    assert restored_bob is not None
    bid = restored.place_order(restored_bob, "BTCUSD", "bid", BTC, 500 * USD)
    assert [fill.price_int for fill in bid.fills] == [500 * USD]
    [resting] = [o for o in restored.to_state()["orders"] if o["oid"] == ask.oid]
    assert resting["status"] == "completed"
