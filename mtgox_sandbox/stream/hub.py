"""The streaming hub: the engine's feed in, channel messages out to connections.

The hub listens to :attr:`Exchange.feed` while at least one client is
connected (so the engine builds no events otherwise) and turns each event
into messages at once, for the connections subscribed to its channel only:

* :class:`TradeEvent` -> ``trade`` on ``trade.BTC`` (every pair's trades, as
  the real channel carried them; clients filter on ``price_currency``) and on
  the private channel of each party;
* :class:`DepthEvent` -> ``depth`` on ``depth.<PAIR>``;
* :class:`TickerEvent` -> ``ticker`` on ``ticker.<PAIR>``, built once the
  engine call is over (one ticker per pair and call, from the final state);
* :class:`OrderEvent` -> ``user_order`` on the owner's private channel, and
  one ``lag`` message per engine call that took orders in;
* :class:`WalletEvent` with a posting -> ``wallet`` on the owner's private channel.

Each message is encoded once and queued on every subscribed connection;
nothing here waits for a client.
"""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from mtgox_sandbox.api import shapes
from mtgox_sandbox.engine.feed import (
    DepthEvent,
    Event,
    OrderEvent,
    TickerEvent,
    TradeEvent,
    WalletEvent,
)
from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.faults import Faults

from . import messages
from .channels import LAG_CHANNEL, TRADE_CHANNEL, channel_uuid, list_public
from .session import Connection, encode
from .socketio import socketio_routes
from .websocket import Handler, websocket_routes

_LOGGER = logging.getLogger(__name__)

MAX_FRAME_BYTES: Final = 16 * 1024
"""Largest frame read from a client; a signed order is well under 1 KiB."""
MAX_SUBSCRIPTIONS: Final = 32
"""Channels per connection: every public channel of the traded pairs and more."""
MAX_QUEUE: Final = 2_000
"""Messages waiting for one client before it counts as too slow and is dropped."""
MAX_CONNECTIONS: Final = 1_000
HEARTBEAT_SECONDS: Final = 25.0
"""Socket.IO heartbeat period, under the 60 s timeout the handshake announces."""


class StreamHub:
    """Every streaming connection of one server, and what they subscribed to.

    ``max_frame_bytes``, ``max_subscriptions``, ``max_queue``,
    ``max_connections`` and ``heartbeat_seconds`` may be changed while running.
    """

    def __init__(
        self,
        exchange: Exchange,
        faults: Faults,
        counters: Counter[str],
        clock_us: Callable[[], int],
        durable: Callable[[], Awaitable[None]],
    ) -> None:
        """Serve ``exchange``'s feed; count operations in ``counters``.

        ``durable`` returns once every change so far is committed: no frame
        tells of a change before that.
        """
        self.exchange = exchange
        self.durable = durable
        self.faults = faults
        self.now = clock_us
        self.max_frame_bytes = MAX_FRAME_BYTES
        self.max_subscriptions = MAX_SUBSCRIPTIONS
        self.max_queue = MAX_QUEUE
        self.max_connections = MAX_CONNECTIONS
        self.heartbeat_seconds = HEARTBEAT_SECONDS
        self.public = list_public(exchange.pairs)
        self._names = {channel: name for name, channel in self.public.items()}
        self._counters = counters
        self.connections: set[Connection] = set()
        self._by_channel: dict[str, set[Connection]] = {}
        self._by_account: dict[str, set[Connection]] = {}
        self._stop_listening: Callable[[], None] | None = None
        self._tickers_due: set[str] = set()
        self._lag_due: str | None = None
        self._flush_scheduled = False

    # Connections ---------------------------------------------------------------------

    def count(self, op: str) -> None:
        """Count one operation as ``stream:<op>``."""
        self._counters[f"stream:{op}"] += 1

    def full(self) -> bool:
        """Return whether no further connection is accepted."""
        return len(self.connections) >= self.max_connections

    def attach(self, connection: Connection) -> None:
        """Start serving a connection (and listening to the feed, if first)."""
        self.connections.add(connection)
        if self._stop_listening is None:
            self._stop_listening = self.exchange.feed.subscribe(self.on_event)

    def detach(self, connection: Connection) -> None:
        """Forget a connection (and stop listening to the feed, if last)."""
        self.connections.discard(connection)
        for members in self._by_channel.values():
            members.discard(connection)
        self.unsubscribe_private(connection)
        if not self.connections and self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    async def close(self) -> None:
        """Drop every connection (the server is stopping)."""
        for connection in list(self.connections):
            connection.drop()

    def channel_name(self, given: Any) -> str | None:
        """Return the public channel a UUID or name designates, else None."""
        if given in self._names:
            return self._names[given]
        return given if isinstance(given, str) and given in self.public else None

    def subscribe(self, connection: Connection, channel: str) -> None:
        """Deliver a public channel's messages to a connection."""
        self._by_channel.setdefault(channel, set()).add(connection)

    def unsubscribe(self, connection: Connection, channel: str) -> None:
        """Stop delivering a public channel's messages to a connection."""
        self._by_channel.get(channel, set()).discard(connection)

    def subscribe_private(self, connection: Connection, account_index: str) -> None:
        """Deliver an account's private messages to a connection."""
        self._by_account.setdefault(account_index, set()).add(connection)

    def unsubscribe_private(self, connection: Connection) -> None:
        """Stop delivering private messages to a connection."""
        if connection.private_account is not None:
            self._by_account.get(connection.private_account, set()).discard(connection)

    def private_uuid(self, connection: Connection) -> str | None:
        """Return the UUID of a connection's private channel, if it has one."""
        if connection.private_account is None:
            return None
        return channel_uuid(messages.private_channel_name(connection.private_account))

    # The feed ---------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Turn one engine event into messages; never let a failure reach the engine."""
        try:
            self._route(event)
        except Exception:
            # The engine is mid-call: a streaming bug must cost a message, not
            # the order being placed.
            _LOGGER.exception("Streaming message for %s failed", type(event).__name__)

    def _route(self, event: Event) -> None:
        """Turn one engine event into messages for whoever subscribed."""
        match event:
            case TradeEvent():
                self._route_trade(event)
            case DepthEvent(pair=pair):
                name = f"depth.{pair}"
                if self._listening(name):
                    self._publish(
                        name, "depth", messages.depth_payload(event, self.now())
                    )
            case TickerEvent(pair=pair):
                if self._listening(f"ticker.{pair}"):
                    self._tickers_due.add(pair)
                    self._schedule_flush()
            case OrderEvent():
                self._route_order(event)
            case WalletEvent(account_index=account_index):
                if self._by_account.get(account_index):
                    wallet = messages.wallet_payload(event)
                    if wallet is not None:
                        self._publish_private(account_index, "wallet", wallet)

    def _route_trade(self, event: TradeEvent) -> None:
        """Publish a trade on the trade channel and to each party's private channel."""
        payload = None
        if self._listening(TRADE_CHANNEL):
            payload = messages.trade_payload(event.trade)
            self._publish(TRADE_CHANNEL, "trade", payload)
        for account_index in dict.fromkeys(event.parties):
            if self._by_account.get(account_index):
                payload = payload or messages.trade_payload(event.trade)
                self._publish_private(account_index, "trade", payload)

    def _route_order(self, event: OrderEvent) -> None:
        """Schedule the lag message and tell the owner about the order."""
        if self._listening(LAG_CHANNEL):
            self._lag_due = event.oid
            self._schedule_flush()
        if self._by_account.get(event.account_index):
            order = None if event.reason else self.exchange.order(event.oid)
            payload = messages.user_order_payload(event, order)
            self._publish_private(event.account_index, "user_order", payload)

    def _listening(self, name: str) -> bool:
        """Return whether any connection subscribed to a public channel."""
        return bool(self._by_channel.get(channel_uuid(name)))

    def _schedule_flush(self) -> None:
        """Send the coalesced ticker and lag messages once the engine call is over."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Send one ticker per changed pair and one lag message."""
        self._flush_scheduled = False
        tickers, self._tickers_due = self._tickers_due, set()
        for pair in sorted(tickers):
            ticker = shapes.ticker(self.exchange.ticker(pair))
            self._publish(f"ticker.{pair}", "ticker", ticker)
        if self._lag_due is not None:
            payload = messages.lag_payload(self._lag_due, self.now())
            self._lag_due = None
            self._publish(LAG_CHANNEL, "lag", payload)

    def _publish(self, name: str, kind: str, payload: Any) -> None:
        """Queue one message on every connection subscribed to a public channel."""
        members = self._by_channel.get(channel_uuid(name))
        if members:
            text = encode(messages.channel_message(name, kind, payload, self.now()))
            for connection in list(members):
                connection.push(text)

    def _publish_private(self, account_index: str, kind: str, payload: Any) -> None:
        """Queue one message on an account's private channel."""
        name = messages.private_channel_name(account_index)
        message = messages.channel_message(name, kind, payload, self.now())
        text = encode(message)
        for connection in list(self._by_account.get(account_index, ())):
            connection.push(text)

    # Routes -------------------------------------------------------------------------------

    def routes(self, root_page: Handler) -> list[web.RouteDef]:
        """Return the plain websocket and Socket.IO routes (``/`` shows ``root_page``)."""
        return [*websocket_routes(self, root_page), *socketio_routes(self)]
