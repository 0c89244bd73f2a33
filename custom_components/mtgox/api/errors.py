"""Errors raised by the Mt.Gox client; every one derives from MtGoxError.

No message built here ever contains the API secret, a signature or a signed body.
"""

from __future__ import annotations

from enum import StrEnum


class MtGoxError(Exception):
    """Base class of every error the client raises."""


class MtGoxConnectionError(MtGoxError):
    """The exchange could not be reached or did not answer properly at HTTP level.

    Network and DNS failures, refused or dropped connections, and HTTP 5xx replies
    that carry no JSON error body.
    """


class MtGoxTimeoutError(MtGoxConnectionError):
    """No complete reply arrived within the client's request timeout."""


class MtGoxResponseError(MtGoxError):
    """A reply arrived but could not be understood.

    HTML where JSON was expected, truncated JSON, an unexpected shape, or the
    exchange's plain-text "MySQL error, please retry later".
    """


class MtGoxRateLimitError(MtGoxError):
    """The exchange's anti-DDoS filter blocked the request."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Store how many seconds the server asked us to wait, if it said."""
        super().__init__(message, retry_after)
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        """Describe the block and the wait the server asked for."""
        if self.retry_after is None:
            return self.message
        return f"{self.message} (retry after {self.retry_after:g} s)"


class MtGoxApiError(MtGoxError):
    """The exchange answered {"result": "error"} (or a v0 {"error": ...})."""

    def __init__(self, message: str, token: str | None = None) -> None:
        """Keep the exchange's message and its machine-readable token, if any."""
        super().__init__(message, token)
        self.message = message
        self.token = token

    def __str__(self) -> str:
        """Show the exchange's message followed by its token."""
        if self.token is None:
            return self.message
        return f"{self.message} [{self.token}]"


class MtGoxOrderNotFoundError(MtGoxApiError):
    """The exchange does not know the order (any more).

    Raised by cancel_order for an order that is not open, and by order_result
    for an order closed without a single fill, which the exchange forgets.
    """


class MtGoxAuthenticationError(MtGoxApiError):
    """The key, the signature or the nonce was refused, or a right is missing."""


class MtGoxStaleNonceError(MtGoxAuthenticationError):
    """The exchange refused the call only because its nonce was not above the last.

    Another client of the same key used a higher nonce; the call did nothing.
    """


class MtGoxOrderRejectedError(MtGoxApiError):
    """The exchange refused to place the order (too small, not enough funds, ...)."""


class MtGoxOrderUnknownError(MtGoxError):
    """An order request was sent but its outcome is unknown.

    Raised by add_order when the connection dropped, timed out or returned garbage
    after the request may have reached the exchange. The order may or may not
    exist: look at the open orders before placing it again. Never retried
    automatically, because a retry could place the order twice.
    """


class MtGoxOrderPlacedError(MtGoxError):
    """The exchange placed the order but did not say which order id it got.

    Raised by add_order on API v0 only, when the reply (which lists every open
    order but may not name the new one) leaves the new order unidentified:
    it already filled, or several new orders look alike. The order exists or
    existed; never place it again because of this error.
    """


class AmountProblem(StrEnum):
    """Why an amount or price cannot be sent to the exchange."""

    NOT_A_NUMBER = "not_a_number"
    NOT_POSITIVE = "not_positive"
    TOO_LARGE = "too_large"
    TOO_MANY_DECIMALS = "too_many_decimals"


class MtGoxAmountError(MtGoxError, ValueError):
    """An amount or price the exchange cannot take; nothing was sent.

    ``problem`` says why; ``decimals`` is how many decimal places the
    currency's integer unit holds.
    """

    def __init__(
        self, problem: AmountProblem, value: object, currency: str, decimals: int
    ) -> None:
        """Keep the problem, the refused value and its currency."""
        rule = {
            AmountProblem.NOT_A_NUMBER: "is not a finite number",
            AmountProblem.NOT_POSITIVE: "must be positive",
            AmountProblem.TOO_LARGE: "is beyond the API's 64-bit integer units",
            AmountProblem.TOO_MANY_DECIMALS: f"has more than {decimals} decimal places",
        }[problem]
        super().__init__(f"{currency} amount {value!s:.40} {rule}")
        self.problem = problem
        self.value = value
        self.currency = currency
        self.decimals = decimals
