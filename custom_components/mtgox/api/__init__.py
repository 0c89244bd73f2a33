"""Client library for the Mt.Gox HTTP API (v0, v1, v2), without Home Assistant."""

from .client import MtGoxClient
from .errors import (
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxOrderPlacedError,
    MtGoxOrderRejectedError,
    MtGoxOrderUnknownError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    MtGoxTimeoutError,
)
from .models import (
    AccountInfo,
    ApiVersion,
    CurrencyInfo,
    Order,
    OrderResult,
    OrderTrade,
    Side,
    Ticker,
    Wallet,
)
from .money import Money, parse_money
from .nonce import NonceSource

__all__ = [
    "AccountInfo",
    "ApiVersion",
    "CurrencyInfo",
    "Money",
    "MtGoxApiError",
    "MtGoxAuthenticationError",
    "MtGoxClient",
    "MtGoxConnectionError",
    "MtGoxError",
    "MtGoxOrderPlacedError",
    "MtGoxOrderRejectedError",
    "MtGoxOrderUnknownError",
    "MtGoxRateLimitError",
    "MtGoxResponseError",
    "MtGoxTimeoutError",
    "NonceSource",
    "Order",
    "OrderResult",
    "OrderTrade",
    "Side",
    "Ticker",
    "Wallet",
    "parse_money",
]
