"""Turn the exchange's replies into models, or into typed errors.

Every function here raises only MtGoxError subclasses, whatever bytes or JSON it
is given: a reply of the wrong shape becomes MtGoxResponseError, never a
KeyError, TypeError, ValueError or decimal.InvalidOperation.
"""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Final

from .errors import (
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxNotAnApiError,
    MtGoxOrderNotFoundError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    MtGoxStaleNonceError,
)
from .fields import (
    JsonObject,
    excerpt,
    field,
    from_microseconds,
    from_seconds,
    json_list,
    json_object,
    money,
    number,
    side,
    string,
    text,
    trade_date,
)
from .models import (
    PAIR_PATTERN,
    AccountInfo,
    ApiVersion,
    Order,
    OrderResult,
    OrderTrade,
    Ticker,
    Wallet,
)
from .v0 import parse_v0_orders

if TYPE_CHECKING:
    from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

INVALID_NONCE_TOKEN = "login_error_invalid_nonce"  # noqa: S105 - error token, not a credential
"""Token of the 403 the exchange sends for a nonce not above the key's last one."""

_V0_NONCE_WORD = "nonce"
"""What a v0 stale-nonce error says: v0 errors carry no token, and no real v0
stale-nonce text was recorded; the sandbox answers ``{"error": "Invalid nonce"}``.
Any other v0 login error (wrong key, signature, rights) is not a stale nonce.
"""

_AUTHENTICATION_TOKEN_PREFIX = "login_error"  # noqa: S105 - error token prefix
_MYSQL_ERROR = b"MySQL error"
_ORDER_NOT_FOUND = "order not found"
"""What every API version says, in any case, of an order it does not know."""
MAX_RETRY_AFTER = 3600.0
"""Longest block honoured, in seconds: a longer Retry-After is a server's
mistake, and obeying it would keep the account unavailable for that long."""


# Replies ---------------------------------------------------------------------


def decode_reply(
    version: ApiVersion, status: int, body: bytes, *, retry_after: str | None = None
) -> object:
    """Return the payload of a reply, or raise the error the reply stands for.

    ``retry_after`` is the reply's Retry-After header, if it had one.
    """
    if _is_rate_limit_block(status, body, retry_after):
        raise MtGoxRateLimitError(
            f"blocked by the exchange's anti-DDoS filter (HTTP {status})",
            parse_retry_after(retry_after),
        )
    try:
        document = load_json(body)
    except MtGoxResponseError as err:
        if status >= 500:
            raise MtGoxConnectionError(f"HTTP {status} without a JSON body") from None
        # A page, or a 4xx without JSON: some server, but no API, answered there.
        if status >= 400 or _looks_like_html(body):
            raise MtGoxNotAnApiError(f"HTTP {status}, {err}", version) from None
        raise
    if isinstance(document, dict) and _is_error_document(document):
        raise _api_error(version, status, document)
    if status >= 500:
        raise MtGoxConnectionError(f"HTTP {status} without a JSON error body")
    if status != 200:
        raise MtGoxResponseError(f"unexpected HTTP status {status}")
    if version is ApiVersion.V0:
        return document
    envelope_key = "return" if version is ApiVersion.V1 else "data"
    if (
        not isinstance(document, dict)
        or document.get("result") != "success"
        or envelope_key not in document
    ):
        raise MtGoxResponseError(
            f'reply lacks the v{version:d} envelope {{"result": "success", '
            f'"{envelope_key}": ...}}: {excerpt(document)}'
        )
    return document[envelope_key]


def load_json(body: bytes | str) -> object:
    """Parse JSON with every non-integer number as an exact Decimal."""
    try:
        if isinstance(body, bytes):  # as json.loads reads bytes
            return _DECODER.decode(
                body.decode(json.detect_encoding(body), "surrogatepass")
            )
        return _DECODER.decode(body)
    except (ValueError, ArithmeticError, RecursionError):
        pass
    if isinstance(body, str):
        # Only to quote it: a string from Python may hold what UTF-8 cannot.
        body = body.encode(errors="replace")
    if _MYSQL_ERROR in body:
        raise MtGoxResponseError(
            f"the exchange reported a database error: {excerpt(body)}"
        ) from None
    if _looks_like_html(body):
        raise MtGoxResponseError("HTML page where JSON was expected") from None
    raise MtGoxResponseError(f"invalid JSON: {excerpt(body)}") from None


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (delay or HTTP date)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # float() also reads "inf", "nan" and "1e999", which no server means.
        return _capped_retry_after(seconds) if math.isfinite(seconds) else None
    try:
        until = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if until.tzinfo is None:
        return None
    return _capped_retry_after((until - datetime.now(UTC)).total_seconds())


def _capped_retry_after(seconds: float) -> float:
    if seconds > MAX_RETRY_AFTER:
        _LOGGER.warning(
            "The exchange asked to wait %.0f s; waiting %.0f s at most",
            seconds,
            MAX_RETRY_AFTER,
        )
        return MAX_RETRY_AFTER
    return max(0.0, seconds)


def _is_rate_limit_block(status: int, body: bytes, retry_after: str | None) -> bool:
    # The anti-DDoS filter sat in front of the application: it answered 429 or
    # 503 with an HTML page or a Retry-After header, never the JSON envelope.
    if status == 429:
        return True
    return status == 503 and (retry_after is not None or _looks_like_html(body))


def _looks_like_html(body: bytes) -> bool:
    start = body[:512].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html")) or b"<body" in start


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


# One decoder for every body: json.loads would build one per call.
_DECODER: Final = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def _is_error_document(document: JsonObject) -> bool:
    # v1/v2 say {"result": "error", ...}; v0 just {"error": "..."}.
    if "result" in document:
        return document["result"] == "error"
    return isinstance(document.get("error"), str)


def _api_error(version: ApiVersion, status: int, document: JsonObject) -> MtGoxApiError:
    message = document.get("error")
    token = document.get("token")
    text = message[:200] if isinstance(message, str) else "unspecified error"
    token_text = token if isinstance(token, str) else None
    # v1/v2 name a stale nonce with a token; v0 errors have none, so there
    # the message must mention the nonce.
    if token_text == INVALID_NONCE_TOKEN or (
        version is ApiVersion.V0
        and token_text is None
        and _V0_NONCE_WORD in text.lower()
    ):
        return MtGoxStaleNonceError(text, token_text)
    if status == 403 or (
        token_text is not None and token_text.startswith(_AUTHENTICATION_TOKEN_PREFIX)
    ):
        return MtGoxAuthenticationError(text, token_text)
    if text.strip().casefold() == _ORDER_NOT_FOUND:
        return MtGoxOrderNotFoundError(text, token_text)
    return MtGoxApiError(text, token_text)


# Payloads --------------------------------------------------------------------


def parse_ticker(version: ApiVersion, pair: str, payload: object) -> Ticker:
    """Parse a ticker: v0 ``{"ticker": {numbers}}``, v1/v2 currency objects."""
    item, currency = pair[:3], pair[3:]
    read: Callable[[str, str], Decimal]
    if version is ApiVersion.V0:
        fields = json_object(
            field(json_object(payload, "ticker reply"), "ticker"), "ticker"
        )
        updated = None

        def read(key: str, _unit: str) -> Decimal:
            return number(fields, key, "ticker")

    else:
        fields = json_object(payload, "ticker")
        now = fields.get("now")
        updated = None if now is None else from_microseconds(now, "ticker now")

        def read(key: str, unit: str) -> Decimal:
            return money(fields, key, "ticker", unit)

    # Early v0 tickers had no "avg" (the recorded one has none).
    average = None if fields.get("avg") is None else read("avg", currency)
    return Ticker(
        pair=pair,
        item=item,
        currency=currency,
        last=read("last", currency),
        bid=read("buy", currency),
        ask=read("sell", currency),
        high=read("high", currency),
        low=read("low", currency),
        average=average,
        vwap=read("vwap", currency),
        volume=read("vol", item),
        updated=updated,
    )


def parse_account_info(payload: object) -> AccountInfo:
    """Parse the account object (the same shape in v0, v1 and v2)."""
    account = json_object(payload, "account")
    rights = json_list(field(account, "Rights"), "account Rights")
    wallets: dict[str, Wallet] = {}
    invalid_wallets: set[str] = set()
    for currency, wallet in json_object(field(account, "Wallets"), "Wallets").items():
        # One unreadable wallet must not hide the account and the other wallets.
        try:
            wallets[currency] = _wallet(currency, wallet)
        except MtGoxResponseError:
            _LOGGER.debug("Skipping the %s wallet: unreadable", currency[:8])
            invalid_wallets.add(currency)
    return AccountInfo(
        account_id=text(account, "Id", "account"),
        login=text(account, "Login", "account"),
        rights=frozenset(string(right, "account right") for right in rights),
        wallets=wallets,
        trade_fee=number(account, "Trade_Fee", "account"),
        monthly_volume=money(account, "Monthly_Volume", "account", "BTC"),
        invalid_wallets=frozenset(invalid_wallets),
    )


def parse_orders(version: ApiVersion, payload: object) -> list[Order]:
    """Parse open orders: v0 ``{"orders": [...], ...}``, v1/v2 a bare list."""
    if version is ApiVersion.V0:
        return parse_v0_orders(payload)
    return [_order(order) for order in json_list(payload, "orders")]


def parse_order_id(version: ApiVersion, payload: object) -> str | None:
    """Parse the reply to order/add: the new order's id.

    None only for a v0 reply that has its ``status`` but no ``oid``, like the
    recorded real ``buyBTC.php`` reply: the order was queued, but the reply only
    lists every open order (see parse_orders) without saying which is new.
    """
    if version is ApiVersion.V0:
        reply = json_object(payload, "order reply")
        if "oid" in reply:
            return text(reply, "oid", "order reply")
        text(reply, "status", "order reply")
        return None
    return string(payload, "order id")


def parse_order_result(payload: object) -> OrderResult:
    """Parse the reply to ``order/result``."""
    result = json_object(payload, "order result")
    average = result.get("avg_cost")
    return OrderResult(
        order_id=text(result, "order_id", "order result"),
        trades=tuple(
            _order_trade(trade)
            for trade in json_list(field(result, "trades"), "order result trades")
        ),
        total_amount=money(result, "total_amount", "order result", None),
        total_spent=money(result, "total_spent", "order result", None),
        average_cost=None
        if average is None
        else money(result, "avg_cost", "order result", None),
    )


def _wallet(currency: str, value: object) -> Wallet:
    wallet = json_object(value, f"{currency} wallet")
    what = f"{currency} wallet"
    # The 2012 account object had no Open_Orders; nothing held is the honest reading.
    held = (
        Decimal(0)
        if wallet.get("Open_Orders") is None
        else money(wallet, "Open_Orders", what, currency)
    )
    return Wallet(
        currency=currency,
        balance=money(wallet, "Balance", what, currency),
        open_orders=held,
    )


def _order(value: object) -> Order:
    order = json_object(value, "order")
    item = text(order, "item", "order")
    currency = text(order, "currency", "order")
    amount = money(order, "amount", "order", item)
    # Orders of 2012 had no effective_amount: all of the amount was effective.
    effective_amount = (
        amount
        if order.get("effective_amount") is None
        else money(order, "effective_amount", "order", item)
    )
    # A market order has no price.
    price = (
        None if order.get("price") is None else money(order, "price", "order", currency)
    )
    return Order(
        oid=text(order, "oid", "order"),
        pair=f"{item}{currency}",
        item=item,
        currency=currency,
        side=side(text(order, "type", "order")),
        amount=amount,
        effective_amount=effective_amount,
        price=price,
        status=text(order, "status", "order"),
        date=from_seconds(field(order, "date"), "order date"),
    )


def _order_trade(value: object) -> OrderTrade:
    trade = json_object(value, "order trade")
    currency = text(trade, "currency", "order trade")
    date = trade.get("date")
    return OrderTrade(
        trade_id=text(trade, "trade_id", "order trade"),
        amount=money(trade, "amount", "order trade", None),
        price=money(trade, "price", "order trade", currency),
        spent=money(trade, "spent", "order trade", currency),
        currency=currency,
        date=None if date is None else trade_date(date),
    )


def parse_traded_pairs(payload: object) -> tuple[str, ...]:
    """Return the pairs that ``stream/list_public``'s channel names name, sorted.

    The list maps names such as ``ticker.BTCUSD``, ``depth.BTCUSD`` and
    ``trade.lag`` to channel UUIDs; the ticker and depth names end in a pair.
    """
    if not isinstance(payload, dict):
        raise MtGoxResponseError(f"channel list is not an object: {excerpt(payload)}")
    pairs = {
        pair
        for kind, _, pair in (str(name).partition(".") for name in payload)
        if kind in {"ticker", "depth"} and PAIR_PATTERN.fullmatch(pair)
    }
    if not pairs:
        raise MtGoxResponseError(f"channel list names no pair: {excerpt(payload)}")
    return tuple(sorted(pairs))
