"""Tests of the Mt.Gox integration."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity, failing the test if it has none."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state.state


def entry_device(
    device_registry: dr.DeviceRegistry, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the entry's device with an identifier.

    Looked up among the entry's devices: async_get_device is deprecated from
    Home Assistant 2026.8 and its replacement is missing in 2025.4.
    """
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(device_registry, entry_id)
            if identifier in device.identifiers
        ),
        None,
    )
