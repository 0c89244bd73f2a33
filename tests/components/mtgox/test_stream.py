"""The entry's stream against the sandbox's websocket: pushes first, polling as the net.

Each test counts the sandbox's HTTP requests around what the stream should do
alone, and switches the sandbox's stream faults on to break it. Time moves
only through async_fire_time_changed: the watchdog and the backoff never
sleep for real; pushes travel over real loopback sockets, so the tests spin
the loop until they arrive.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Final

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.mtgox.api.pushes import LagPush, WalletPush
from custom_components.mtgox.const import CONF_STREAMING, STREAMING_UPDATE_INTERVAL
from custom_components.mtgox.coordinator import MtGoxDataUpdateCoordinator
from custom_components.mtgox.stream import (
    MAX_RETRY_SECONDS,
    QUIET_SECONDS,
    EntryStream,
    StreamState,
    retry_delay,
)
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import MAX_SPINS, place_order, setup_entry, state_of
from .market import trade_at
from .test_event import house_sells, order_events

__all__ = ["order_events"]  # the fixture, shared with test_event

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


async def test_a_trade_reaches_the_price_by_push_alone(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """Connected: polling every 5 minutes, and a trade shows without any request."""
    coordinator = coordinator_of(streaming)
    assert coordinator.update_interval == STREAMING_UPDATE_INTERVAL
    assert state_of(hass, STREAM_SENSOR) == "connected"
    before = http_requests(sandbox)

    trade_at(sandbox.exchange, "BTCUSD", "812.5")
    await until(lambda: Decimal(state_of(hass, USD_PRICE)) == Decimal("812.5"), "push")

    assert http_requests(sandbox) == before
    stream = stream_of(streaming)
    assert stream.pushes.applied > 0
    assert stream.counters.connections == 1
    assert stream.counters.reconnects == 0


async def test_a_fill_fires_its_event_and_moves_balances_by_push(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The private channel fires the event and sets the balances; then one account read."""
    await resting_bid(hass, streaming)
    before = http_requests(sandbox)

    house_sells(sandbox, "0.5", "100")
    await until(lambda: event_types(order_events) == ["filled"], "filled event")
    await until(
        lambda: Decimal(state_of(hass, BTC_BALANCE)) == balance(sandbox, "BTC"),
        "BTC balance",
    )
    assert Decimal(state_of(hass, USD_BALANCE)) == balance(sandbox, "USD")
    assert coordinator_of(streaming).data.orders == ()
    assert http_requests(sandbox) == before

    # What open orders hold moves without a message: the account is read once.
    await later(hass)
    assert sandbox.counters["1:info"] - 0 >= 1
    assert http_requests(sandbox) == before + 1
    assert state_of(hass, "sensor.mt_gox_usd_in_open_orders") == "0.00000"
    assert event_types(order_events) == ["filled"]


@pytest.mark.parametrize("pushed_before_the_drop", [False, True])
async def test_no_second_event_for_one_fill_across_a_reconnect(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
    pushed_before_the_drop: bool,
) -> None:
    """A fill half pushed, half read by the refresh after a reconnect: one event."""
    oid = await resting_bid(hass, streaming)
    coordinator = coordinator_of(streaming)
    stream = stream_of(streaming)
    house_sells(sandbox, "0.2", "100")
    await until(
        lambda: coordinator.data.orders[0].amount == Decimal("0.3"), "partial fill"
    )
    if pushed_before_the_drop:
        house_sells(sandbox, "0.3", "100")
        await until(lambda: event_types(order_events) == ["filled"], "filled by push")
        sandbox.faults.add(FaultKind.DROP, path=MESSAGES, count=1)
        trade_at(sandbox.exchange, "BTCUSD", "800")
    else:
        sandbox.faults.add(FaultKind.DROP, path=MESSAGES, count=1)
        house_sells(sandbox, "0.3", "100")
    await until(lambda: stream.state is StreamState.RECONNECTING, "dropped")
    assert coordinator.update_interval == coordinator.polling_interval

    await later(hass)  # the refresh at once (after the floor), the first retry
    await connected(hass, streaming)
    await later(hass)
    assert event_types(order_events) == ["filled"]
    assert oid not in {order.oid for order in coordinator.data.orders}
    assert stream.counters.reconnects == 1
    assert stream.counters.connections == 2


async def test_silence_falls_back_and_reconnects(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """30 s of quiet asks for an answer; none in 30 s more ends the connection."""
    stream = stream_of(streaming)
    coordinator = coordinator_of(streaming)
    asked = sandbox.counters["stream:mtgox.subscribe"]
    sandbox.faults.add(FaultKind.SILENT, path=MESSAGES, count=1)
    trade_at(sandbox.exchange, "BTCUSD", "805")

    await later(hass, QUIET_SECONDS + 1)
    await until(
        lambda: sandbox.counters["stream:mtgox.subscribe"] == asked + 1, "question"
    )
    assert stream.state is StreamState.CONNECTED
    await later(hass, QUIET_SECONDS + 1)
    await until(lambda: stream.state is StreamState.RECONNECTING, "silence noticed")
    assert stream.counters.silences == 1
    assert coordinator.update_interval == coordinator.polling_interval
    assert state_of(hass, STREAM_SENSOR) == "reconnecting"

    await later(hass)
    await connected(hass, streaming)
    assert coordinator.update_interval == STREAMING_UPDATE_INTERVAL
    trade_at(sandbox.exchange, "BTCUSD", "806")
    await until(lambda: Decimal(state_of(hass, USD_PRICE)) == 806, "push after")


async def test_a_quiet_market_is_no_silence(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """The question is answered: the connection stays, whatever the quiet."""
    stream = stream_of(streaming)
    first = stream.counters.messages
    for answers in range(1, 4):
        await later(hass, QUIET_SECONDS + 1)
        await until(messages_reach(stream, first + answers), "answer")
    assert stream.state is StreamState.CONNECTED
    assert stream.counters.connections == 1


async def test_garbage_frame_is_skipped_and_counted(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """A frame that is not JSON is skipped; the connection and the pushes go on."""
    before = http_requests(sandbox)
    sandbox.faults.add(FaultKind.GARBAGE, path=MESSAGES, count=1)
    trade_at(sandbox.exchange, "BTCUSD", "809")
    await until(lambda: Decimal(state_of(hass, USD_PRICE)) == 809, "push")
    stream = stream_of(streaming)
    assert stream.counters.skipped_frames == 1
    assert stream.counters.connections == 1
    assert http_requests(sandbox) == before


async def test_delayed_messages_still_arrive(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """A slow stream is no silence: its messages are applied when they come."""
    sandbox.faults.add(FaultKind.LATENCY, path=MESSAGES, seconds=0.05)
    trade_at(sandbox.exchange, "BTCUSD", "807")
    await until(lambda: Decimal(state_of(hass, USD_PRICE)) == 807, "delayed push")
    assert stream_of(streaming).state is StreamState.CONNECTED


async def test_refused_subscription_polls_then_retries(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """A refusal ends the attempt: polling as usual, and a retry that succeeds."""
    sandbox.faults.add(
        FaultKind.REFUSE_SUBSCRIPTION, path="stream/websocket/subscribe", count=1
    )
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: True})
    stream = stream_of(mock_config_entry)
    await until(lambda: stream.counters.refusals == 1, "refused")
    coordinator = coordinator_of(mock_config_entry)
    assert coordinator.update_interval == coordinator.polling_interval
    await later(hass)
    await connected(hass, mock_config_entry)
    assert stream.counters.connections == 2


async def test_streaming_off_connects_nothing(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """The option off: no stream, no channel list, polling at its interval."""
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: False})
    await later(hass)
    assert mock_config_entry.runtime_data.stream is None
    assert state_of(hass, STREAM_SENSOR) == "disabled"
    assert sandbox.server.stream.connections == set()
    assert sandbox.counters["2:stream/list_public"] == 0
    coordinator = coordinator_of(mock_config_entry)
    assert coordinator.update_interval == coordinator.polling_interval


async def test_server_without_a_stream_is_polled(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """No channel list at the server: polling only, no error, no retries."""
    sandbox.faults.add(FaultKind.STATUS, path="2/stream/list_public", status=404)
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: True})
    stream = stream_of(mock_config_entry)
    await until(lambda: stream.state is StreamState.UNSUPPORTED, "unsupported")
    await later(hass, 600)
    assert sandbox.counters["2:stream/list_public"] == 1
    assert sandbox.server.stream.connections == set()
    assert state_of(hass, STREAM_SENSOR) == "unsupported"


async def test_unloading_closes_the_connection(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """The stream lives as long as the entry."""
    assert len(sandbox.server.stream.connections) == 1
    assert await hass.config_entries.async_unload(streaming.entry_id)
    await until(lambda: not sandbox.server.stream.connections, "closed")


async def test_idkey_is_renewed_before_it_expires(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After 23 hours the private channel is subscribed again with a new id key."""
    assert sandbox.counters["1:idkey"] == 1
    freezer.tick(timedelta(hours=23))
    await later(hass, QUIET_SECONDS + 1)
    await until(lambda: sandbox.counters["1:idkey"] == 2, "renewed")
    await until(lambda: stream_of(streaming).counters.idkeys == 2, "subscribed again")
    await resting_bid(hass, streaming)


async def test_a_stale_order_list_after_a_pushed_fill_fires_nothing(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The exchange's 10 s cache may still list an order the stream said is filled."""
    sandbox.server.cache_seconds = 10
    await resting_bid(hass, streaming)  # its refresh caches the list with the bid
    house_sells(sandbox, "0.5", "100")
    await until(lambda: event_types(order_events) == ["filled"], "filled by push")

    coordinator = coordinator_of(streaming)
    results = sandbox.counters["1:order/result"]  # the action asked once
    await coordinator.async_refresh()  # the cached list: the bid still open
    sandbox.server.cache_seconds = 0
    await coordinator.async_refresh()  # the bid gone: already reported
    await hass.async_block_till_done()
    assert event_types(order_events) == ["filled"]
    assert sandbox.counters["1:order/result"] == results


async def test_diagnostics_count_and_keep_keys_out(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
) -> None:
    """The stream's state and counters; never the key, the secret or the id key."""
    trade_at(sandbox.exchange, "BTCUSD", "811")
    await until(lambda: Decimal(state_of(hass, USD_PRICE)) == 811, "push")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, streaming)
    stream = diagnostics["stream"]
    assert stream["state"] == "connected"
    assert stream["messages"] >= 4  # three subscriptions answered, one ticker
    assert stream["pushes_applied"] >= 1
    assert (stream["connections"], stream["reconnects"]) == (1, 0)
    assert (stream["skipped_frames"], stream["silences"]) == (0, 0)
    assert stream["last_message_age"] >= 0
    idkey = stream_of(streaming)._idkey  # what must not leak
    assert idkey is not None
    text = str(diagnostics)
    for secret in (sandbox.key, sandbox.secret, idkey):
        assert secret not in text


async def test_channel_list_unreadable_for_a_while_is_retried(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """A broken channel list is no verdict: the stream is tried again."""
    sandbox.faults.add(FaultKind.TRUNCATED_JSON, path="2/stream/list_public", count=1)
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: True})
    stream = stream_of(mock_config_entry)
    await until(lambda: stream.state is StreamState.RECONNECTING, "first try failed")
    await later(hass)
    await connected(hass, mock_config_entry)
    assert stream.counters.reconnects == 1


async def test_without_an_id_key_the_public_channels_still_stream(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """An id key refused: no private channel, prices still pushed."""
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/idkey", status=500)
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: True})
    await connected(hass, mock_config_entry)
    before = http_requests(sandbox)
    trade_at(sandbox.exchange, "BTCUSD", "815")
    await until(lambda: Decimal(state_of(hass, USD_PRICE)) == 815, "push")
    assert http_requests(sandbox) == before
    assert stream_of(mock_config_entry).counters.idkeys == 0


async def test_a_refused_question_is_still_an_answer(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """A remark once connected is noted, not a reason to leave."""
    stream = stream_of(streaming)
    sandbox.faults.add(
        FaultKind.REFUSE_SUBSCRIPTION, path="stream/websocket/subscribe", count=1
    )
    first = stream.counters.messages
    await later(hass, QUIET_SECONDS + 1)
    await until(messages_reach(stream, first + 1), "remark")
    await later(hass, QUIET_SECONDS + 1)
    await until(messages_reach(stream, first + 2), "answer")
    assert stream.state is StreamState.CONNECTED
    assert stream.counters.refusals == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_lag_wallets_and_a_failed_account_read(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """The lag push sets the lag; a wallet new to the entry and a failed read wait."""
    stream = stream_of(streaming)
    stream.pushes.apply(LagPush(Decimal("1.25")))
    assert state_of(hass, "sensor.mt_gox_engine_lag") == "1.25"

    data = coordinator_of(streaming).data
    sandbox.faults.add(FaultKind.STATUS, path="1/generic/info", status=503, count=1)
    stream.pushes.apply(WalletPush("in", "CAD", Decimal(1), Decimal(1)))
    assert coordinator_of(streaming).data.account == data.account
    await later(hass)
    assert stream.pushes.account_reads == 1
    assert coordinator_of(streaming).data.account == data.account
    assert hass.states.get("sensor.mt_gox_cad_balance") is None


async def test_an_order_pushed_after_the_cached_list_is_not_taken_as_gone(
    hass: HomeAssistant,
    sandbox: Sandbox,
    streaming: MockConfigEntry,
    order_events: list[State],
) -> None:
    """The exchange's 10 s cache may not list an order the stream just placed."""
    sandbox.server.cache_seconds = 10
    coordinator = coordinator_of(streaming)
    await coordinator.async_refresh()  # caches the list without the bid
    response = await place_order(hass, streaming, side="buy", amount="0.5", price="100")
    oid = str(response["order_id"])
    await until(lambda: bool(coordinator.data.orders), "order push")
    await coordinator.async_refresh()  # the cached list: no bid yet
    await hass.async_block_till_done()
    assert event_types(order_events) == []

    house_sells(sandbox, "0.5", "100")
    await until(lambda: event_types(order_events) == ["filled"], "filled by push")
    assert order_events[0].attributes["order_id"] == oid


def test_retries_double_with_jitter_up_to_five_minutes() -> None:
    """1, 2, 4... seconds, each cut by up to half at random, never over 5 minutes."""
    assert [retry_delay(n, 0) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert retry_delay(3, 0.999) == pytest.approx(2, abs=0.01)
    assert retry_delay(9, 0) == 256
    assert retry_delay(10, 0) == MAX_RETRY_SECONDS
    assert retry_delay(10_000, 0.5) == MAX_RETRY_SECONDS * 0.75
