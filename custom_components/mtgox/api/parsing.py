"""Turn the exchange's replies into models, or into typed errors.

Every function here raises only MtGoxError subclasses, whatever bytes or JSON it
is given: a reply of the wrong shape becomes MtGoxResponseError, never a
KeyError, TypeError, ValueError or decimal.InvalidOperation.
"""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from .errors import (
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxRateLimitError,
    MtGoxResponseError,
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
from .money import from_int_units, parse_money

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
_INTEGER = re.compile(r"-?[0-9]{1,20}")
_DECIMAL = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRADE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_V0_SIDES = {1: Side.ASK, 2: Side.BID}
_V0_STATUSES = {1: "open", 2: "invalid"}
"""The documented v0 statuses in v1 words; others (0 occurs) keep their number."""
_EXCERPT = 120

type JsonObject = dict[str, object]


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
    except MtGoxResponseError:
        if status >= 500:
            raise MtGoxConnectionError(f"HTTP {status} without a JSON body") from None
        raise
    if isinstance(document, dict) and _is_error_document(document):
        raise _api_error(status, document)
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
            f'"{envelope_key}": ...}}: {_excerpt(document)}'
        )
    return document[envelope_key]


def load_json(body: bytes) -> object:
    """Parse JSON with every non-integer number as an exact Decimal."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, ArithmeticError, RecursionError):
        pass
    if _MYSQL_ERROR in body:
        raise MtGoxResponseError(
            f"the exchange reported a database error: {_excerpt(body)}"
        ) from None
    if _looks_like_html(body):
        raise MtGoxResponseError("HTML page where JSON was expected") from None
    raise MtGoxResponseError(f"invalid JSON: {_excerpt(body)}") from None


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
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        until = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if until.tzinfo is None:
        return None
    return max(0.0, (until - datetime.now(UTC)).total_seconds())


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


def _is_error_document(document: JsonObject) -> bool:
    # v1/v2 say {"result": "error", ...}; v0 just {"error": "..."}.
    if "result" in document:
        return document["result"] == "error"
    return isinstance(document.get("error"), str)


def _api_error(status: int, document: JsonObject) -> MtGoxApiError:
    message = document.get("error")
    token = document.get("token")
    text = message[:200] if isinstance(message, str) else "unspecified error"
    token_text = token if isinstance(token, str) else None
    if status == 403 or (
        token_text is not None and token_text.startswith(_AUTHENTICATION_TOKEN_PREFIX)
    ):
        return MtGoxAuthenticationError(text, token_text)
    return MtGoxApiError(text, token_text)


def is_stale_nonce(version: ApiVersion, error: MtGoxAuthenticationError) -> bool:
    """Return whether the exchange refused a call only because its nonce was stale.

    v1/v2 say so with a token; v0 errors have none, so there the message must
    mention the nonce.
    """
    if version is ApiVersion.V0 and error.token is None:
        return _V0_NONCE_WORD in error.message.lower()
    return error.token == INVALID_NONCE_TOKEN


def _excerpt(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _EXCERPT else f"{text[:_EXCERPT]}..."


# Payloads --------------------------------------------------------------------


def parse_ticker(version: ApiVersion, pair: str, payload: object) -> Ticker:
    """Parse a ticker: v0 ``{"ticker": {numbers}}``, v1/v2 currency objects."""
    item, currency = pair[:3], pair[3:]
    read: Callable[[str, str], Decimal]
    if version is ApiVersion.V0:
        fields = _object(_field(_object(payload, "ticker reply"), "ticker"), "ticker")
        updated = None

        def read(key: str, _unit: str) -> Decimal:
            return _number(fields, key, "ticker")

    else:
        fields = _object(payload, "ticker")
        now = fields.get("now")
        updated = None if now is None else _from_microseconds(now, "ticker now")

        def read(key: str, unit: str) -> Decimal:
            return _money(fields, key, "ticker", unit)

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


def parse_currency_info(payload: object) -> CurrencyInfo:
    """Parse the currency description of ``money/currency``."""
    info = _object(payload, "currency")
    return CurrencyInfo(
        currency=_text(info, "currency", "currency"),
        name=_text(info, "name", "currency"),
        symbol=_text(info, "symbol", "currency"),
        decimals=_integer(_field(info, "decimals"), "currency decimals"),
        display_decimals=_integer(
            _field(info, "display_decimals"), "currency display_decimals"
        ),
    )


def parse_account_info(payload: object) -> AccountInfo:
    """Parse the account object (the same shape in v0, v1 and v2)."""
    account = _object(payload, "account")
    rights = _list(_field(account, "Rights"), "account Rights")
    wallets: dict[str, Wallet] = {}
    invalid_wallets: set[str] = set()
    for currency, wallet in _object(_field(account, "Wallets"), "Wallets").items():
        # One unreadable wallet must not hide the account and the other wallets.
        try:
            wallets[currency] = _wallet(currency, wallet)
        except MtGoxResponseError:
            _LOGGER.debug("Skipping the %s wallet: unreadable", currency[:8])
            invalid_wallets.add(currency)
    return AccountInfo(
        account_id=_text(account, "Id", "account"),
        login=_text(account, "Login", "account"),
        rights=frozenset(_string(right, "account right") for right in rights),
        wallets=wallets,
        trade_fee=_number(account, "Trade_Fee", "account"),
        monthly_volume=_money(account, "Monthly_Volume", "account", "BTC"),
        invalid_wallets=frozenset(invalid_wallets),
    )


def parse_orders(version: ApiVersion, payload: object) -> list[Order]:
    """Parse open orders: v0 ``{"orders": [...], ...}``, v1/v2 a bare list."""
    if version is ApiVersion.V0:
        orders = _list(_field(_object(payload, "orders reply"), "orders"), "orders")
        return [_v0_order(order) for order in orders]
    return [_order(order) for order in _list(payload, "orders")]


def parse_order_id(version: ApiVersion, payload: object) -> str | None:
    """Parse the reply to order/add: the new order's id.

    None only for a v0 reply that has its ``status`` but no ``oid``, like the
    recorded real ``buyBTC.php`` reply: the order was queued, but the reply only
    lists every open order (see parse_orders) without saying which is new.
    """
    if version is ApiVersion.V0:
        reply = _object(payload, "order reply")
        if "oid" in reply:
            return _text(reply, "oid", "order reply")
        _text(reply, "status", "order reply")
        return None
    return _string(payload, "order id")


def parse_order_result(payload: object) -> OrderResult:
    """Parse the reply to ``order/result``."""
    result = _object(payload, "order result")
    average = result.get("avg_cost")
    return OrderResult(
        order_id=_text(result, "order_id", "order result"),
        trades=tuple(
            _order_trade(trade)
            for trade in _list(_field(result, "trades"), "order result trades")
        ),
        total_amount=_money(result, "total_amount", "order result", None),
        total_spent=_money(result, "total_spent", "order result", None),
        average_cost=None
        if average is None
        else _money(result, "avg_cost", "order result", None),
    )


def _wallet(currency: str, value: object) -> Wallet:
    wallet = _object(value, f"{currency} wallet")
    what = f"{currency} wallet"
    # The 2012 account object had no Open_Orders; nothing held is the honest reading.
    held = (
        Decimal(0)
        if wallet.get("Open_Orders") is None
        else _money(wallet, "Open_Orders", what, currency)
    )
    return Wallet(
        currency=currency,
        balance=_money(wallet, "Balance", what, currency),
        open_orders=held,
    )


def _order(value: object) -> Order:
    order = _object(value, "order")
    item = _text(order, "item", "order")
    currency = _text(order, "currency", "order")
    amount = _money(order, "amount", "order", item)
    # Orders of 2012 had no effective_amount: all of the amount was effective.
    effective_amount = (
        amount
        if order.get("effective_amount") is None
        else _money(order, "effective_amount", "order", item)
    )
    # A market order has no price.
    price = (
        None
        if order.get("price") is None
        else _money(order, "price", "order", currency)
    )
    return Order(
        oid=_text(order, "oid", "order"),
        pair=f"{item}{currency}",
        item=item,
        currency=currency,
        side=_side(_text(order, "type", "order")),
        amount=amount,
        effective_amount=effective_amount,
        price=price,
        status=_text(order, "status", "order"),
        date=_from_seconds(_field(order, "date"), "order date"),
    )


def _v0_order(value: object) -> Order:
    order = _object(value, "order")
    item = _text(order, "item", "order")
    currency = _text(order, "currency", "order")
    side = _V0_SIDES.get(_integer(_field(order, "type"), "v0 order type"))
    if side is None:
        raise MtGoxResponseError(f"v0 order type is not 1 or 2: {_excerpt(order)}")
    real_status = order.get("real_status")
    if isinstance(real_status, str) and real_status:
        status = real_status
    else:
        number = _integer(_field(order, "status"), "v0 order status")
        status = _V0_STATUSES.get(number, str(number))
    amount = _v0_amount(order, "amount", item)
    price = None if order.get("price") is None else _v0_amount(order, "price", currency)
    return Order(
        oid=_text(order, "oid", "order"),
        pair=f"{item}{currency}",
        item=item,
        currency=currency,
        side=side,
        amount=amount,
        effective_amount=amount,
        price=price,
        status=status,
        date=_from_seconds(_field(order, "date"), "order date"),
    )


def _v0_amount(order: JsonObject, key: str, currency: str) -> Decimal:
    """Return a v0 amount: exact ``<key>_int`` (2013) or the plain number (2011)."""
    units = order.get(f"{key}_int")
    if units is None:
        return _number(order, key, "order")
    return from_int_units(_integer(units, f"order {key}_int"), currency)


def _order_trade(value: object) -> OrderTrade:
    trade = _object(value, "order trade")
    currency = _text(trade, "currency", "order trade")
    date = trade.get("date")
    return OrderTrade(
        trade_id=_text(trade, "trade_id", "order trade"),
        amount=_money(trade, "amount", "order trade", None),
        price=_money(trade, "price", "order trade", currency),
        spent=_money(trade, "spent", "order trade", currency),
        currency=currency,
        date=None if date is None else _trade_date(date),
    )


# Fields ----------------------------------------------------------------------


def _object(value: object, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise MtGoxResponseError(f"{what}: expected an object, got {_excerpt(value)}")
    return value


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise MtGoxResponseError(f"{what}: expected a list, got {_excerpt(value)}")
    return value


def _field(container: JsonObject, key: str) -> object:
    try:
        return container[key]
    except KeyError:
        raise MtGoxResponseError(f"missing {key!r} in {_excerpt(container)}") from None


def _string(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise MtGoxResponseError(f"{what}: expected a string, got {_excerpt(value)}")
    return value


def _text(container: JsonObject, key: str, what: str) -> str:
    return _string(_field(container, key), f"{what} {key}")


def _money(container: JsonObject, key: str, what: str, currency: str | None) -> Decimal:
    """Return a currency object's amount, checking its currency when one is expected."""
    money = parse_money(_object(_field(container, key), f"{what} {key}"))
    if currency is not None and money.currency != currency:
        raise MtGoxResponseError(
            f"{what} {key}: expected {currency}, got {money.currency}"
        )
    return money.amount


def _number(container: JsonObject, key: str, what: str) -> Decimal:
    """Return a bare number (v0 bodies, Trade_Fee): JSON number or decimal text."""
    value = _field(container, key)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    raise MtGoxResponseError(f"{what} {key}: expected a number, got {_excerpt(value)}")


def _integer(value: object, what: str) -> int:
    """Return an integer sent as a JSON integer or as a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise MtGoxResponseError(f"{what}: expected an integer, got {_excerpt(value)}")


def _side(value: str) -> Side:
    try:
        return Side(value)
    except ValueError:
        raise MtGoxResponseError(f"unknown order type {_excerpt(value)}") from None


def _from_seconds(value: object, what: str) -> datetime:
    return _after_epoch(what, seconds=_integer(value, what))


def _from_microseconds(value: object, what: str) -> datetime:
    return _after_epoch(what, microseconds=_integer(value, what))


def _after_epoch(what: str, *, seconds: int = 0, microseconds: int = 0) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=microseconds)
    except OverflowError:
        raise MtGoxResponseError(f"{what}: out of range") from None


def _trade_date(value: object) -> datetime:
    """Parse an order-result trade date: "YYYY-MM-DD HH:MM:SS" (UTC) or seconds."""
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        try:
            return datetime.strptime(value, _TRADE_DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise MtGoxResponseError(
                f"order trade date: not a date: {_excerpt(value)}"
            ) from None
    return _from_seconds(value, "order trade date")
