"""Signing and calling the sandbox the way 2011-2014 clients did, plus shape checks.

The HMAC is computed here, independently of ``mtgox_sandbox.auth``, so the
tests check the server against the reference (§1), not against itself.
"""

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp

from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.store import Store

CURRENCY_OBJECT_KEYS: Final = {
    "value",
    "value_int",
    "display",
    "display_short",
    "currency",
}
FORM: Final = {"Content-Type": "application/x-www-form-urlencoded"}


@contextlib.contextmanager
def memory_exchange(**options: Any) -> Iterator[Exchange]:
    """Run a new exchange in an in-memory database, closed on exit."""
    exchange = Exchange(**options)
    try:
        yield exchange
    finally:
        exchange.store.close()


@contextlib.contextmanager
def saved_exchange(path: Path) -> Iterator[Exchange]:
    """Open the exchange committed to the database at ``path``, as a restart would.

    A running sandbox may keep writing: WAL lets this reader see the last commit.
    """
    store = Store(path)
    try:
        yield Exchange(store=store)
    finally:
        store.close()


def rest_sign(secret: str, message: bytes) -> str:
    """Return base64(HMAC-SHA512(base64decode(secret), message))."""
    digest = hmac.new(base64.b64decode(secret), message, hashlib.sha512).digest()
    return base64.b64encode(digest).decode()


def message_for(path: str, body: bytes) -> bytes:
    """Return what a client signs for ``path`` (after ``/api/``): v2 adds the path."""
    if path.startswith("2/"):
        return path[2:].split("?")[0].encode() + b"\0" + body
    return body


@dataclass(slots=True)
class Reply:
    """A response as the tests look at it."""

    status: int
    text: str
    headers: Mapping[str, str]
    json: Any = None


_microseconds = itertools.count(time.time_ns() // 1000)


def fresh_nonce() -> int:
    """Return a nonce above every earlier one (Unix µs, strictly increasing)."""
    return max(next(_microseconds), time.time_ns() // 1000 + 1)


@dataclass(slots=True)
class Caller:
    """Calls one sandbox as one API key."""

    session: aiohttp.ClientSession
    url: str
    key: str
    secret: str
    last_body: bytes = field(default=b"")

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send a raw request and decode a JSON answer when there is one."""
        async with self.session.request(
            method, self.url + path, data=body, headers=dict(headers or {})
        ) as response:
            text = await response.text()
            decoded = None
            if response.content_type == "application/json":
                with contextlib.suppress(ValueError):  # a truncated body stays None
                    decoded = json.loads(text)
            return Reply(response.status, text, response.headers, decoded)

    async def get(self, path: str) -> Reply:
        """GET a public call."""
        return await self.request("GET", path)

    async def signed(
        self,
        path: str,
        params: Mapping[str, object] | None = None,
        *,
        nonce: int | None = None,
        body: bytes | None = None,
        rest_sign_value: str | None = None,
        key: str | None = None,
    ) -> Reply:
        """POST a signed call; ``nonce`` defaults to a fresh one, ``body`` overrides."""
        if body is None:
            fields: dict[str, object] = {"nonce": nonce or fresh_nonce()}
            fields.update(params or {})
            body = urlencode(fields).encode()
        self.last_body = body
        signature = rest_sign_value or rest_sign(self.secret, message_for(path, body))
        headers = {"Rest-Key": key or self.key, "Rest-Sign": signature, **FORM}
        return await self.request("POST", path, body=body, headers=headers)

    async def data(self, path: str, params: Mapping[str, object] | None = None) -> Any:
        """Return the payload of a successful signed v1/v2 call."""
        reply = await self.signed(path, params)
        assert reply.status == 200, reply.text
        assert reply.json["result"] == "success", reply.text
        return reply.json["data" if path.startswith("2/") else "return"]

    async def public(self, path: str) -> Any:
        """Return the payload of a successful public v1/v2 GET."""
        reply = await self.get(path)
        assert reply.status == 200, reply.text
        assert reply.json["result"] == "success", reply.text
        return reply.json["data" if path.startswith("2/") else "return"]


def assert_currency_object(value: Any, currency: str | None = None) -> None:
    """Check a currency object: five string fields, value matching value_int."""
    assert set(value) == CURRENCY_OBJECT_KEYS, value
    assert all(isinstance(item, str) for item in value.values()), value
    if currency is not None:
        assert value["currency"] == currency
    whole, _, fraction = value["value"].lstrip("-").partition(".")
    assert int(whole + fraction) == abs(int(value["value_int"])), value


TICKER_PRICES: Final = (
    "high",
    "low",
    "avg",
    "vwap",
    "last_local",
    "last_orig",
    "last_all",
    "last",
    "buy",
    "sell",
)


def assert_ticker(ticker: Any, quote: str = "USD") -> None:
    """Check the full ticker object of reference §5."""
    assert set(ticker) == {*TICKER_PRICES, "vol", "now", "item"}
    for name in TICKER_PRICES:
        assert_currency_object(ticker[name], quote)
    assert_currency_object(ticker["vol"], "BTC")
    assert isinstance(ticker["now"], str)
    assert ticker["now"].isdigit()
    assert ticker["item"] == "BTC"


def assert_depth_entry(entry: Any) -> None:
    """Check a depth entry: numbers for price/amount, strings for the rest."""
    assert set(entry) == {"price", "amount", "price_int", "amount_int", "stamp"}
    assert isinstance(entry["price"], float | int)
    assert isinstance(entry["amount"], float | int)
    for name in ("price_int", "amount_int", "stamp"):
        assert isinstance(entry[name], str)
        assert entry[name].isdigit()


TRADE_KEYS: Final = {
    "date",
    "price",
    "amount",
    "price_int",
    "amount_int",
    "tid",
    "price_currency",
    "item",
    "trade_type",
    "primary",
    "properties",
}


def assert_trade(trade: Any) -> None:
    """Check an HTTP trade: strings everywhere except the ``date`` number."""
    assert set(trade) == TRADE_KEYS
    assert isinstance(trade["date"], int)
    for name in TRADE_KEYS - {"date"}:
        assert isinstance(trade[name], str), name


WALLET_KEYS: Final = {
    "Balance",
    "Operations",
    "Daily_Withdraw_Limit",
    "Monthly_Withdraw_Limit",
    "Max_Withdraw",
    "Open_Orders",
}


def assert_info(info: Any) -> None:
    """Check the account object of reference §5."""
    assert set(info) == {
        "Login",
        "Index",
        "Id",
        "Rights",
        "Language",
        "Created",
        "Last_Login",
        "Wallets",
        "Monthly_Volume",
        "Trade_Fee",
    }
    assert isinstance(info["Index"], str)
    assert isinstance(info["Trade_Fee"], float | int)
    assert_currency_object(info["Monthly_Volume"], "BTC")
    assert {"BTC", "USD", "EUR", "JPY"} <= set(info["Wallets"])
    for code, wallet in info["Wallets"].items():
        assert set(wallet) == WALLET_KEYS
        assert isinstance(wallet["Operations"], int)
        for name in WALLET_KEYS - {"Operations", "Monthly_Withdraw_Limit"}:
            assert_currency_object(wallet[name], code)
        if code == "BTC":
            assert wallet["Monthly_Withdraw_Limit"] is None
        else:
            assert_currency_object(wallet["Monthly_Withdraw_Limit"], code)


def assert_order(order: Any) -> None:
    """Check a v1/v2 order object."""
    assert {
        "oid",
        "currency",
        "item",
        "type",
        "amount",
        "effective_amount",
        "status",
        "date",
        "priority",
        "actions",
    } <= set(order)
    assert_currency_object(order["amount"], "BTC")
    assert_currency_object(order["effective_amount"], "BTC")
    if "price" in order:
        assert_currency_object(order["price"], order["currency"])
    assert isinstance(order["date"], int)
    assert isinstance(order["priority"], str)
    assert order["actions"] == []
