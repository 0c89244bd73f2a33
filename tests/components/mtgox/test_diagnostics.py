"""Tests of the Mt.Gox diagnostics."""

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from mtgox_sandbox.runner import Sandbox


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """The entry and the last refresh, without key, secret, login or account id.

    Every sensor is enabled and a second refresh run (the first runs before
    any is registered), so the refresh holds books and the lag.
    """
    await init_integration.runtime_data.coordinator.async_refresh()
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    text = str(diagnostics)
    for secret in (sandbox.key, sandbox.secret, sandbox.account.id):
        assert secret not in text
    assert sandbox.account.login not in text
    # The port and the clock change from run to run.
    assert diagnostics == snapshot(
        exclude=props("created_at", "modified_at", "entry_id", "url", "updated")
    )
