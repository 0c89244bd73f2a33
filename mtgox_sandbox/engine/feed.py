"""One in-process feed of everything the engine does, in the order it happens.

Subscribers (the streaming API, tests) get each event synchronously, inside
the engine call that caused it, so an event is never seen before the state it
describes.  A subscriber must not call back into the engine.

Events: :class:`TradeEvent` (a public trade), :class:`DepthEvent` (the
volume at one price of one side changed; 0 means the level is gone),
:class:`TickerEvent` (last price or best bid/ask may have changed),
:class:`OrderEvent` (an order was opened, partly filled or closed),
:class:`WalletEvent` (a balance or reserve changed) and :class:`AccountEvent`
(an account's own record changed: rights, revocation, monthly volume).

The details only the streaming API needs (who traded, by how much a level
changed, why an order closed, which posting changed a balance) are left out of
the events' equality, which describes the change itself.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from .models import HistoryEntry, Side, Trade


@dataclass(frozen=True, slots=True)
class TradeEvent:
    """A trade happened between the orders of ``parties`` (buyer's account first)."""

    trade: Trade
    parties: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class DepthEvent:
    """The resting volume at ``price_int`` on one side is now ``amount_int``.

    ``change_int`` is how much it changed (negative when volume left the level).
    """

    pair: str
    side: Side
    price_int: int
    amount_int: int
    change_int: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class TickerEvent:
    """A pair's ticker changed (a trade, or a new best bid or ask)."""

    pair: str


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order of ``account_index`` is now ``status`` with ``amount_int`` left.

    A closed order's ``reason`` is ``requested`` (cancelled by its owner),
    ``completed_passive`` (filled while resting on the book) or
    ``completed_active`` (done while being placed: filled, or a market
    order's unfilled rest dropped); ``None`` while the order is open.
    """

    account_index: str
    oid: str
    pair: str
    status: str
    amount_int: int
    reason: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class WalletEvent:
    """A wallet's balance or reserve changed.

    ``entry`` is the history entry of a balance change (its type, amount and
    info); ``None`` when only the reserve moved.
    """

    account_index: str
    currency: str
    balance_int: int
    reserved_int: int
    entry: HistoryEntry | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """An account's own record (not its wallets) changed."""

    account_index: str


type Event = (
    TradeEvent | DepthEvent | TickerEvent | OrderEvent | WalletEvent | AccountEvent
)
type Subscriber = Callable[[Event], None]
type EventKind = type[
    TradeEvent | DepthEvent | TickerEvent | OrderEvent | WalletEvent | AccountEvent
]

EVERY_KIND: Final[frozenset[EventKind]] = frozenset(
    {TradeEvent, DepthEvent, TickerEvent, OrderEvent, WalletEvent, AccountEvent}
)


class Feed:
    """Publishes events to their subscribers, in publication order."""

    def __init__(self) -> None:
        """Start without subscribers."""
        self._subscribers: list[tuple[Subscriber, frozenset[EventKind]]] = []
        self._wanted: Counter[EventKind] = Counter()

    def subscribe(
        self, subscriber: Subscriber, kinds: Iterable[EventKind] = EVERY_KIND
    ) -> Callable[[], None]:
        """Call ``subscriber`` with every later event of ``kinds``; return its unsubscribe."""
        entry = (subscriber, frozenset(kinds))
        self._subscribers.append(entry)
        self._wanted.update(entry[1])

        def unsubscribe() -> None:
            self._subscribers.remove(entry)
            self._wanted.subtract(entry[1])

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Hand ``event`` to every subscriber of its kind."""
        for subscriber, kinds in self._subscribers:
            if type(event) in kinds:
                subscriber(event)

    def wants(self, kind: EventKind) -> bool:
        """Return whether anyone listens to ``kind`` (unwanted events are not even built)."""
        return self._wanted[kind] > 0
