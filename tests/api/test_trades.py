"""Public trades, ``trades/fetch`` with ``since``, page by page, on every API version."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxResponseError,
    PublicTrade,
)
from custom_components.mtgox.api.reading import MAX_REPLY_BYTES
from custom_components.mtgox.api.trades import parse_trades
from mtgox_sandbox.engine.models import TRADES_PAGE

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from mtgox_sandbox.runner import Sandbox

# v0 had no trades/fetch with since: its clients ask v1 of the same server.
TRADES_VERSION = {ApiVersion.V0: 1, ApiVersion.V1: 1, ApiVersion.V2: 2}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain aiohttp session."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.mark.parametrize("version", list(ApiVersion))
@pytest.mark.parametrize("sandbox", [{"past_days": 3}], indirect=True)
async def test_pages_read_back_every_trade_exactly(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    """Page after page from the oldest: every stored trade once, in order, exact."""
    client = MtGoxClient(
        session,
        base_url=sandbox.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=version,
    )
    stored = sandbox.exchange.store.trades("BTCEUR", 0)
    read: list[PublicTrade] = []
    since = pages = 0
    while page := await client.trades("BTCEUR", since):
        pages += 1
        read.extend(page)
        since = page[-1].tid

    assert len(stored) > 2 * TRADES_PAGE
    assert pages == -(-len(stored) // TRADES_PAGE)
    assert sandbox.counters[f"{TRADES_VERSION[version]}:trades/fetch"] == pages + 1
    assert [(t.tid, t.price, t.amount) for t in read] == [
        (t.tid, Decimal(t.price_int).scaleb(-5), Decimal(t.amount_int).scaleb(-8))
        for t in stored
    ]
    assert all(t.primary for t in read)


@pytest.mark.parametrize("sandbox", [{"past_days": 2}], indirect=True)
async def test_a_full_page_fits_the_reply_limit(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """A full page of the widest pair's trades is under half the client's limit."""
    async with session.get(
        f"{sandbox.url}2/BTCJPY/money/trades/fetch?since=0"
    ) as reply:
        body = await reply.read()
    assert body.count(b'"tid"') == TRADES_PAGE
    assert len(body) < MAX_REPLY_BYTES // 2


def test_other_currencies_and_secondary_trades() -> None:
    """Trades in another currency are left out; non-primary ones are marked."""
    usd = {"price_currency": "USD", "item": "BTC", "date": 1, "tid": "5"}
    trades = parse_trades(
        "BTCUSD",
        [
            {**usd, "price_int": "80000000", "amount_int": "100000000"},
            {**usd, "price_currency": "EUR", "price_int": "1", "amount_int": "1"},
            {**usd, "tid": "6", "price_int": "1", "amount_int": "1", "primary": "N"},
        ],
    )
    assert [(t.tid, t.price, t.primary) for t in trades] == [
        (5, Decimal("800.00000"), True),
        (6, Decimal("0.00001"), False),
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"tid": 1}, "expected a list"),
        ([1], "expected an object"),
        (
            [{"price_currency": "USD", "item": "BTC", "tid": 1, "date": 1}],
            "missing 'price_int'",
        ),
        (
            [
                {
                    "price_currency": "USD",
                    "item": "BTC",
                    "tid": 1,
                    "date": 1,
                    "price_int": "0",
                    "amount_int": "1",
                }
            ],
            "expected above 0",
        ),
        (
            [
                {
                    "price_currency": "USD",
                    "item": "BTC",
                    "tid": tid,
                    "date": 1,
                    "price_int": "1",
                    "amount_int": "1",
                }
                for tid in (2, 1)
            ],
            "out of order",
        ),
    ],
)
def test_malformed_trade_pages(payload: object, message: str) -> None:
    """A page of the wrong shape is a typed error, never a half-read page."""
    with pytest.raises(MtGoxResponseError, match=message):
        parse_trades("BTCUSD", payload)
