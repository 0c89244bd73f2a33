"""The one translation of client errors into Home Assistant's, and of orders into data.

Actions raise translated HomeAssistantError; refreshes raise UpdateFailed, or
ConfigEntryAuthFailed when the key was refused.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import (
    AmountProblem,
    MtGoxAmountError,
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxOrderRejectedError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    Side,
)
from .api.money import format_amount
from .compat import RateLimitedUpdateFailed
from .const import BITCOIN, DOMAIN, MIN_UPDATE_INTERVAL

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable
    from decimal import Decimal

    from .api import Order

SIDE_BUY: Final = "buy"
SIDE_SELL: Final = "sell"
SIDES: Final[dict[str, Side]] = {SIDE_BUY: Side.BID, SIDE_SELL: Side.ASK}
SIDE_NAMES: Final[dict[Side, str]] = {side: name for name, side in SIDES.items()}

_AMOUNT_PROBLEM_KEYS: Final = {
    AmountProblem.NOT_A_NUMBER: "invalid_number",
    AmountProblem.NOT_POSITIVE: "not_positive",
    AmountProblem.TOO_LARGE: "number_too_large",
    AmountProblem.TOO_MANY_DECIMALS: "too_many_decimals",
}
# Errors the exchange reported in words, by the translation key that shows them.
_API_ERROR_KEYS: Final = (
    (MtGoxOrderRejectedError, "order_rejected"),
    (MtGoxAuthenticationError, "action_authentication_failed"),
    (MtGoxApiError, "action_api_error"),
)
# Errors of the way to the exchange, shown with their whole description.
_TRANSPORT_ERROR_KEYS: Final = (
    (MtGoxRateLimitError, "action_rate_limited"),
    (MtGoxConnectionError, "action_cannot_connect"),
    (MtGoxResponseError, "action_invalid_response"),
)


def amount_error(err: MtGoxAmountError, field: str) -> ServiceValidationError:
    """Say which rule of the exchange an action's amount or price breaks."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=_AMOUNT_PROBLEM_KEYS[err.problem],
        translation_placeholders={"field": field, "value": str(err.value)}
        | (
            {"decimals": str(err.decimals)}
            if err.problem is AmountProblem.TOO_MANY_DECIMALS
            else {}
        ),
    )


@asynccontextmanager
async def translated_client_errors() -> AsyncIterator[None]:
    """Turn the client's errors into translated Home Assistant errors."""
    try:
        yield
    except MtGoxApiError as err:
        key = next(key for kind, key in _API_ERROR_KEYS if isinstance(err, kind))
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"message": err.message},
        ) from err
    except (MtGoxRateLimitError, MtGoxConnectionError, MtGoxResponseError) as err:
        key = next(key for kind, key in _TRANSPORT_ERROR_KEYS if isinstance(err, kind))
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"error": str(err)},
        ) from err


def pair_label(pair: str) -> str:
    """Write a pair as people read it, the one style of every text: BTC/USD."""
    return f"{pair[:3]}/{pair[3:]}"


def pair_labels(pairs: Iterable[str]) -> str:
    """Write pairs for a sentence: "BTC/USD, BTC/EUR"."""
    return ", ".join(pair_label(pair) for pair in pairs)


def plain(number: Decimal) -> str:
    """Return ``number`` as a person writes it: 0.00000001, never 1E-8."""
    return format(number, "f")


def order_data(order: Order, **bitcoin_amounts: Decimal) -> dict[str, Any]:
    """Describe an order with the named BTC amounts, as exact padded text."""
    return {
        "order_id": order.oid,
        "pair": order.pair,
        "side": SIDE_NAMES[order.side],
        **{
            name: format_amount(amount, BITCOIN)
            for name, amount in bitcoin_amounts.items()
        },
        "price": (
            None if order.price is None else format_amount(order.price, order.currency)
        ),
        "currency": order.currency,
    }


def refresh_failure(err: MtGoxError) -> HomeAssistantError:
    """Build what a refresh that failed with ``err`` raises."""
    if isinstance(err, MtGoxAuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if isinstance(err, MtGoxRateLimitError):
        return rate_limited(err.retry_after)
    if isinstance(err, MtGoxApiError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="api_error",
            translation_placeholders={"message": api_error_message(err)},
        )
    key = (
        "connection_error"
        if isinstance(err, MtGoxConnectionError)
        else "invalid_response"
    )
    return UpdateFailed(translation_domain=DOMAIN, translation_key=key)


def rate_limited(retry_after: float | None) -> RateLimitedUpdateFailed:
    """Build the failure of a refresh blocked for ``retry_after`` seconds."""
    seconds = float(retry_after or MIN_UPDATE_INTERVAL)
    err = RateLimitedUpdateFailed(
        translation_domain=DOMAIN,
        translation_key="rate_limited",
        translation_placeholders={"retry_after": str(round(seconds))},
    )
    err.retry_after = seconds
    return err


def api_error_message(err: MtGoxApiError) -> str:
    """Say what the exchange reported, never nothing: its message, else its token."""
    if message := err.message.strip():
        return message
    return err.token or "no message"


def hurts_only_its_pair(err: BaseException) -> bool:
    """Tell whether a ticker error leaves the rest of the refresh usable."""
    return isinstance(err, MtGoxError) and not isinstance(
        err, MtGoxAuthenticationError | MtGoxRateLimitError
    )


def severity(err: BaseException) -> int:
    """Rank errors so a refresh reports the one that matters most first."""
    for rank, kind in enumerate(
        (MtGoxAuthenticationError, MtGoxRateLimitError, MtGoxError)
    ):
        if isinstance(err, kind):
            return rank
    # Not ours: a bug, surfaced as is.
    return -1
