"""Streaming channels: their names, their UUIDs and what ``stream/list_public`` lists.

A channel has a name (``ticker.BTCUSD``, ``depth.BTCUSD``, ``trade.BTC``,
``trade.lag``) and a UUID, which is what clients subscribe to and what every
message's ``channel`` field carries.

* **UUIDs.** The real ones where they are known: goxtool's ``CHANNELS``,
  copied from ``api/2/stream/list_public`` on 2013-12-14 (reference §8), has
  the ticker and depth channels of every BTC pair Mt.Gox traded, ``trade.BTC``
  and ``trade.lag``.  Any other name gets a stable made-up UUID:
  ``uuid5(uuid5(NAMESPACE_URL, "mtgox-sandbox:channel"), name)``, the same on
  every run and every machine.
* **``stream/list_public``** (v2 only: no v1 path is attested) answers
  ``{"result":"success","data":{<name>: <uuid>, ...}}``, the shape clients read
  it in (a name-to-UUID object under ``data``).  The real list also named
  pairs Mt.Gox did not trade; the sandbox lists only what it serves: the
  ticker and depth channels of each traded pair, ``trade.BTC`` and
  ``trade.lag``, so a client learns the traded pairs from it.
"""

import uuid
from collections.abc import Iterable
from typing import Final

TRADE_CHANNEL: Final = "trade.BTC"
LAG_CHANNEL: Final = "trade.lag"

KNOWN_CHANNELS: Final[dict[str, str]] = {
    "ticker.BTCAUD": "eb6aaa11-99d0-4f64-9e8c-1140872a423d",
    "ticker.BTCCAD": "10720792-084d-45ba-92e3-cf44d9477775",
    "ticker.BTCCHF": "2644c164-3db7-4475-8b45-c7042efe3413",
    "ticker.BTCCNY": "c251ec35-56f9-40ab-a4f6-13325c349de4",
    "ticker.BTCCZK": "2a968b7f-6638-40ba-95e7-7284b3196d52",
    "ticker.BTCDKK": "e5ce0604-574a-4059-9493-80af46c776b3",
    "ticker.BTCEUR": "0bb6da8b-f6c6-4ecf-8f0d-a544ad948c15",
    "ticker.BTCGBP": "7b842b7d-d1f9-46fa-a49c-c12f1ad5a533",
    "ticker.BTCHKD": "d3ae78dd-01dd-4074-88a7-b8aa03cd28dd",
    "ticker.BTCINR": "55e5feb8-fea5-416b-88fa-40211541deca",
    "ticker.BTCJPY": "a39ae532-6a3c-4835-af8c-dda54cb4874e",
    "ticker.BTCKRW": "bf85048d-4db9-4dbe-9ca3-5b83a1a4186e",
    "ticker.BTCNOK": "7532e866-3a03-4514-a4b1-6f86e3a8dc11",
    "ticker.BTCNZD": "5ddd27ca-2466-4d1a-8961-615dedb68bf1",
    "ticker.BTCPLN": "b4a02cb3-2e2d-4a88-aeea-3c66cb604d01",
    "ticker.BTCRUB": "bd04f720-3c70-4dce-ae71-2422ab862c65",
    "ticker.BTCSEK": "6caf1244-655b-460f-beaf-5c56d1f4bea7",
    "ticker.BTCSGD": "2cb73ed1-07f4-45e0-8918-bcbfda658912",
    "ticker.BTCTHB": "d58e3b69-9560-4b9e-8c58-b5c0f3fda5e1",
    "ticker.BTCUSD": "d5f06780-30a8-4a48-a2f8-7ed181b4a13f",
    "depth.BTCAUD": "296ee352-dd5d-46f3-9bea-5e39dede2005",
    "depth.BTCCAD": "5b234cc3-a7c1-47ce-854f-27aee4cdbda5",
    "depth.BTCCHF": "113fec5f-294d-4929-86eb-8ca4c3fd1bed",
    "depth.BTCCNY": "0d1ecad8-e20f-459e-8bed-0bdcf927820f",
    "depth.BTCCZK": "a7a970cf-4f6c-4d85-a74e-ac0979049b87",
    "depth.BTCDKK": "9219abb0-b50c-4007-b4d2-51d1711ab19c",
    "depth.BTCEUR": "057bdc6b-9f9c-44e4-bc1a-363e4443ce87",
    "depth.BTCGBP": "60c3af1b-5d40-4d0e-b9fc-ccab433d2e9c",
    "depth.BTCHKD": "049f65dc-3af3-4ffd-85a5-aac102b2a579",
    "depth.BTCINR": "414fdb18-8f70-471c-a9df-b3c2740727ea",
    "depth.BTCJPY": "94483e07-d797-4dd4-bc72-dc98f1fd39e3",
    "depth.BTCKRW": "0c84bda7-e613-4b19-ae2a-6d26412c9f70",
    "depth.BTCNOK": "66da7fb4-6b0c-4a10-9cb7-e2944e046eb5",
    "depth.BTCNZD": "cedf8730-bce6-4278-b6fe-9bee42930e95",
    "depth.BTCPLN": "e4ff055a-f8bf-407e-af76-676cad319a21",
    "depth.BTCRUB": "d6412ca0-b686-464c-891a-d1ba3943f3c6",
    "depth.BTCSEK": "8f1fefaa-7c55-4420-ada0-4de15c1c38f3",
    "depth.BTCSGD": "41e5c243-3d44-4fad-b690-f39e1dbb86a8",
    "depth.BTCTHB": "67879668-532f-41f9-8eb0-55e7593a5ab8",
    "depth.BTCUSD": "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe",
    TRADE_CHANNEL: "dbf1dee9-4f2e-4a08-8cb7-748919a71b21",
    LAG_CHANNEL: "85174711-be64-4de1-b783-0628995d7914",
}
"""The real UUIDs of the BTC channels (goxtool's copy of ``list_public``)."""

_DERIVED_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "mtgox-sandbox:channel")


def channel_uuid(name: str) -> str:
    """Return the UUID of the channel ``name``: the real one, else a stable one."""
    return KNOWN_CHANNELS.get(name) or str(uuid.uuid5(_DERIVED_NAMESPACE, name))


def public_channel_names(pairs: Iterable[str]) -> list[str]:
    """Return the names of every public channel of ``pairs``, in a stable order."""
    names = [f"{kind}.{pair}" for pair in pairs for kind in ("ticker", "depth")]
    return [*names, TRADE_CHANNEL, LAG_CHANNEL]


def list_public(pairs: Iterable[str]) -> dict[str, str]:
    """Return ``stream/list_public``'s data: every public channel's name and UUID."""
    return {name: channel_uuid(name) for name in public_channel_names(pairs)}
