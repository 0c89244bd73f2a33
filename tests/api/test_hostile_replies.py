"""Replies no exchange should send, over real HTTP: each ends in a typed error.

The client reads at most MAX_REPLY_BYTES once decoded, inflates gzip itself a
bounded piece at a time, hangs up past the bound and caps Retry-After.
"""

from __future__ import annotations

import gzip
import zlib
from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxRateLimitError,
    MtGoxResponseError,
)
from custom_components.mtgox.api.parsing import MAX_RETRY_AFTER
from custom_components.mtgox.api.reading import MAX_REPLY_BYTES
from tests.hostile import gzip_of_zeros, hostile_server

from .test_parsing import REAL

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SECRET = "c2VjcmV0LWtleS1vZi1zaXh0eS1mb3VyLWJ5dGVzLXBhZGRlZC10by1maWxsLXRoZS1rZXk="
# Far beyond the bound, yet cheap to build: 64 MiB of zeros is 64 KiB of gzip.
BOMB_SIZE = 64 * 1024 * 1024
LARGE_BODY = 50 * 1000 * 1000

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a session that inflates by itself, as Home Assistant's shared one."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def client_of(session: aiohttp.ClientSession, url: str) -> MtGoxClient:
    # A timeout far longer than the test: a bound reached by waiting would fail it.
    return MtGoxClient(
        session,
        base_url=url,
        api_key="key",
        api_secret=SECRET,
        api_version=ApiVersion.V1,
        request_timeout=60,
    )


async def test_a_gzip_bomb_is_refused_without_inflating_it(
    session: aiohttp.ClientSession,
) -> None:
    async with hostile_server(gzip_body=gzip_of_zeros(BOMB_SIZE)) as server:
        with pytest.raises(MtGoxResponseError, match="longer than 512 KiB"):
            await client_of(session, server.url).ticker("BTCUSD")


async def test_a_50_mb_body_is_refused_and_the_connection_closed(
    session: aiohttp.ClientSession,
) -> None:
    async with hostile_server(body_size=LARGE_BODY) as server:
        with pytest.raises(MtGoxResponseError, match="longer than 512 KiB"):
            await client_of(session, server.url).account_info()
        # The client hung up: the rest stayed in the server and socket buffers.
        assert server.sent < LARGE_BODY // 4
        assert not server.finished


async def test_an_endless_body_is_refused_before_the_timeout(
    session: aiohttp.ClientSession,
) -> None:
    async with hostile_server(endless=True) as server:
        # A response error, not a timeout: the bound ended it, not the clock.
        with pytest.raises(MtGoxResponseError, match="longer than 512 KiB"):
            await client_of(session, server.url).open_orders()
        assert not server.finished


async def test_a_reply_just_under_the_bound_is_read(
    session: aiohttp.ClientSession,
) -> None:
    async with hostile_server(body_size=MAX_REPLY_BYTES) as server:
        # Read whole and parsed (off the loop): a bare list has no envelope,
        # and the error quotes a few of its numbers, not half a megabyte.
        with pytest.raises(MtGoxResponseError, match="v1 envelope") as caught:
            await client_of(session, server.url).ticker("BTCUSD")
        assert server.finished
        assert len(str(caught.value)) < 300


@pytest.mark.parametrize("header", ["1e12", "100000000"])
async def test_a_huge_retry_after_is_capped_at_an_hour(
    session: aiohttp.ClientSession, header: str
) -> None:
    async with hostile_server(retry_after=header) as server:
        client = client_of(session, server.url)
        with pytest.raises(MtGoxRateLimitError) as caught:
            await client.ticker("BTCUSD")
        assert caught.value.retry_after == MAX_RETRY_AFTER
        # The block is kept, for an hour, not for 3 years or forever.
        with pytest.raises(MtGoxRateLimitError) as still:
            await client.ticker("BTCUSD")
        assert still.value.retry_after is not None
        assert 3590 < still.value.retry_after <= MAX_RETRY_AFTER


def depth_reply(levels: int) -> bytes:
    """Return a v1 depth/fetch reply of ``levels`` asks, as the exchange printed them."""
    entry = (
        '{{"price":{0},"amount":1,"price_int":"{0}00000","amount_int":"100000000",'
        '"stamp":"1365861677937206"}}'
    )
    asks = ",".join(entry.format(100 + level) for level in range(levels))
    return f'{{"result":"success","return":{{"asks":[{asks}],"bids":[]}}}}'.encode()


async def test_a_book_past_the_bound_is_refused(
    session: aiohttp.ClientSession,
) -> None:
    """5,300 levels, over 5 times the recorded real book, end the read."""
    body = depth_reply(5300)
    assert len(body) > MAX_REPLY_BYTES
    async with hostile_server(gzip_body=gzip.compress(body, mtime=0)) as server:
        with pytest.raises(MtGoxResponseError, match="longer than 512 KiB"):
            await client_of(session, server.url).depth("BTCUSD")


async def test_the_recorded_real_book_is_read_whole(
    session: aiohttp.ClientSession,
) -> None:
    """The real April 2013 reply, as printed (166 KB), is under the bound."""
    body = (REAL / "sferik-mtgox/v1/depth.json").read_bytes()
    async with hostile_server(gzip_body=body, encoding="identity") as server:
        book = await client_of(session, server.url).depth("BTCUSD")
    assert len(book.bids) + len(book.asks) == 966


TICKER = (
    b'{"result":"success","return":{"last":'
    b'{"value":"800","value_int":"80000000","currency":"USD"}}}'
)


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(TICKER, mtime=0)),
        ("x-gzip", gzip.compress(TICKER, mtime=0)),
        ("deflate", zlib.compress(TICKER)),
        ("identity", TICKER),
    ],
)
async def test_compressed_replies_under_the_bound_are_inflated(
    session: aiohttp.ClientSession, encoding: str, body: bytes
) -> None:
    async with hostile_server(gzip_body=body, encoding=encoding) as server:
        # Inflated and parsed: the ticker lacks its other fields, and says so.
        with pytest.raises(MtGoxResponseError, match="missing 'buy'"):
            await client_of(session, server.url).ticker("BTCUSD")


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        ("br", TICKER, "unsupported content encoding 'br'"),
        ("gzip", b"\x1f\x8b not gzip at all", "corrupt gzip body"),
        ("gzip", gzip.compress(TICKER, mtime=0)[:-12], "truncated gzip body"),
    ],
)
async def test_undecodable_replies_are_response_errors(
    session: aiohttp.ClientSession, encoding: str, body: bytes, message: str
) -> None:
    async with hostile_server(gzip_body=body, encoding=encoding) as server:
        with pytest.raises(MtGoxResponseError, match=message):
            await client_of(session, server.url).ticker("BTCUSD")
