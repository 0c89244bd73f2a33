"""The entry's stream against the sandbox's websocket: pushes first, polling as the net.

Each test counts the sandbox's HTTP requests around what the stream should do
alone, and switches the sandbox's stream faults on to break it.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.mtgox.const import (
    CONF_PAIRS,
    CONF_STREAMING,
    DOMAIN,
    STREAMING_UPDATE_INTERVAL,
    StreamState,
)
from custom_components.mtgox.stream import (
    MAX_RETRY_SECONDS,
    QUIET_SECONDS,
    retry_delay,
    safety_net_interval,
)
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox
from mtgox_sandbox.stream.channels import LAG_CHANNEL, channel_uuid

from . import setup_entry, state_of
from .market import trade_at, units
from .streaming import (
    MESSAGES,
    STREAM_SENSOR,
    USD_PRICE,
    connected,
    coordinator_of,
    http_requests,
    later,
    messages_reach,
    resting_bid,
    stream_of,
    streaming,
    until,
)
from .test_book import book_volumes_enabled

__all__ = ["book_volumes_enabled", "streaming"]  # the fixtures


async def test_a_trade_reaches_the_price_by_push_alone(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """Connected: polling every 5 minutes, and a trade shows without any request."""
    coordinator = coordinator_of(streaming)
    # 2 tickers, the account and the orders: 4 requests, so every 5 minutes.
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


@pytest.mark.parametrize("lag_sensor", [False, True])
async def test_the_lag_is_streamed_only_for_its_sensor(
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    lag_sensor: bool,
) -> None:
    """Every order brings a lag message: subscribed only while the sensor is enabled."""
    if lag_sensor:  # registered enabled, as a user who enabled it has it
        mock_config_entry.add_to_hass(hass)
        er.async_get(hass).async_get_or_create(
            "sensor",
            DOMAIN,
            f"{sandbox.account.id}_engine_lag",
            config_entry=mock_config_entry,
        )
    await setup_entry(hass, mock_config_entry, options={CONF_STREAMING: True})
    await connected(hass, mock_config_entry)
    [connection] = sandbox.server.stream.connections
    assert (channel_uuid(LAG_CHANNEL) in connection.subscriptions) is lag_sensor


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
    # The question subscribed nothing new: no lag message per order from now on.
    [connection] = sandbox.server.stream.connections
    assert channel_uuid(LAG_CHANNEL) not in connection.subscriptions


async def test_untraded_pairs_alone_stream_the_lag(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """No ticker channel to subscribe: the lag keeps the connection answerable."""
    options = {CONF_STREAMING: True, CONF_PAIRS: ["BTCAUD"]}
    await setup_entry(hass, mock_config_entry, options=options)
    await connected(hass, mock_config_entry)
    [connection] = sandbox.server.stream.connections
    assert channel_uuid(LAG_CHANNEL) in connection.subscriptions


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


def test_retries_double_with_jitter_up_to_five_minutes() -> None:
    """1, 2, 4... seconds, each cut by up to half at random, never over 5 minutes."""
    assert [retry_delay(n, 0) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert retry_delay(3, 0.999) == pytest.approx(2, abs=0.01)
    assert retry_delay(9, 0) == 256
    assert retry_delay(10, 0) == MAX_RETRY_SECONDS
    assert retry_delay(10_000, 0.5) == MAX_RETRY_SECONDS * 0.75


def test_the_safety_net_costs_at_most_a_request_a_minute() -> None:
    """Every 5 minutes, less often when a refresh costs more than 5 requests."""
    assert safety_net_interval(3) == STREAMING_UPDATE_INTERVAL
    assert safety_net_interval(5) == timedelta(minutes=5)
    assert safety_net_interval(12) == timedelta(minutes=12)


async def test_a_book_change_reaches_the_book_by_push_alone(
    hass: HomeAssistant,
    sandbox: Sandbox,
    book_volumes_enabled: None,
    streaming: MockConfigEntry,
) -> None:
    """A new bid, pushed as a depth change, is in the book at once, without a request."""
    coordinator = coordinator_of(streaming)
    # 2 tickers, 2 books, the account and the orders: a refresh every 6 minutes.
    assert coordinator.update_interval == timedelta(minutes=6)
    price = coordinator.data.books["BTCUSD"].asks[0].price - 1
    before = http_requests(sandbox)
    exchange = sandbox.exchange
    exchange.place_order(
        exchange.house_account("taker"),
        "BTCUSD",
        "bid",
        units("0.01", "BTC"),
        units(str(price), "USD"),
    )
    await until(
        lambda: coordinator.data.books["BTCUSD"].bids[0].price == price, "depth push"
    )
    assert coordinator.data.books["BTCUSD"].bids[0].volume == Decimal("0.01")
    assert http_requests(sandbox) == before
