"""The portfolio valuation: a pure function of wallets and last prices."""

from __future__ import annotations

from decimal import Decimal

from custom_components.mtgox.api import Ticker, Wallet
from custom_components.mtgox.api.valuation import (
    exchange_rate,
    portfolio_value,
    unvalued_currencies,
)


def ticker(currency: str, last: str) -> Ticker:
    price = Decimal(last)
    return Ticker(
        pair=f"BTC{currency}",
        item="BTC",
        currency=currency,
        last=price,
        bid=price,
        ask=price,
        high=price,
        low=price,
        average=None,
        vwap=price,
        volume=Decimal(1),
        updated=None,
    )


def wallets(**balances: str) -> dict[str, Wallet]:
    return {
        currency: Wallet(currency, Decimal(balance), Decimal(0))
        for currency, balance in balances.items()
    }


TICKERS = {"BTCUSD": ticker("USD", "800"), "BTCEUR": ticker("EUR", "600")}


def test_every_wallet_is_valued_through_bitcoin() -> None:
    held = wallets(BTC="2", USD="100", EUR="300")

    # 2 BTC * 800 + 100 USD + 300 EUR * 800/600, to the cent's 1e-5.
    assert portfolio_value(held, TICKERS, "USD") == Decimal("2100.00000")
    assert portfolio_value(held, TICKERS, "BTC") == Decimal("2.62500000")


def test_a_held_currency_without_a_price_makes_the_value_unknown() -> None:
    held = wallets(USD="100", JPY="5000", GBP="1", CHF="0")

    assert portfolio_value(held, TICKERS, "USD") is None
    # An empty wallet needs no price.
    assert unvalued_currencies(held, TICKERS, "USD") == ["GBP", "JPY"]


def test_a_pair_that_never_traded_has_no_price() -> None:
    tickers = {"BTCUSD": ticker("USD", "0")}

    assert exchange_rate(tickers, "USD", "BTC") is None
    assert exchange_rate(tickers, "USD", "USD") == Decimal(1)
