"""The client learns the pairs a server trades from its streaming channel list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.mtgox.api import ApiVersion, MtGoxResponseError
from custom_components.mtgox.api.parsing import parse_traded_pairs

from .test_client_sandbox import ALL_VERSIONS, make_client

if TYPE_CHECKING:
    from mtgox_sandbox.runner import Sandbox


@ALL_VERSIONS
async def test_traded_pairs_of_the_sandbox(
    sandbox: Sandbox, version: ApiVersion
) -> None:
    """Every version's client asks v2's public list, which names the traded pairs."""
    async with aiohttp.ClientSession() as session:
        client = make_client(sandbox, session, version)
        pairs = await client.traded_pairs()

    assert pairs == ("BTCEUR", "BTCGBP", "BTCJPY", "BTCUSD")
    assert sandbox.counters["2:stream/list_public"] == 1


def test_pairs_come_from_ticker_and_depth_channels() -> None:
    """Other channels, and names that end in no pair, are not pairs."""
    channels = {
        "ticker.BTCUSD": "d5f06780-30a8-4a48-a2f8-7ed181b4a13f",
        "depth.BTCAUD": "296ee352-dd5d-46f3-9bea-5e39dede2005",
        "trade.BTC": "dbf1dee9-4f2e-4a08-8cb7-748919a71b21",
        "trade.lag": "85174711-be64-4de1-b783-0628995d7914",
        "ticker.usd": "0",
        "lag": "0",
    }
    assert parse_traded_pairs(channels) == ("BTCAUD", "BTCUSD")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "channel list is not an object: []"),
        ("ticker.BTCUSD", "channel list is not an object: 'ticker.BTCUSD'"),
        ({"trade.BTC": "x"}, "channel list names no pair: {'trade.BTC': 'x'}"),
        ({}, "channel list names no pair: {}"),
    ],
)
def test_a_list_without_pairs_is_a_response_error(
    payload: object, message: str
) -> None:
    """Not an object, or no pair named: the list cannot say what is traded."""
    with pytest.raises(MtGoxResponseError) as refused:
        parse_traded_pairs(payload)
    assert str(refused.value) == message
