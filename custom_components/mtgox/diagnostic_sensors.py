"""The account's diagnostic sensors: the exchange's engine lag and the stream's state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime

from .const import StreamState
from .entity import MtGoxAccountEntity, exact_state
from .push_topics import Part, Topic

if TYPE_CHECKING:
    from .coordinator import MtGoxDataUpdateCoordinator

# Disabled by default: it is the one sensor that costs a request of its own at
# every refresh (see MtGoxDataUpdateCoordinator._async_read_lag).
ENGINE_LAG_SENSOR: Final = SensorEntityDescription(
    key="engine_lag",
    translation_key="engine_lag",
    device_class=SensorDeviceClass.DURATION,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
    native_unit_of_measurement=UnitOfTime.SECONDS,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=1,
)

STREAM_SENSOR: Final = SensorEntityDescription(
    key="stream",
    translation_key="stream",
    device_class=SensorDeviceClass.ENUM,
    entity_category=EntityCategory.DIAGNOSTIC,
    options=[state.value for state in StreamState],
)


class MtGoxDiagnosticSensor(MtGoxAccountEntity, SensorEntity):
    """A sensor of the account device described by a plain description."""

    def __init__(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        description: SensorEntityDescription,
    ) -> None:
        """Initialize the sensor of ``description``."""
        super().__init__(coordinator, description.key)
        self.entity_description = description


class MtGoxEngineLagSensor(MtGoxDiagnosticSensor):
    """How long the exchange's trading engine takes to reach a new order.

    The lag is read only once the sensor is added.
    """

    async def async_added_to_hass(self) -> None:
        """Have the coordinator read the lag from its next refresh on."""
        self.coordinator.read_lag = True
        await super().async_added_to_hass()

    async def async_will_remove_from_hass(self) -> None:
        """Stop the lag's request: no entity shows it any more."""
        self.coordinator.read_lag = False
        await super().async_will_remove_from_hass()

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return the lag."""
        return (Topic(Part.LAG),)

    @property
    def available(self) -> bool:
        """Return whether the last refresh read the lag."""
        return super().available and self.coordinator.data.lag is not None

    @property
    def native_value(self) -> str | int | None:
        """Return the lag in seconds, exactly."""
        return exact_state(self.coordinator.data.lag)


class MtGoxStreamSensor(MtGoxDiagnosticSensor):
    """What the entry's streaming connection is doing."""

    @property
    def native_value(self) -> str:
        """Return the stream's state; disabled when the options turned it off."""
        stream = self.coordinator.config_entry.runtime_data.stream
        return StreamState.DISABLED if stream is None else stream.state
