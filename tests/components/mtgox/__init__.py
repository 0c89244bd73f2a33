"""Tests of the Mt.Gox integration."""

from homeassistant.core import HomeAssistant


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity, failing the test if it has none."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state.state
