"""``stream/list_public`` and the channel UUIDs (reference §8)."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from mtgox_sandbox.runner import Sandbox
from mtgox_sandbox.stream import channels

from .helpers import Caller

REAL_UUIDS = {
    "ticker.BTCUSD": "d5f06780-30a8-4a48-a2f8-7ed181b4a13f",
    "depth.BTCUSD": "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe",
    "ticker.BTCEUR": "0bb6da8b-f6c6-4ecf-8f0d-a544ad948c15",
    "trade.BTC": "dbf1dee9-4f2e-4a08-8cb7-748919a71b21",
    "trade.lag": "85174711-be64-4de1-b783-0628995d7914",
}
"""The UUIDs the reference (§8) quotes."""


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


async def test_list_public_names_every_traded_pair_with_real_uuids(
    caller: Caller,
) -> None:
    """v2 ``stream/list_public`` maps names to UUIDs under ``data``."""
    listed = await caller.public("2/stream/list_public")
    assert set(listed) == {
        *(
            f"{kind}.{pair}"
            for pair in ("BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP")
            for kind in ("ticker", "depth")
        ),
        "trade.BTC",
        "trade.lag",
    }
    for name, real in REAL_UUIDS.items():
        assert listed[name] == real
    assert listed["depth.BTCJPY"] == "94483e07-d797-4dd4-bc72-dc98f1fd39e3"
    assert len(set(listed.values())) == len(listed)


async def test_list_public_is_public_and_answers_post(caller: Caller) -> None:
    """No signature is needed, and a POST with a nonce (as one client sent) works."""
    reply = await caller.request("POST", "2/stream/list_public", body=b"nonce=1")
    assert reply.status == 200
    assert reply.json["data"]["ticker.BTCUSD"] == REAL_UUIDS["ticker.BTCUSD"]


@pytest.mark.parametrize(
    "path",
    [
        "1/generic/stream/list_public",
        "2/stream/private_get",
        "2/money/stream/list_public",
        "2/BTCUSD/stream/list_public",
    ],
)
async def test_other_stream_paths_are_invalid_calls(caller: Caller, path: str) -> None:
    """Only v2's ``stream/list_public`` exists; v1 has no stream path."""
    reply = await caller.get(path)
    assert reply.status == 404
    assert reply.json["error"] == "Invalid call"


def test_channels_not_in_the_list_get_stable_derived_uuids() -> None:
    """A name the real list lacks gets a made-up UUID, the same every time."""
    made_up = channels.channel_uuid("ticker.BTCXYZ")
    assert made_up == channels.channel_uuid("ticker.BTCXYZ")
    assert made_up == "e765f5e3-acbe-5110-80c2-99735c3addfa"
