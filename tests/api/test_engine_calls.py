"""The engine's read-only calls, ``order/lag`` and ``order/quote``, on every API version.

Against the sandbox over loopback; the lag's non-zero figures come from
recorded replies, since the sandbox's engine never lags.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxResponseError,
    Side,
)
from custom_components.mtgox.api.engine import parse_lag, parse_quote
from mtgox_sandbox.engine.models import BTC_MULTIPLIER

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from mtgox_sandbox.runner import Sandbox

ALL_VERSIONS = pytest.mark.parametrize("version", list(ApiVersion))
# v0 had neither call: its clients ask v1 of the same server.
ENGINE_VERSION = {ApiVersion.V0: 1, ApiVersion.V1: 1, ApiVersion.V2: 2}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain aiohttp session."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def client_of(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> MtGoxClient:
    """Return a client of the sandbox's account on ``version``."""
    return MtGoxClient(
        session,
        base_url=sandbox.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=version,
    )


def book_total(sandbox: Sandbox, pair: str, side: Side, amount: Decimal) -> Decimal:
    """Value ``amount`` BTC against the sandbox's book, best price first.

    Each level's share is valued like a fill, rounded down to the currency's
    unit, as Mt.Gox valued trades.
    """
    depth = sandbox.exchange.depth(pair)
    levels = depth.asks if side is Side.BID else depth.bids[::-1]
    wanted = int(amount * BTC_MULTIPLIER)
    total = 0
    for level in levels:
        taken = min(wanted, level.amount_int)
        total += taken * level.price_int // BTC_MULTIPLIER
        wanted -= taken
    assert not wanted, "the book is too thin for this test's amount"
    places = 3 if pair.endswith("JPY") else 5
    return Decimal(total).scaleb(-places)


@ALL_VERSIONS
async def test_lag_is_read_from_the_engine(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    """The sandbox's engine matches at once: its lag is zero, read with one GET."""
    lag = await client_of(sandbox, session, version).engine_lag()

    assert lag == Decimal(0)
    assert sandbox.counters == {f"{ENGINE_VERSION[version]}:order/lag": 1}


@ALL_VERSIONS
@pytest.mark.parametrize(("pair", "side"), [("BTCUSD", Side.BID), ("BTCJPY", Side.ASK)])
async def test_quote_matches_the_book(
    sandbox: Sandbox,
    session: aiohttp.ClientSession,
    version: ApiVersion,
    pair: str,
    side: Side,
) -> None:
    """A quote for more than the best level walks the book, rounded like fills."""
    depth = sandbox.exchange.depth(pair)
    best = depth.asks[0] if side is Side.BID else depth.bids[-1]
    # More than the best level holds, with all 8 decimals.
    amount = Decimal(best.amount_int).scaleb(-8) + Decimal("0.12345678")

    total = await client_of(sandbox, session, version).quote(pair, side, amount)

    assert total == book_total(sandbox, pair, side, amount)
    assert total.as_tuple().exponent == (-3 if pair == "BTCJPY" else -5)
    assert sandbox.counters == {f"{ENGINE_VERSION[version]}:order/quote": 1}


@pytest.mark.parametrize(
    ("payload", "seconds"),
    [
        # Recorded replies: RB1 lag.json (v1) and nitrous's v2 documentation.
        (
            {
                "lag": 535998,
                "lag_secs": 0.535998,
                "lag_text": "0.535998 seconds",
                "length": "3",
            },
            "0.535998",
        ),
        (
            {"lag": 2319790, "lag_secs": 2.31979, "lag_text": "2.31979 seconds"},
            "2.319790",
        ),
        ({"lag": "10000000"}, "10"),
        # Beyond a float's 53 bits: exact all the same.
        ({"lag": 9007199254740993}, "9007199254.740993"),
    ],
)
def test_lag_replies(payload: dict[str, object], seconds: str) -> None:
    """The lag comes exactly from the microseconds, never from the float."""
    assert parse_lag(payload) == Decimal(seconds)


@pytest.mark.parametrize(
    "payload",
    [[], {}, {"lag": -1}, {"lag": 1.5}, {"lag": True}, {"lag_secs": 2.3}],
)
def test_malformed_lag_replies(payload: object) -> None:
    """A lag that is not a whole number of microseconds at least 0 is refused."""
    with pytest.raises(MtGoxResponseError):
        parse_lag(payload)


@pytest.mark.parametrize(
    ("payload", "currency", "total"),
    [({"amount": 9197999}, "USD", "91.97999"), ({"amount": "1500"}, "JPY", "1.500")],
)
def test_quote_replies(payload: dict[str, object], currency: str, total: str) -> None:
    """The quote's integer is in units of the pair's currency."""
    assert parse_quote(currency, payload) == Decimal(total)


@pytest.mark.parametrize("payload", [None, {"amount": -5}, {"amount": "9.5"}, {}])
def test_malformed_quote_replies(payload: object) -> None:
    """A quote that is not a whole number of units at least 0 is refused."""
    with pytest.raises(MtGoxResponseError):
        parse_quote("USD", payload)


async def test_quote_refuses_bad_requests_before_sending(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """A malformed pair or amount never reaches the exchange."""
    client = client_of(sandbox, session, ApiVersion.V2)
    with pytest.raises(ValueError, match="not a pair"):
        await client.quote("BTC-USD", Side.BID, Decimal(1))
    with pytest.raises(ValueError, match="decimal places"):
        await client.quote("BTCUSD", Side.BID, Decimal("0.123456789"))
    assert not sandbox.counters
