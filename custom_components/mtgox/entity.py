"""Base entities of the Mt.Gox integration."""

from __future__ import annotations

from decimal import Decimal

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import MtGoxDataUpdateCoordinator
from .devices import account_device_identifier, pair_device_identifier
from .helpers import plain
from .push_topics import Part, Topic


def exact_state(value: Decimal | int | None) -> str | int | None:
    """Render an amount exactly, in positional notation (never ``0E-8``)."""
    if isinstance(value, Decimal):
        return plain(value)
    return value


class MtGoxEntity(CoordinatorEntity[MtGoxDataUpdateCoordinator]):
    """An entity fed by the account's coordinator."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: MtGoxDataUpdateCoordinator, key: str) -> None:
        """Initialize the entity; ``key`` makes its unique id within the account."""
        super().__init__(coordinator)
        self.account_id = coordinator.data.account.account_id
        self._attr_unique_id = f"{self.account_id}_{key}"
        self._written: tuple[bool, object] | None = None

    async def async_added_to_hass(self) -> None:
        """Listen to pushes too; remember what Home Assistant writes once added."""
        await super().async_added_to_hass()
        if topics := self._push_topics():
            self.async_on_remove(
                self.coordinator.push_listeners.add(
                    topics, self._handle_coordinator_update
                )
            )
        self._written = self._shown()

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return what pushes change of what the entity shows; refreshes change all."""
        return ()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when what the entity shows changed.

        Most figures (wallets, fee, volume) stay the same from one refresh to
        the next, and rewriting an unchanged state costs the event loop for
        nothing. An entity's attributes are fixed at creation.
        """
        if (shown := self._shown()) != self._written:
            self._written = shown
            super()._handle_coordinator_update()

    def _shown(self) -> tuple[bool, object]:
        """Return what the state shows: availability and, for a sensor, its value."""
        if not self.available:
            return (False, None)
        return (True, getattr(self, "native_value", None))

    def _device_info(self, identifier: tuple[str, str]) -> DeviceInfo:
        """Describe the service device common to every entity of the account."""
        return DeviceInfo(
            configuration_url=self.coordinator.config_entry.runtime_data.server_page,
            entry_type=DeviceEntryType.SERVICE,
            identifiers={identifier},
            manufacturer="Mt.Gox",
        )


class MtGoxAccountEntity(MtGoxEntity):
    """An entity of the account device: wallets and account figures."""

    def __init__(self, coordinator: MtGoxDataUpdateCoordinator, key: str) -> None:
        """Initialize the entity on the account device."""
        super().__init__(coordinator, key)
        self._attr_device_info = self._device_info(
            account_device_identifier(self.account_id)
        ) | DeviceInfo(name="Mt.Gox", model="Account")


class MtGoxPairEntity(MtGoxEntity):
    """An entity of a tracked pair's device, unavailable while its ticker is."""

    def __init__(
        self, coordinator: MtGoxDataUpdateCoordinator, pair: str, key: str
    ) -> None:
        """Initialize the entity on the pair's device."""
        super().__init__(coordinator, f"{pair}_{key}")
        self.pair = pair
        item, currency = pair[:3], pair[3:]
        self._attr_device_info = self._device_info(
            pair_device_identifier(self.account_id, pair)
        ) | DeviceInfo(
            model=f"{item}/{currency}",
            translation_key="pair",
            translation_placeholders={"currency": currency},
        )

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return the pair's ticker: its figures, or its availability."""
        return (Topic(Part.TICKER, self.pair),)

    @property
    def available(self) -> bool:
        """Return whether this pair's ticker was read in the last refresh."""
        return super().available and self.pair in self.coordinator.data.tickers
