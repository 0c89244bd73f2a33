"""The order events as the logbook shows them: real fills and cancels only.

Read through Home Assistant's recorder and logbook, as the frontend reads them.
"""

from typing import Any

import pytest
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.recorder.common import (  # type: ignore[import-untyped]
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.mtgox.const import CONF_MAX_ORDER_AMOUNT, CONF_UPDATE_INTERVAL
from mtgox_sandbox.runner import Sandbox

from . import setup_entry
from .test_event import ORDERS, house_sells, orders_state, place_bid, refresh


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None
) -> None:
    """Prepare the recorder's database before ``hass`` exists, as it must be."""


async def logbook_entries(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, since: str
) -> list[dict[str, Any]]:
    """Return the logbook's entries of the order event entity since ``since``."""
    await async_wait_recording_done(hass)
    client = await hass_client()
    response = await client.get(f"/api/logbook/{since}?entity={ORDERS}")
    assert response.status == 200
    entries: list[dict[str, Any]] = await response.json()
    return entries


async def test_only_real_order_events_are_logged(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Setting up, reloading and saving options write no line; a fill does."""
    # The frontend's files are not installed for tests; the logbook only
    # registers its panel there.
    hass.config.components.add("frontend")
    assert await async_setup_component(hass, "logbook", {})
    since = dt_util.utcnow().isoformat()
    await setup_entry(hass, mock_config_entry)
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    # Only the update interval changes: the same pairs, valuation and maximum.
    options = {**mock_config_entry.options, CONF_UPDATE_INTERVAL: 60.0}
    options[CONF_MAX_ORDER_AMOUNT] = float(options[CONF_MAX_ORDER_AMOUNT])
    flow = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    saved = await hass.config_entries.options.async_configure(flow["flow_id"], options)
    assert saved["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert await logbook_entries(hass, hass_client, since) == []

    await place_bid(hass, mock_config_entry, "0.5", "790")
    house_sells(sandbox, "0.5", "790")
    await refresh(hass, mock_config_entry)

    filled_at = orders_state(hass).state
    # Reloaded, the entity shows that fill again: still one line.
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert orders_state(hass).state == filled_at

    entries = await logbook_entries(hass, hass_client, since)
    assert [(entry["entity_id"], entry["state"]) for entry in entries] == [
        (ORDERS, filled_at)
    ]
