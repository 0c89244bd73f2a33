"""The order book sensors' descriptions, and which pairs' books a refresh reads.

A book costs one ``depth/fetch`` per pair and refresh, so it is read only for
the pairs with a book volume sensor enabled (both start disabled), and never
past the exchange's rate rule. The spread needs no book: it is a ticker sensor
(the ticker's bid and ask are the book's best bid and best ask).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.const import Platform
from homeassistant.helpers import entity_registry as er

from .api import Side
from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from homeassistant.core import HomeAssistant

    from .api import OrderBook, Ticker

NEAR_PERCENT: Final = Decimal(1)
"""The book volume sensors count the levels within this % of the last price."""

PUBLIC_REQUESTS_PER_REFRESH: Final = 14
"""Most unsigned requests (tickers, books, lag) one refresh sends.

The sandbox models Mt.Gox's anti-DDoS filter as 30 requests per 10 s from one
address. At the shortest interval, 10 s, two refreshes can fall within one
10 s window (Home Assistant rounds the next refresh's time down to the
second): two refreshes of 14 leave 2 for the statistics' backfill (one
request per 10 s) and an action's quote. Tickers come first; books take what
is left, in the order the pairs are tracked.
"""


@dataclass(frozen=True, kw_only=True)
class MtGoxBookSensorEntityDescription(SensorEntityDescription):
    """Describes a figure of a pair's order book, read beside its last price."""

    value_fn: Callable[[OrderBook, Ticker], Decimal]
    in_bitcoin: bool = False


def _volume_near_last(side: Side) -> MtGoxBookSensorEntityDescription:
    """Describe one side's volume within NEAR_PERCENT of the last price."""
    return MtGoxBookSensorEntityDescription(
        key=f"{side}_volume",
        translation_key=f"{side}_volume",
        entity_registry_enabled_default=False,
        in_bitcoin=True,
        value_fn=lambda book, ticker: book.volume_near(side, ticker.last, NEAR_PERCENT),
    )


BOOK_SENSORS: Final[tuple[MtGoxBookSensorEntityDescription, ...]] = (
    _volume_near_last(Side.BID),
    _volume_near_last(Side.ASK),
)


class BookPairs:
    """Choose, at each refresh, the pairs whose order book is read.

    The entity registry says which book sensors are enabled, from the first
    refresh on (it runs before any entity is added, so the coordinator's
    listener contexts would miss it); a sensor not registered yet counts as
    its description's default.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with no pair left out (nothing logged yet)."""
        self._hass = hass
        self._over_budget: tuple[str, ...] = ()

    def choose(
        self, pairs: Sequence[str], account_id: str | None, other_requests: int
    ) -> tuple[str, ...]:
        """Return the pairs to read, within what ``other_requests`` leave."""
        registry = er.async_get(self._hass)
        wanted = [pair for pair in pairs if _wanted(registry, account_id, pair)]
        budget = max(0, PUBLIC_REQUESTS_PER_REFRESH - other_requests)
        over_budget = tuple(wanted[budget:])
        if over_budget and over_budget != self._over_budget:
            LOGGER.warning(
                "Order book of %s not read: with the tickers it would pass the "
                "exchange's rate limit; track fewer pairs or disable their book "
                "sensors",
                ", ".join(over_budget),
            )
        self._over_budget = over_budget
        return tuple(wanted[:budget])


def _wanted(registry: er.EntityRegistry, account_id: str | None, pair: str) -> bool:
    """Tell whether a book sensor of ``pair`` is enabled, or will be once added."""
    for description in BOOK_SENSORS:
        # The unique id MtGoxPairEntity gives: account id, pair, key.
        unique_id = f"{account_id}_{pair}_{description.key}"
        entity_id = registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id)
        entry = registry.async_get(entity_id) if entity_id else None
        if (
            description.entity_registry_enabled_default
            if entry is None
            else not entry.disabled
        ):
            return True
    return False
