"""The JSON shapes of reference §5, built from the engine's integer objects.

Every shape keeps the reference's field names and its string-versus-number
choices: currency objects are all strings; ``tid``/``stamp``/``now``/
``priority`` are µs integers as strings; ``date`` is Unix seconds as a number;
depth ``price``/``amount`` are JSON numbers while HTTP trades print them as
strings.

Choices where the reference is silent:

* **Withdrawal limits.** The sandbox has no withdrawals, but ``info`` shows
  plausible limits: a daily limit of 100 BTC or 10,000 units of a fiat
  currency (1,000,000 JPY), a monthly limit of 30 daily limits (``null`` for
  BTC, as attested) and ``Max_Withdraw`` = the smaller of the available
  balance and the daily limit.
* **Order objects** report the remaining ``amount``; ``effective_amount`` is the
  same (every open order is fully funded, its reserve is taken at placement);
  ``actions`` is always empty; ``status`` is the engine's (``open`` for every
  listed order).
* **Trades** print ``price``/``amount`` without trailing zeros (``"0.1065"``, as
  in the reference) and ``primary`` ``"Y"`` (each pair trades in one currency).
* **Ticker** ``last_local``, ``last_orig``, ``last_all`` and ``last`` are the
  same price, since every pair trades in its own currency only.
* **Wallet history** entries without a trade (deposits) carry no ``Trade`` key
  and a made-up but stable ``Link`` shaped like the recorded deposit's
  (``[<uuid>, "Money_Bitcoin_Block_Tx_Out", "<uuid>:!"]``); ``Trade.tid`` is a
  string like every other trade id.
"""

import functools
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from mtgox_sandbox import money
from mtgox_sandbox.engine.models import (
    BASE,
    Account,
    DepthLevel,
    HistoryEntry,
    HistoryPage,
    Order,
    OrderFill,
    OrderResult,
    Ticker,
    Trade,
    Wallet,
)

DAILY_WITHDRAW_WHOLE_UNITS: Final[dict[str, int]] = {"BTC": 100, "JPY": 1_000_000}
"""Daily withdrawal limits in whole units; other currencies use the fiat default."""

DEFAULT_DAILY_WITHDRAW_WHOLE_UNITS: Final = 10_000
MONTHLY_WITHDRAW_DAYS: Final = 30
CURRENCY_OBJECT_CACHE_SIZE: Final = 8192
"""Formatted amounts remembered (a few MB at most)."""
LINK_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "mtgox-sandbox:history-link")


def currency_object(value_int: int, code: str) -> dict[str, str]:
    """Return the API's currency object (all strings), see ``money``."""
    return dict(_currency_object_items(value_int, code))


@functools.lru_cache(maxsize=CURRENCY_OBJECT_CACHE_SIZE)
def _currency_object_items(value_int: int, code: str) -> tuple[tuple[str, str], ...]:
    """Return a currency object's items, remembered: amounts repeat from call to call.

    An ``info`` answer alone has 26 of them; formatting was most of its cost.
    """
    return tuple(money.currency_object(value_int, code).items())


def plain_number(value_int: int, code: str) -> str:
    """Return an amount as decimal text without trailing zeros (``"0.1065"``)."""
    text = money.currency_object(value_int, code)["value"]
    return text.rstrip("0").rstrip(".") if "." in text else text


def _wallet(wallet: Wallet) -> dict[str, Any]:
    """Return one entry of ``info``'s ``Wallets``."""
    code = wallet.currency
    daily = DAILY_WITHDRAW_WHOLE_UNITS.get(code, DEFAULT_DAILY_WITHDRAW_WHOLE_UNITS)
    daily_int = daily * money.multiplier(code)
    monthly = (
        None
        if code == BASE
        else currency_object(daily_int * MONTHLY_WITHDRAW_DAYS, code)
    )
    return {
        "Balance": currency_object(wallet.balance_int, code),
        "Operations": wallet.operations,
        "Daily_Withdraw_Limit": currency_object(daily_int, code),
        "Monthly_Withdraw_Limit": monthly,
        "Max_Withdraw": currency_object(min(wallet.available_int, daily_int), code),
        "Open_Orders": currency_object(wallet.reserved_int, code),
    }


def account_info(account: Account) -> dict[str, Any]:
    """Return the account object of ``info`` (v0 ``info.php``, v1, v2)."""
    return {
        "Login": account.login,
        "Index": account.index,
        "Id": account.id,
        "Rights": sorted(account.rights),
        "Language": account.language,
        "Created": account.created,
        "Last_Login": account.last_login,
        "Wallets": {code: _wallet(w) for code, w in sorted(account.wallets.items())},
        "Monthly_Volume": currency_object(account.monthly_volume_int, BASE),
        "Trade_Fee": float(account.trade_fee),
    }


def order(item: Order) -> dict[str, Any]:
    """Return a v1/v2 order object; market orders have no ``price``."""
    shape: dict[str, Any] = {
        "oid": item.oid,
        "currency": item.currency,
        "item": BASE,
        "type": item.side,
        "amount": currency_object(item.amount_int, BASE),
        "effective_amount": currency_object(item.amount_int, BASE),
    }
    if item.price_int is not None:
        shape["price"] = currency_object(item.price_int, item.currency)
    shape |= {
        "status": item.status,
        "date": item.date,
        "priority": str(item.priority),
        "actions": [],
    }
    return shape


def ticker(figures: Ticker) -> dict[str, Any]:
    """Return the ticker object, every figure a currency object."""
    quote = money.pair_currencies(figures.pair)[1]
    prices = {
        "high": figures.high,
        "low": figures.low,
        "avg": figures.avg,
        "vwap": figures.vwap,
    }
    shape: dict[str, Any] = {
        name: currency_object(value, quote) for name, value in prices.items()
    }
    shape["vol"] = currency_object(figures.vol, BASE)
    shape |= ticker_fast(figures)
    return shape


def ticker_fast(figures: Ticker) -> dict[str, Any]:
    """Return ``ticker_fast``: the last price, best bid and ask, ``now`` and ``item``.

    The reference does not document its fields; these are the ones a client
    polling quickly needs and the full ticker also carries.
    """
    quote = money.pair_currencies(figures.pair)[1]
    last = currency_object(figures.last, quote)
    return {
        "last_local": last,
        "last_orig": last,
        "last_all": last,
        "last": last,
        "buy": currency_object(figures.buy, quote),
        "sell": currency_object(figures.sell, quote),
        "item": BASE,
        "now": str(figures.now),
    }


def depth_entry(level: DepthLevel, quote: str) -> dict[str, Any]:
    """Return one depth entry: numbers for price and amount, strings for the rest."""
    return {
        "price": money.to_float(level.price_int, quote),
        "amount": money.to_float(level.amount_int, BASE),
        "price_int": str(level.price_int),
        "amount_int": str(level.amount_int),
        "stamp": str(level.stamp),
    }


def trade(item: Trade) -> dict[str, Any]:
    """Return a trade as the HTTP API printed it (price and amount as strings)."""
    quote = money.pair_currencies(item.pair)[1]
    return {
        "date": item.date,
        "price": plain_number(item.price_int, quote),
        "amount": plain_number(item.amount_int, BASE),
        "price_int": str(item.price_int),
        "amount_int": str(item.amount_int),
        "tid": str(item.tid),
        "price_currency": quote,
        "item": BASE,
        "trade_type": item.trade_type,
        "primary": item.primary,
        "properties": item.properties,
    }


def _timestamp_text(unix_seconds: int) -> str:
    """Return ``"YYYY-MM-DD HH:MM:SS"`` (UTC), the format of order-result dates."""
    return datetime.fromtimestamp(unix_seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _result_trade(fill: OrderFill, result: OrderResult, quote: str) -> dict[str, Any]:
    """Return one trade of an order result."""
    return {
        "trade_id": str(fill.tid),
        "primary": "Y",
        "currency": quote,
        "type": result.side,
        "properties": fill.properties,
        "item": BASE,
        "amount": currency_object(fill.amount_int, BASE),
        "price": currency_object(fill.price_int, quote),
        "spent": currency_object(fill.spent_int, quote),
        "date": _timestamp_text(fill.date),
    }


def order_result(result: OrderResult) -> dict[str, Any]:
    """Return the ``order/result`` object."""
    quote = money.pair_currencies(result.pair)[1]
    return {
        "order_id": result.order_id,
        "trades": [_result_trade(fill, result, quote) for fill in result.trades],
        "total_amount": currency_object(result.total_amount_int, BASE),
        "total_spent": currency_object(result.total_spent_int, quote),
        "avg_cost": currency_object(result.avg_cost_int, quote),
    }


def _deposit_link(entry: HistoryEntry, code: str) -> list[str]:
    """Return a made-up, stable ``Link`` for a movement that has none (deposits)."""
    movement = uuid.uuid5(LINK_NAMESPACE, f"{code}:{entry.index}:{entry.date}")
    transaction = uuid.uuid5(LINK_NAMESPACE, str(movement))
    return [str(movement), "Money_Bitcoin_Block_Tx_Out", f"{transaction}:!"]


def _history_entry(entry: HistoryEntry, code: str) -> dict[str, Any]:
    """Return one record of a wallet history page."""
    shape: dict[str, Any] = {
        "Index": str(entry.index),
        "Date": entry.date,
        "Type": entry.type,
        "Value": currency_object(entry.value_int, code),
        "Balance": currency_object(entry.balance_int, code),
        "Info": entry.info,
    }
    shape["Link"] = list(entry.link) if entry.link else _deposit_link(entry, code)
    if entry.trade is not None:
        shape["Trade"] = {
            "oid": entry.trade.oid,
            "app": None,
            "tid": str(entry.trade.tid),
            "Amount": currency_object(entry.trade.amount_int, BASE),
            "Properties": entry.trade.properties,
        }
    return shape


def history_page(page: HistoryPage, code: str) -> dict[str, Any]:
    """Return a ``wallet/history`` page (``records`` is a string, as attested)."""
    return {
        "records": str(page.records),
        "result": [_history_entry(entry, code) for entry in page.result],
        "current_page": page.current_page,
        "max_page": page.max_page,
        "max_results": page.max_results,
    }
