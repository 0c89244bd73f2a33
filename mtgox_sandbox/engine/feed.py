"""One in-process feed of everything the engine does, in the order it happens.

Subscribers (the streaming API, tests) get each event synchronously, inside
the engine call that caused it, so an event is never seen before the state it
describes.  A subscriber must not call back into the engine.

Events: :class:`TradeEvent` (a public trade), :class:`DepthEvent` (the
volume at one price of one side changed; 0 means the level is gone),
:class:`TickerEvent` (last price or best bid/ask may have changed),
:class:`OrderEvent` (an order was opened, partly filled or closed) and
:class:`WalletEvent` (a balance or reserve changed).
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Side, Trade


@dataclass(frozen=True, slots=True)
class TradeEvent:
    """A trade happened."""

    trade: Trade


@dataclass(frozen=True, slots=True)
class DepthEvent:
    """The resting volume at ``price_int`` on one side is now ``amount_int``."""

    pair: str
    side: Side
    price_int: int
    amount_int: int


@dataclass(frozen=True, slots=True)
class TickerEvent:
    """A pair's ticker changed (a trade, or a new best bid or ask)."""

    pair: str


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order of ``account_index`` is now ``status`` with ``amount_int`` left."""

    account_index: str
    oid: str
    pair: str
    status: str
    amount_int: int


@dataclass(frozen=True, slots=True)
class WalletEvent:
    """A wallet's balance or reserve changed."""

    account_index: str
    currency: str
    balance_int: int
    reserved_int: int


type Event = TradeEvent | DepthEvent | TickerEvent | OrderEvent | WalletEvent
type Subscriber = Callable[[Event], None]


class Feed:
    """Publishes events to every subscriber, in publication order."""

    def __init__(self) -> None:
        """Start without subscribers."""
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` with every later event; return its unsubscribe."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        """Hand ``event`` to every subscriber."""
        for subscriber in self._subscribers:
            subscriber(event)

    @property
    def active(self) -> bool:
        """Return whether anyone listens (events are not even built otherwise)."""
        return bool(self._subscribers)
