"""Constants for the Mt.Gox integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

DOMAIN: Final = "mtgox"
LOGGER = logging.getLogger(__package__)

CONF_API_SECRET: Final = "api_secret"  # noqa: S105 - a field name, not a secret
CONF_API_VERSION: Final = "api_version"
CONF_PAIRS: Final = "pairs"
CONF_UPDATE_INTERVAL: Final = "update_interval"
CONF_VALUATION_CURRENCY: Final = "valuation_currency"
CONF_MAX_ORDER_AMOUNT: Final = "max_order_amount"
CONF_HISTORY_DAYS: Final = "history_days"
CONF_STREAMING: Final = "streaming"

DEFAULT_URL: Final = "https://mtgox.com/api/"
DEFAULT_API_VERSION: Final = 1
API_VERSIONS: Final = (0, 1, 2)

BITCOIN: Final = "BTC"
# The currencies Mt.Gox quoted bitcoin in (its money/currency table, May 2013).
QUOTE_CURRENCIES: Final = (
    "USD",
    "EUR",
    "JPY",
    "GBP",
    "AUD",
    "CAD",
    "CHF",
    "CNY",
    "CZK",
    "DKK",
    "HKD",
    "NOK",
    "NZD",
    "PLN",
    "RUB",
    "SEK",
    "SGD",
    "THB",
)

MTGOX_PAIRS: Final = tuple(f"{BITCOIN}{currency}" for currency in QUOTE_CURRENCIES)
"""The pairs Mt.Gox traded: offered when a server's own list cannot be read."""

DEFAULT_PAIRS: Final = ["BTCUSD"]
DEFAULT_VALUATION_CURRENCY: Final = "USD"
# Mt.Gox cached every method for 10 s and blocked clients polling faster.
DEFAULT_UPDATE_INTERVAL: Final = 30
MIN_UPDATE_INTERVAL: Final = 10
DEFAULT_STREAMING: Final = True
# While the stream pushes, a full refresh only catches what pushes cannot say:
# every 5 minutes, or less often so that it costs at most one request a minute.
STREAMING_UPDATE_INTERVAL: Final = timedelta(minutes=5)
STREAMING_REQUEST_SPACING: Final = timedelta(minutes=1)
MIN_ORDER_AMOUNT: Final = Decimal("0.01")
DEFAULT_MAX_ORDER_AMOUNT: Final = Decimal(1)
DEFAULT_HISTORY_DAYS: Final = 7
MAX_HISTORY_DAYS: Final = 365

# Rights a key may hold; the integration never needs withdraw.
RIGHT_TRADE: Final = "trade"
RIGHT_WITHDRAW: Final = "withdraw"

NONCE_STORAGE_VERSION: Final = 1
NONCE_SAVE_DELAY: Final = timedelta(seconds=1)


class StreamState(StrEnum):
    """What the entry's stream is doing, as its diagnostic sensor shows."""

    DISABLED = "disabled"
    """Turned off in the options."""
    UNSUPPORTED = "unsupported"
    """The server has no stream: polling only."""
    CONNECTING = "connecting"
    CONNECTED = "connected"
    """Every subscription answered: pushes arrive, polling is the safety net."""
    RECONNECTING = "reconnecting"
    """Lost; polling at its interval until the next attempt succeeds."""
