"""Value an account's wallets in one currency at the exchange's last prices.

Every price goes through bitcoin, the item of every Mt.Gox pair: a currency
other than bitcoin is valued at the cross rate of its BTC pair and the target's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .money import decimal_places

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .models import Ticker, Wallet

BITCOIN = "BTC"


def portfolio_value(
    wallets: Mapping[str, Wallet], tickers: Mapping[str, Ticker], currency: str
) -> Decimal | None:
    """Return the value of every wallet in ``currency``, or None if unknown.

    When a wallet holding money has no rate (its pair untracked or its ticker
    failing) the value is unknown rather than silently too low. Rounded to the
    smallest unit Mt.Gox counts ``currency`` in.
    """
    total = Decimal(0)
    for wallet_currency, wallet in wallets.items():
        if not wallet.balance:
            continue
        if (rate := exchange_rate(tickers, wallet_currency, currency)) is None:
            return None
        total += wallet.balance * rate
    return total.quantize(Decimal(1).scaleb(-decimal_places(currency)))


def unvalued_currencies(
    wallets: Mapping[str, Wallet], tickers: Mapping[str, Ticker], currency: str
) -> list[str]:
    """Return the currencies held without a last price in ``currency``, sorted."""
    return [
        wallet_currency
        for wallet_currency, wallet in sorted(wallets.items())
        if wallet.balance and exchange_rate(tickers, wallet_currency, currency) is None
    ]


def exchange_rate(
    tickers: Mapping[str, Ticker], source: str, target: str
) -> Decimal | None:
    """Return the last price of one ``source`` in ``target``, if known."""
    if source == target:
        return Decimal(1)
    source_per_bitcoin = _bitcoin_price(tickers, source)
    target_per_bitcoin = _bitcoin_price(tickers, target)
    if source_per_bitcoin is None or target_per_bitcoin is None:
        return None
    return target_per_bitcoin / source_per_bitcoin


def _bitcoin_price(tickers: Mapping[str, Ticker], currency: str) -> Decimal | None:
    if currency == BITCOIN:
        return Decimal(1)
    ticker = tickers.get(f"{BITCOIN}{currency}")
    # A pair that never traded has no price, not a price of zero.
    return ticker.last if ticker and ticker.last else None
