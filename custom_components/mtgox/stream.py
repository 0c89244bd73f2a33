"""The entry's streaming connection: pushes first, polling as the safety net.

One background task of the config entry (cancelled when it unloads) finds
the stream by reading the server's channel list (a server without one is
polled only), connects, subscribes the tracked pairs' tickers, the books and
the lag that sensors show and the account's private channel, and applies each
push at once.  Once every subscription is answered the stream is
*connected*: the coordinator then refreshes fully only every 5 minutes, after
one refresh that reads what the time without a stream may have hidden.  When
the connection drops, a subscription is refused or nothing arrives for 60 s
(after 30 s of quiet it asks for an answer, so a quiet market is no silence),
polling goes back to its interval at once, with a refresh, and the task
connects again after a jittered, exponentially growing delay.  The id key of
the private channel is renewed before its 24 hours run out.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from .api import (
    MtGoxApiError,
    MtGoxError,
    MtGoxNotAnApiError,
    MtGoxResponseError,
    MtGoxTimeoutError,
)
from .api.pushes import Remark, Subscribed
from .api.stream import LAG_CHANNEL, MtGoxStream
from .const import (
    LOGGER,
    STREAMING_REQUEST_SPACING,
    STREAMING_UPDATE_INTERVAL,
    StreamState,
)
from .push_updates import PushApplier

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .api.pushes import Push
    from .coordinator import MtGoxConfigEntry, MtGoxDataUpdateCoordinator

QUIET_SECONDS: Final = 30.0
"""Seconds without a message before the connection is asked for an answer."""
SILENCE_SECONDS: Final = 2 * QUIET_SECONDS
"""Seconds without a message, the question included, that end a connection."""
FIRST_RETRY_SECONDS: Final = 1.0
MAX_RETRY_SECONDS: Final = 300.0
PRIVATE_REQUESTS_PER_REFRESH: Final = 2
"""The account and its open orders, read at every refresh."""
IDKEY_LIFETIME: Final = timedelta(hours=23)
"""How long an id key is used: the exchange honours it for 24 hours."""


def retry_delay(failures: int, jitter: float) -> float:
    """Return the seconds before the next attempt: doubling, capped, ``jitter`` in [0, 1).

    The delay is between half and all of 1, 2, 4... seconds, at most 5 minutes.
    """
    doubled = FIRST_RETRY_SECONDS * float(2 ** min(failures - 1, 16))
    return min(MAX_RETRY_SECONDS, doubled) * (1 - jitter / 2)


def safety_net_interval(requests: int) -> timedelta:
    """Return the full refresh's interval while connected: one request a minute at most.

    ``requests`` is what a refresh costs: a ticker per pair, the account, the
    open orders, the books read and the lag while their sensors are enabled.
    """
    return max(STREAMING_UPDATE_INTERVAL, STREAMING_REQUEST_SPACING * requests)


@dataclass
class StreamCounters:
    """What the stream did since the entry was set up."""

    messages: int = 0
    skipped_frames: int = 0
    connections: int = 0
    reconnects: int = 0
    silences: int = 0
    refusals: int = 0
    idkeys: int = 0


class EntryStream:
    """The streaming connection of one config entry."""

    def __init__(
        self, hass: HomeAssistant, entry: MtGoxConfigEntry, base_url: str
    ) -> None:
        """Prepare the stream of ``entry``; nothing connects before start()."""
        self._hass = hass
        self._entry = entry
        self._coordinator: MtGoxDataUpdateCoordinator = entry.runtime_data.coordinator
        self._base_url = base_url
        self.state = StreamState.CONNECTING
        self.counters = StreamCounters()
        self.last_message: datetime | None = None
        self.pushes = PushApplier(hass, self._coordinator)
        self._idkey: str | None = None
        self._idkey_until = dt_util.utcnow()

    def start(self) -> None:
        """Run the stream for as long as the entry is loaded."""
        self._entry.async_create_background_task(
            self._hass, self._async_run(), f"{self._entry.title} stream"
        )
        self._entry.async_on_unload(self.pushes.shutdown)

    def diagnostics(self) -> dict[str, Any]:
        """Return the state and counters; never a key or an id key."""
        last = self.last_message
        return {
            "state": self.state.value,
            **asdict(self.counters),
            "pushes_applied": self.pushes.applied,
            "account_reads": self.pushes.account_reads,
            "last_message_age": None
            if last is None
            else round((dt_util.utcnow() - last).total_seconds(), 3),
        }

    async def _async_run(self) -> None:
        """Connect, read, fall back and connect again, until cancelled."""
        failures = 0
        while True:
            try:
                traded = await self._coordinator.client.traded_pairs()
            except (MtGoxApiError, MtGoxNotAnApiError) as err:
                # The server answered that it has no such call.
                LOGGER.info("The server has no streaming API, polling only: %s", err)
                self._set_state(StreamState.UNSUPPORTED)
                return
            except MtGoxError as err:
                LOGGER.debug("Stream not found this time: %s", err)
            else:
                if await self._async_connection(traded):
                    failures = 0
            await self._async_fall_back()
            failures += 1
            self.counters.reconnects += 1
            # Jitter: entries that lost the server together do not return together.
            await asyncio.sleep(retry_delay(failures, random.random()))  # noqa: S311

    async def _async_connection(self, traded: tuple[str, ...]) -> bool:
        """Run one connection to its end; return whether it got connected."""
        coordinator = self._coordinator
        channels = [f"ticker.{p}" for p in coordinator.pairs if p in traded]
        # The books a sensor shows, as the last refresh chose them (book.py).
        channels += [f"depth.{p}" for p in coordinator.data.books if p in traded]
        if coordinator.read_lag or not channels:
            # A lag message follows every order anyone places: read them only
            # for the lag sensor (enabling it reloads the entry).
            channels.append(LAG_CHANNEL)
        stream = MtGoxStream(async_get_clientsession(self._hass), self._base_url)
        self._set_state(StreamState.CONNECTING)
        try:
            idkey = await self._async_idkey()
            await stream.connect(channels)
            self.counters.connections += 1
            if idkey is not None:
                await stream.subscribe_private(idkey)
            await self._async_read(
                stream, channels[0], len(channels) + (idkey is not None)
            )
        except MtGoxError as err:
            # Once per loss; the failed attempts after it only at debug level.
            log = LOGGER.info if self.state is StreamState.CONNECTED else LOGGER.debug
            log("Stream lost, polling until it is back: %s", err)
        finally:
            await stream.close()
        return self.state is StreamState.CONNECTED

    async def _async_read(
        self, stream: MtGoxStream, question: str, subscriptions: int
    ) -> None:
        """Apply messages until the connection fails (raised as MtGoxError).

        ``question`` is a channel subscribed already: subscribing it again
        after a quiet while asks the server for an answer.
        """
        answered = 0
        while True:
            push = await self._async_next(stream, question)
            if isinstance(push, Subscribed):
                answered += 1
                if answered == subscriptions:
                    await self._async_connected()
            elif isinstance(push, Remark):
                self._refused(push)
            elif push is not None:
                self.pushes.apply(push)
            if self._idkey is not None and dt_util.utcnow() >= self._idkey_until:
                await self._async_renew_idkey(stream)

    async def _async_next(self, stream: MtGoxStream, question: str) -> Push | None:
        """Return the next message, skipping unreadable frames; raise on silence."""
        asked = False
        while True:
            try:
                push = await stream.receive(within=QUIET_SECONDS)
            except MtGoxTimeoutError:
                if asked:
                    self.counters.silences += 1
                    raise
                asked = True
                await stream.subscribe(question)
                continue
            except MtGoxResponseError as err:
                self.counters.skipped_frames += 1
                LOGGER.debug("Stream frame skipped: %s", err)
                continue
            self.counters.messages += 1
            self.last_message = dt_util.utcnow()
            return push

    async def _async_renew_idkey(self, stream: MtGoxStream) -> None:
        """Subscribe the private channel again with a new id key."""
        if (idkey := await self._async_idkey()) is not None:
            await stream.subscribe_private(idkey)

    def _refused(self, remark: Remark) -> None:
        """End a connection whose subscriptions are refused; note any later remark."""
        if self.state is not StreamState.CONNECTED:
            self.counters.refusals += 1
            raise MtGoxApiError(f"subscription refused: {remark.message}", None)
        LOGGER.debug("Stream remark: %s", remark.message)

    async def _async_connected(self) -> None:
        """Let pushes lead: poll rarely, after reading what the gap may hide."""
        self._set_state(StreamState.CONNECTED)
        coordinator = self._coordinator
        coordinator.update_interval = safety_net_interval(
            len(coordinator.pairs)
            + len(coordinator.data.books)
            + int(coordinator.read_lag)
            + PRIVATE_REQUESTS_PER_REFRESH
        )
        await self._coordinator.async_request_refresh()

    async def _async_fall_back(self) -> None:
        """Poll at the options' interval again, starting now."""
        self._set_state(StreamState.RECONNECTING)
        coordinator = self._coordinator
        if coordinator.update_interval != coordinator.polling_interval:
            coordinator.update_interval = coordinator.polling_interval
            await coordinator.async_request_refresh()

    async def _async_idkey(self) -> str | None:
        """Return the id key of the private channel; None when the server has none."""
        now = dt_util.utcnow()
        if self._idkey is None or now >= self._idkey_until:
            try:
                self._idkey = await self._coordinator.client.idkey()
            except MtGoxApiError as err:
                LOGGER.debug("No private channel (no id key): %s", err)
                self._idkey = None
                return None
            self._idkey_until = now + IDKEY_LIFETIME
            self.counters.idkeys += 1
        return self._idkey

    def _set_state(self, state: StreamState) -> None:
        if state is not self.state:
            self.state = state
            self._coordinator.async_update_listeners()
