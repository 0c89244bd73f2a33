"""Public calls' paths, and the replies of ``order/lag``, ``order/quote`` and ``idkey``."""

from __future__ import annotations

from decimal import Decimal

from .errors import MtGoxResponseError
from .fields import excerpt, field, integer, json_object, string
from .models import ApiVersion, require_v0_item
from .money import from_int_units, split_pair

_MICROSECOND_PLACES = 6


def ticker_path(version: ApiVersion, pair: str) -> tuple[str, dict[str, str] | None]:
    """Return the path and query of a pair's ticker in ``version``."""
    item, currency = split_pair(pair)
    match version:
        case ApiVersion.V0:
            require_v0_item(item)
            return "data/ticker.php", {"Currency": currency}
        case ApiVersion.V1:
            return f"{pair}/ticker", None
        case ApiVersion.V2:
            return f"{pair}/money/ticker", None


def engine_path(
    version: ApiVersion, prefix: str, method: str
) -> tuple[ApiVersion, str]:
    """Return the version and path of a pair's or ``generic`` call in v1/v2 grammar.

    ``prefix`` is a pair or ``generic``. v0 had no lag or quote call, and its
    ``getDepth.php`` sends only floats, so a v0 client asks v1 of the same server.
    A pair is checked first (ValueError when it is not one such as "BTCUSD").
    """
    if prefix != "generic":
        split_pair(prefix)
    if version is ApiVersion.V2:
        money = "money" if prefix == "generic" else f"{prefix}/money"
        return ApiVersion.V2, f"{money}/{method}"
    return ApiVersion.V1, f"{prefix}/{method}"


def parse_lag(payload: object) -> Decimal:
    """Return the engine's lag in seconds, exactly, from its microsecond ``lag``.

    ``lag_secs`` is a float and ``lag_text`` prose; ``lag`` is the exact figure.
    """
    lag = integer(field(json_object(payload, "lag"), "lag"), "lag")
    if lag < 0:
        raise MtGoxResponseError(f"lag: expected at least 0, got {excerpt(lag)}")
    return Decimal(lag).scaleb(-_MICROSECOND_PLACES)


def parse_quote(currency: str, payload: object) -> Decimal:
    """Return a quote's ``amount``, integer units of the pair's ``currency``."""
    units = integer(field(json_object(payload, "quote"), "amount"), "quote amount")
    if units < 0:
        raise MtGoxResponseError(f"quote: expected at least 0, got {excerpt(units)}")
    return from_int_units(units, currency)


def parse_idkey(payload: object) -> str:
    """Return the reply of ``idkey``: the key of the account's private channel."""
    return string(payload, "idkey")
