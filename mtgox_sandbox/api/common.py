"""What every API version shares: endpoints, call context, errors, routing contract.

An :class:`Endpoint` is one API method (``info``, ``order/add``...) with the
rights it needs and whether its result may be cached; its handler turns a
:class:`CallContext` into the JSON-ready result.  An :class:`ApiVersion` maps a
URL path to an endpoint and wraps results and errors in the version's envelope.
The server (``server.py``) does everything in between: rate limit, faults,
authentication, cache, counters, persistence.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl

from mtgox_sandbox.engine.models import Account
from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.money import parse_int64

UNKNOWN_ERROR: Final = "unknown_error"
"""The attested token of application errors (``Order not found``...)."""

APPLICATION_ERROR_STATUS: Final = 500
"""HTTP status of application errors: goxtool saw 5xx carrying them (reference §6)."""


class ApiError(Exception):
    """An error answer: the API's ``message``, its ``token`` and the HTTP status."""

    def __init__(
        self,
        message: str,
        token: str | None = UNKNOWN_ERROR,
        status: int = APPLICATION_ERROR_STATUS,
    ) -> None:
        """Describe the error as the API reports it."""
        super().__init__(message)
        self.message = message
        self.token = token
        self.status = status


def invalid_call() -> ApiError:
    """Return the error for a path naming no known method (HTTP 404).

    "Invalid call" is the text the streaming API answered to unknown calls;
    sferik/mtgox ignores ``result: error`` bodies served with 404, which fits
    unknown methods being answered that way.
    """
    return ApiError("Invalid call", "invalid_call", 404)


def invalid_parameter(name: str, expected: str) -> ApiError:
    """Return the error for a missing or malformed parameter (XChange fixture text)."""
    return ApiError(f'Invalid parameter "{name}" (should be {expected})')


@dataclass(frozen=True, slots=True)
class CallContext:
    """Everything a handler may use: the engine, the caller, the pair, the params."""

    exchange: Exchange
    pair: str | None
    params: Mapping[str, str]
    now_us: int
    """The server clock (fault-skewed if so configured), in Unix µs."""
    caller: Account | None = None

    @property
    def account(self) -> Account:
        """Return the authenticated account (only private endpoints ask for it)."""
        if self.caller is None:
            raise RuntimeError("a public endpoint asked for the caller's account")
        return self.caller

    def require_pair(self) -> str:
        """Return the call's currency pair; fail like the API for a pair-less path."""
        if self.pair is None:
            raise ApiError("This call requires a currency pair, e.g. BTCUSD")
        return self.pair

    def text(self, name: str, expected: str) -> str:
        """Return a required parameter as text."""
        value = self.params.get(name, "")
        if not value:
            raise invalid_parameter(name, expected)
        return value

    def integer(self, name: str, expected: str = "an integer") -> int | None:
        """Return an optional integer parameter from 0 to 2**63 - 1 (``None`` if absent)."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        number = parse_int64(value)
        if number is None:
            raise invalid_parameter(name, expected)
        return number


def form_params(query: Mapping[str, str], body: bytes) -> dict[str, str]:
    """Merge the query string and the form body (the body wins).

    The body is parsed as ``parse_qsl`` (blank values kept) would; one without
    escapes (``%``, ``+``), which is every order a client signs, more cheaply.
    """
    params = dict(query)
    text = body.decode("utf-8", "replace")
    if "%" in text or "+" in text:
        params.update(parse_qsl(text, keep_blank_values=True))
        return params
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[name] = value
    return params


Handler = Callable[[CallContext], Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API method and how the server must treat it."""

    name: str
    """Canonical method name; counters and the cache key use it."""
    handler: Handler
    rights: frozenset[str] = field(default_factory=frozenset)
    """Rights of which the key must hold one; empty for public data."""
    cacheable: bool = False
    """Whether the 10-second cache applies (read-only calls only)."""
    per_account: bool = False
    """Whether the result depends on the caller's account and wallets only, so
    its rendered body is kept until they change (:mod:`mtgox_sandbox.renders`)."""

    @property
    def private(self) -> bool:
        """Return whether the call must be signed."""
        return bool(self.rights)


@dataclass(frozen=True, slots=True)
class Route:
    """A parsed request path."""

    endpoint: Endpoint
    pair: str | None
    signed_path: str
    """The path as the client signs it (v2: everything after ``/api/2/``)."""


class ApiVersion(Protocol):
    """One API version's paths and envelopes."""

    @property
    def number(self) -> int:
        """Return the version number (0, 1 or 2)."""
        ...

    def route(self, path: str) -> Route:
        """Return the endpoint for ``path`` (after ``/api/<n>/``); raise ``ApiError``."""
        ...

    def success(self, data: Any, query: Mapping[str, str]) -> Any:
        """Wrap a handler's result in the version's envelope."""
        ...

    def failure(self, error: ApiError) -> Any:
        """Return the version's body for an error."""
        ...
