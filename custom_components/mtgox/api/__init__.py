"""Client library for the Mt.Gox HTTP API (v0, v1, v2), without Home Assistant."""

from .book import BookLevel, OrderBook
from .client import MtGoxClient
from .errors import (
    AmountProblem,
    MtGoxAmountError,
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxNotAnApiError,
    MtGoxOrderNotFoundError,
    MtGoxOrderPlacedError,
    MtGoxOrderRejectedError,
    MtGoxOrderUnknownError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    MtGoxStaleNonceError,
    MtGoxTimeoutError,
    MtGoxTlsError,
    MtGoxUnreachableError,
)
from .models import (
    AccountInfo,
    ApiVersion,
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
    "AmountProblem",
    "ApiVersion",
    "BookLevel",
    "Money",
    "MtGoxAmountError",
    "MtGoxApiError",
    "MtGoxAuthenticationError",
    "MtGoxClient",
    "MtGoxConnectionError",
    "MtGoxError",
    "MtGoxNotAnApiError",
    "MtGoxOrderNotFoundError",
    "MtGoxOrderPlacedError",
    "MtGoxOrderRejectedError",
    "MtGoxOrderUnknownError",
    "MtGoxRateLimitError",
    "MtGoxResponseError",
    "MtGoxStaleNonceError",
    "MtGoxTimeoutError",
    "MtGoxTlsError",
    "MtGoxUnreachableError",
    "NonceSource",
    "Order",
    "OrderBook",
    "OrderResult",
    "OrderTrade",
    "Side",
    "Ticker",
    "Wallet",
    "parse_money",
]
