"""What a push changed, and the listeners of each such part of the data.

A refresh may change anything, so it calls every entity through the
coordinator's listeners.  A push changes one part of the data, most often
one pair's ticker: it calls only the entities that show that part, so a
ticker push costs its pair's few sensors and the portfolio value, not every
entity of the entry.  An entity listens to every part it reads.
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from homeassistant.core import CALLBACK_TYPE, callback

if TYPE_CHECKING:
    from collections.abc import Iterable


class Part(StrEnum):
    """A part of the coordinator's data that pushes change on their own."""

    TICKER = "ticker"
    BOOK = "book"
    WALLET = "wallet"
    ORDERS = "orders"
    LAG = "lag"


class Topic(NamedTuple):
    """A part of the data, for one pair or currency."""

    part: Part
    key: str | None = None
    """The pair or currency. None in a listener's topic: all of them."""


class PushListeners:
    """The callbacks to run when a push changes a topic."""

    def __init__(self) -> None:
        """Start with no listener."""
        self._listeners: dict[Topic, list[CALLBACK_TYPE]] = {}

    @callback
    def add(self, topics: Iterable[Topic], update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Run ``update`` on each push that changes one of ``topics``; return the undo."""
        added = tuple(topics)
        for topic in added:
            self._listeners.setdefault(topic, []).append(update)
        return partial(self._remove, added, update)

    @callback
    def _remove(self, topics: tuple[Topic, ...], update: CALLBACK_TYPE) -> None:
        for topic in topics:
            listeners = self._listeners[topic]
            listeners.remove(update)
            if not listeners:
                del self._listeners[topic]

    @callback
    def notify(self, changed: Topic) -> None:
        """Run the listeners of ``changed``, and those of every key of its part."""
        # A copy: a listener may add or remove listeners (an entity removed).
        listeners = list(self._listeners.get(changed, ()))
        if changed.key is not None:
            listeners += self._listeners.get(Topic(changed.part), ())
        for update in listeners:
            update()
