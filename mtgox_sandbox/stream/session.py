"""One streaming connection: its subscriptions, its operations and its send queue.

The engine never waits for a client: the hub hands each connection its
messages synchronously, the connection queues them (at most
``hub.max_queue``) and its own writer task sends them.  A client whose queue
is full is dropped at once, not waited for.  Incoming frames are read one at
a time; a frame that is too large, not JSON or not a known operation gets a
``remark``, never an exception.

Operations (reference §8): ``subscribe`` (a channel UUID or name),
``unsubscribe``, ``mtgox.subscribe`` with ``channel`` (a name), ``type``
(``ticker``, ``depth``: the connection's currencies; ``trades``; ``lag``) or
``key`` (an id key: the account's private channel), and ``call`` (signed
calls, :mod:`~mtgox_sandbox.stream.calls`).  Subscribing answers
``{"op":"subscribe","channel":<uuid>}``, unsubscribing
``{"op":"unsubscribe","channel":<uuid>}``.
"""

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections import deque
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Final

from aiohttp import WSMsgType, web

from mtgox_sandbox.faults import FaultKind

from . import calls, messages
from .channels import LAG_CHANNEL, TRADE_CHANNEL, channel_uuid
from .idkeys import account_for_idkey

_LOGGER = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .hub import StreamHub

DEFAULT_CURRENCY: Final = "USD"
GARBAGE_FRAME: Final = '{"op":"private","channel":"'
"""What the ``garbage`` fault sends: a message cut short, not JSON."""


def encode(message: messages.Message) -> str:
    """Return a message as compact JSON, as the API sent it."""
    return json.dumps(message, separators=(",", ":"))


class Connection:
    """A client of the streaming API over one websocket (plain framing)."""

    transport: str = "websocket"

    def __init__(
        self, hub: "StreamHub", request: web.Request, ws: web.WebSocketResponse
    ) -> None:
        """Serve one accepted websocket for ``hub``."""
        self.hub = hub
        self.request = request
        self.ws = ws
        self.subscriptions: set[str] = set()
        self.private_account: str | None = None
        self.currencies: list[str] = [DEFAULT_CURRENCY]
        self.silent = False
        self.closed = False
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()

    # Sending -----------------------------------------------------------------------

    def frame(self, text: str) -> str:
        """Return a JSON message as this transport frames it."""
        return text

    def push(self, text: str) -> None:
        """Queue a JSON message; drop the client if it has fallen too far behind."""
        self.push_raw(self.frame(text))

    def push_raw(self, frame: str) -> None:
        """Queue a frame exactly as it must be sent."""
        if self.closed:
            return
        if len(self._queue) >= self.hub.max_queue:
            self.drop()
            return
        self._queue.append(frame)
        self._wake.set()

    def send(self, message: messages.Message) -> None:
        """Queue one message for this client only."""
        self.push(encode(message))

    def drop(self) -> None:
        """Close the connection at once, without a closing handshake."""
        self.closed = True
        self._queue.clear()
        self._wake.set()
        if self.request.transport is not None:
            self.request.transport.abort()

    async def _write(self) -> None:
        """Send queued frames in order, applying the ``stream/.../message`` faults."""
        path = f"stream/{self.transport}/message"
        while not self.closed:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and not self.closed:
                frame = self._queue.popleft()
                faults = {fault.kind: fault for fault in self.hub.faults.take(path)}
                if FaultKind.DROP in faults:
                    self.drop()
                    return
                self.silent = self.silent or FaultKind.SILENT in faults
                if self.silent:
                    continue
                if FaultKind.LATENCY in faults:
                    await asyncio.sleep(faults[FaultKind.LATENCY].seconds)
                try:
                    await self.hub.durable()
                except sqlite3.Error:
                    # What the frame tells of may never be committed: the
                    # client must not see it, and reconnects to what is.
                    _LOGGER.exception("Commit failed; streaming client dropped")
                    self.drop()
                    return
                if FaultKind.GARBAGE in faults:
                    await self.ws.send_str(self.frame(GARBAGE_FRAME))
                await self.ws.send_str(frame)

    # Serving -----------------------------------------------------------------------

    async def serve(self) -> None:
        """Read frames until the client leaves; always detach from the hub."""
        self.hub.attach(self)
        writer = asyncio.create_task(self._write())
        try:
            self.opened()
            async for message in self.ws:
                if message.type == WSMsgType.TEXT:
                    self.receive(message.data)
                elif message.type == WSMsgType.BINARY:
                    self.send(messages.remark("Binary frames are not understood"))
        finally:
            self.closed = True
            self.hub.detach(self)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await writer

    def opened(self) -> None:
        """Subscribe what the URL's query asks for (plain websockets: at once)."""
        self.subscribe_query(self.request.query)

    def receive(self, text: str) -> None:
        """Handle one JSON frame from the client."""
        if len(text.encode()) > self.hub.max_frame_bytes:
            self.send(messages.remark("Frame too large"))
            return
        try:
            frame = json.loads(text)
        except ValueError:
            self.send(messages.remark("Invalid JSON"))
            return
        if not isinstance(frame, dict):
            self.send(messages.remark("Invalid message"))
            return
        self.operate(frame)

    # Operations --------------------------------------------------------------------

    def operate(self, frame: dict[str, Any]) -> None:
        """Carry out one operation."""
        op = frame.get("op")
        request_id = frame.get("id")
        if op in {"subscribe", "mtgox.subscribe"}:
            self.hub.count(op)
            self._subscribe_frame(frame, request_id)
        elif op == "unsubscribe":
            self.hub.count(op)
            self._unsubscribe(frame.get("channel"), request_id)
        elif op == "call":
            self.hub.count(op)
            stale = self.hub.faults.take(f"stream/{self.transport}/call")
            refuse = any(fault.kind == FaultKind.STALE_NONCE for fault in stale)
            exchange = self.hub.exchange
            self.send(
                calls.answer_call(exchange, frame, self.hub.now(), stale_nonce=refuse)
            )
        else:
            self.hub.count("invalid")
            self.send(messages.remark("Unknown operation", request_id))

    def _subscribe_frame(self, frame: Mapping[str, Any], request_id: Any) -> None:
        """Subscribe by ``key``, ``type`` or ``channel`` (UUID or name)."""
        if "key" in frame:
            self._subscribe_private(frame["key"], request_id)
        elif "type" in frame:
            names: list[str | None] = [*self._names_of_type(frame["type"])]
            for name in names or [None]:
                self.subscribe_name(name, request_id)
        else:
            self.subscribe_name(self.hub.channel_name(frame.get("channel")), request_id)

    def _names_of_type(self, kind: Any) -> list[str]:
        """Return the channels a ``type`` subscription means (empty: unknown)."""
        if kind == "trades":
            return [TRADE_CHANNEL]
        if kind == "lag":
            return [LAG_CHANNEL]
        if kind in {"ticker", "depth"}:
            return [
                name
                for code in self.currencies
                if (name := f"{kind}.BTC{code}") in self.hub.public
            ]
        return []

    def _refused(self, request_id: Any) -> bool:
        """Apply the ``refuse_subscription`` fault; return whether it refused."""
        path = f"stream/{self.transport}/subscribe"
        if any(
            fault.kind == FaultKind.REFUSE_SUBSCRIPTION
            for fault in self.hub.faults.take(path)
        ):
            self.send(messages.remark("Subscription refused", request_id))
            return True
        return False

    def _room_for(self, channel: str, request_id: Any) -> bool:
        """Return whether one more subscription fits; remark if not."""
        if channel in self.subscriptions:
            return True
        if len(self.subscriptions) >= self.hub.max_subscriptions:
            self.send(messages.remark("Too many subscriptions", request_id))
            return False
        return True

    def subscribe_name(self, name: str | None, request_id: Any = None) -> None:
        """Subscribe to a public channel by name, answering with its UUID."""
        if name is None:
            self.send(messages.remark("Unknown channel", request_id))
            return
        channel = channel_uuid(name)
        if self._refused(request_id) or not self._room_for(channel, request_id):
            return
        self.subscriptions.add(channel)
        self.hub.subscribe(self, channel)
        self.send(messages.subscribed("subscribe", channel))

    def _subscribe_private(self, key: Any, request_id: Any) -> None:
        """Subscribe to the private channel of the account whose id key ``key`` is."""
        account = None
        if isinstance(key, str) and len(key) <= self.hub.max_frame_bytes:
            exchange = self.hub.exchange
            account = account_for_idkey(key, exchange.accounts, self.hub.now())
        if account is None:
            self.send(messages.remark("Invalid or expired key", request_id))
            return
        channel = channel_uuid(messages.private_channel_name(account.index))
        if self._refused(request_id) or not self._room_for(channel, request_id):
            return
        if self.private_account not in {None, account.index}:
            self._unsubscribe(self.hub.private_uuid(self), request_id)
        self.subscriptions.add(channel)
        self.private_account = account.index
        self.hub.subscribe_private(self, account.index)
        self.send(messages.subscribed("subscribe", channel))

    def _unsubscribe(self, given: Any, request_id: Any) -> None:
        """Leave a channel (UUID or name); remark if the connection is not in it."""
        name = self.hub.channel_name(given)
        private = self.hub.private_uuid(self)
        channel = private if given == private else name and channel_uuid(name)
        if channel is None or channel not in self.subscriptions:
            self.send(messages.remark("Not subscribed", request_id))
            return
        self.subscriptions.discard(channel)
        if channel == private:
            self.hub.unsubscribe_private(self)
            self.private_account = None
        else:
            self.hub.unsubscribe(self, channel)
        self.send(messages.subscribed("unsubscribe", channel))

    def subscribe_query(self, query: Mapping[str, str]) -> None:
        """Subscribe ``Currency=USD,EUR`` (ticker, depth, trades) and ``Channel=a/b``."""
        currencies = [c for c in query.get("Currency", "").upper().split(",") if c]
        named = [n for n in query.get("Channel", "").split("/") if n]
        if currencies:
            self.currencies = currencies
        elif not named:
            currencies = [DEFAULT_CURRENCY]
        traded = [code for code in currencies if f"ticker.BTC{code}" in self.hub.public]
        for code in currencies:
            if code not in traded:
                self.send(messages.remark(f"Unknown currency {code}"))
                continue
            self.subscribe_name(f"ticker.BTC{code}")
            self.subscribe_name(f"depth.BTC{code}")
        if traded:
            self.subscribe_name(TRADE_CHANNEL)
        for pattern in named:
            matched = [n for n in self.hub.public if fnmatchcase(n, pattern)]
            if not matched:
                self.send(messages.remark(f"Unknown channel {pattern}"))
            for name in matched:
                self.subscribe_name(name)
