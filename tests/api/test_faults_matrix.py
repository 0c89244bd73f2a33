"""The client under the exchange's anti-DDoS block: it waits the block out.

Once the exchange has answered 429 with a Retry-After, the client sends
nothing more until that time has passed; what it refuses meanwhile it refuses
with the same typed error, so callers cannot tell a kept-back request from a
blocked one, and an order kept back is known not to be placed.
"""

from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxRateLimitError,
    Side,
)
from mtgox_sandbox.runner import Sandbox


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Open a plain aiohttp session for the test."""
    async with aiohttp.ClientSession() as session:
        yield session


async def test_nothing_is_sent_while_blocked(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """After a 429 with Retry-After, every call is refused without a request."""
    sandbox.server.limiter.limit = 1
    sandbox.server.limiter.block_seconds = 600
    client = MtGoxClient(
        session,
        base_url=sandbox.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=ApiVersion.V1,
    )
    await client.ticker("BTCUSD")
    with pytest.raises(MtGoxRateLimitError) as blocked:
        await client.ticker("BTCUSD")
    assert blocked.value.retry_after == 600
    requests = sandbox.counters.copy()

    for call in (
        client.ticker("BTCEUR"),
        client.account_info(),
        client.add_order("BTCUSD", Side.BID, Decimal("0.5"), Decimal(100)),
    ):
        with pytest.raises(MtGoxRateLimitError) as kept_back:
            await call
        assert kept_back.value.retry_after is not None
        assert 0 < kept_back.value.retry_after <= 600
        assert "not sent" in str(kept_back.value)

    assert sandbox.counters == requests
    assert sandbox.exchange.open_orders(sandbox.account) == []
    # No nonce was used up at the exchange either.
    assert sandbox.account.nonce_high_water == 0


async def test_a_block_without_retry_after_keeps_nothing_back(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    """A 429 that does not say how long is not guessed at: the next call goes out."""
    sandbox.faults.add("html", status=429, count=1)
    client = MtGoxClient(
        session,
        base_url=sandbox.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
    )
    with pytest.raises(MtGoxRateLimitError) as blocked:
        await client.ticker("BTCUSD")
    assert blocked.value.retry_after is None

    await client.ticker("BTCUSD")
    assert sandbox.counters["1:ticker"] == 2
