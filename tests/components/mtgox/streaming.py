"""Helpers of the stream tests: the streaming entry, waiting for pushes, counting requests.

Time moves only through async_fire_time_changed: the watchdog and the backoff
never sleep for real; pushes travel over real loopback sockets, so the tests
spin the loop until they arrive.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Final

import pytest
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mtgox.const import CONF_STREAMING, StreamState
from custom_components.mtgox.coordinator import MtGoxDataUpdateCoordinator
from custom_components.mtgox.stream import EntryStream
from mtgox_sandbox.runner import Sandbox

from . import MAX_SPINS, place_order, setup_entry

STREAM_SENSOR: Final = "sensor.mt_gox_stream"
USD_PRICE: Final = "sensor.bitcoin_usd_price"
USD_BALANCE: Final = "sensor.mt_gox_usd_balance"
BTC_BALANCE: Final = "sensor.mt_gox_btc_balance"
MESSAGES: Final = "stream/websocket/message"
LATER: Final = 10
"""Seconds that pass the coordinator's 10 s floor, the first retries and the
account read, but not the stream's 30 s of quiet."""


def stream_of(entry: MockConfigEntry) -> EntryStream:
    """Return the entry's stream."""
    stream: EntryStream | None = entry.runtime_data.stream
    assert stream is not None
    return stream


def coordinator_of(entry: MockConfigEntry) -> MtGoxDataUpdateCoordinator:
    """Return the entry's coordinator."""
    coordinator: MtGoxDataUpdateCoordinator = entry.runtime_data.coordinator
    return coordinator


def http_requests(sandbox: Sandbox) -> int:
    """Return how many HTTP requests the sandbox answered (stream operations aside)."""
    return sum(
        count
        for name, count in sandbox.counters.items()
        if not name.startswith("stream:")
    )


def messages_reach(stream: EntryStream, total: int) -> Callable[[], bool]:
    """Return whether the stream has received ``total`` messages."""
    return lambda: stream.counters.messages >= total


async def until(condition: Callable[[], bool], what: str) -> None:
    """Spin the loop until ``condition`` holds (real sockets need real turns)."""
    for _ in range(MAX_SPINS):
        if condition():
            return
        await asyncio.sleep(0)
    pytest.fail(f"never happened: {what}")


async def later(hass: HomeAssistant, seconds: float = LATER) -> None:
    """Let ``seconds`` pass for every timer, then let what they started finish."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()


async def connected(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Wait until the stream is connected and its gap refresh has run."""
    stream = stream_of(entry)
    await until(lambda: stream.state is StreamState.CONNECTED, "connected")
    await later(hass)


@pytest.fixture
async def streaming(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the entry up with streaming on; return it once connected."""
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: True})
    await connected(hass, mock_config_entry)
    return mock_config_entry


def event_types(states: list[State]) -> list[str]:
    """Return the types of the order events collected."""
    return [state.attributes["event_type"] for state in states]


def balance(sandbox: Sandbox, currency: str) -> Decimal:
    """Return the funded account's balance as the exchange holds it."""
    return Decimal(sandbox.account.wallets[currency].balance_int).scaleb(
        -8 if currency == "BTC" else -5
    )


async def resting_bid(
    hass: HomeAssistant, entry: MockConfigEntry, amount: str = "0.5"
) -> str:
    """Place a BTCUSD bid at 100 through the action; wait until its push is shown."""
    response = await place_order(hass, entry, side="buy", amount=amount, price="100")
    oid = str(response["order_id"])
    coordinator = coordinator_of(entry)
    await until(
        lambda: [order.oid for order in coordinator.data.orders] == [oid], "order push"
    )
    await later(hass)  # the refresh the action asked for, and the account read
    return oid
