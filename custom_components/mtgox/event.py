"""Order events of the Mt.Gox integration: an open order filled or cancelled.

The account's open orders are polled with everything else, so an order is
reported at the first refresh that no longer lists it, with the exchange's
order result telling a fill from a cancellation.  Amounts and prices are exact
decimal strings, as in the actions' responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback

from .entity import MtGoxAccountEntity
from .helpers import order_data
from .orders import ORDER_CANCELLED, ORDER_FILLED
from .push_topics import Part, Topic

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import MtGoxConfigEntry, MtGoxData, MtGoxDataUpdateCoordinator
    from .orders import OrderUpdate

# The event entity reads what the coordinator found; it never calls the exchange.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MtGoxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the account's order event entity."""
    async_add_entities([MtGoxOrderEvent(entry.runtime_data.coordinator)])


def order_event_attributes(update: OrderUpdate) -> dict[str, Any]:
    """Describe a filled or cancelled order as the event's attributes."""
    return order_data(
        update.order, amount=update.amount, filled_amount=update.filled_amount
    )


class MtGoxOrderEvent(MtGoxAccountEntity, EventEntity):
    """Fires ``filled`` or ``cancelled`` when one of the account's orders closes."""

    _attr_translation_key = "orders"

    def __init__(self, coordinator: MtGoxDataUpdateCoordinator) -> None:
        """Initialize the event entity of the account."""
        super().__init__(coordinator, "orders")
        self._attr_event_types = [ORDER_FILLED, ORDER_CANCELLED]
        # The refresh whose order updates were already fired.
        self._reported: MtGoxData | None = coordinator.data

    async def async_will_remove_from_hass(self) -> None:
        """Leave no state, not "unavailable", while the entry is unloaded.

        The logbook lists each change of an event entity's state as an event:
        going unavailable at every reload or options change, and back, would
        read as two order events. It skips a removed state and the first state
        after it, which is the last order event, restored. Home Assistant
        writes "unavailable" only for an entity that still has its registry
        entry; the entity object is discarded after this.
        """
        await super().async_will_remove_from_hass()
        self.registry_entry = None

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return the open orders: a push may close one."""
        return (Topic(Part.ORDERS),)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire one event per order closed since the refresh before.

        A failed refresh keeps the old data and must not fire its events again.
        """
        data = self.coordinator.data
        if data is not self._reported:
            self._reported = data
            if updates := self.coordinator.order_updates:
                # Back from unavailable, first show the last event again: each
                # new event then changes the state from an available one, so
                # automations that skip "not_from: unavailable" still see it.
                self.async_write_ha_state()
            for update in updates:
                self._trigger_event(update.event_type, order_event_attributes(update))
                self.async_write_ha_state()
        super()._handle_coordinator_update()
