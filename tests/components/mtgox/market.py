"""Move the sandbox market by trading in its engine, as the house would."""

from decimal import Decimal

from mtgox_sandbox import money
from mtgox_sandbox.exchange import Exchange

# The smallest order the engine takes: 0.01 BTC.
HOUSE_TRADE_AMOUNT_INT = 1_000_000


def units(amount: str, currency: str) -> int:
    """Return an amount as the engine's integer units of ``currency``."""
    return int(Decimal(amount) * money.multiplier(currency))


def clear_quotes(exchange: Exchange, pair: str) -> None:
    """Cancel the market maker's quotes on ``pair``: only user orders stay."""
    maker = exchange.house_account("maker")
    for order in exchange.open_orders(maker):
        if order.pair == pair:
            exchange.cancel_order(maker, order.oid)


def trade_at(exchange: Exchange, pair: str, price: str) -> None:
    """Make the house trade 0.01 BTC at ``price``, the pair's new last price.

    The maker's quotes go first, so that the house's two orders meet each
    other; a user order that would trade at a better price still trades first.
    """
    price_int = units(price, money.pair_currencies(pair)[1])
    clear_quotes(exchange, pair)
    exchange.place_order(
        exchange.house_account("maker"), pair, "ask", HOUSE_TRADE_AMOUNT_INT, price_int
    )
    exchange.place_order(
        exchange.house_account("taker"), pair, "bid", HOUSE_TRADE_AMOUNT_INT, price_int
    )
    last = exchange.ticker(pair).last
    assert last == price_int, f"{pair} last traded at {last}, not {price_int}"
