"""Tests of setting up, unloading and removing the Mt.Gox integration."""

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    WebSocketGenerator,
)

from custom_components.mtgox.const import CONF_API_SECRET, CONF_API_VERSION, DOMAIN
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import DEMO_RIGHTS, Sandbox

from . import assert_reauth_started, entry_device, setup_entry, state_of


async def test_load_unload_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The entry loads, unloads and reloads against the sandbox."""
    assert state_of(hass, "sensor.bitcoin_usd_price") == "800.00000"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.bitcoin_usd_price") == "unavailable"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert state_of(hass, "sensor.bitcoin_usd_price") == "800.00000"


@pytest.mark.parametrize("api_version", [0, 1, 2])
async def test_every_api_version(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, api_version: int
) -> None:
    """Prices and balances read the same through each version of the API."""
    await setup_entry(hass, mock_config_entry, data={CONF_API_VERSION: api_version})

    # Version 0 sent prices as JSON numbers ("800.0"): equal, not padded.
    assert Decimal(state_of(hass, "sensor.bitcoin_usd_price")) == Decimal("800")
    assert Decimal(state_of(hass, "sensor.bitcoin_eur_bid")) == Decimal("588.82")
    assert state_of(hass, "sensor.mt_gox_btc_balance") == "10.00000000"
    assert state_of(hass, "sensor.mt_gox_jpy_available") == "1000000.000"
    assert state_of(hass, "sensor.mt_gox_open_orders") == "0"


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": FaultKind.DROP, "path": "1/generic/info"},
        {"kind": FaultKind.HTML, "path": "1/generic/orders", "status": 502},
    ],
)
async def test_not_ready_while_server_fails(
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    fault: dict[str, Any],
) -> None:
    """Setup is retried later while the exchange cannot be read."""
    sandbox.faults.add(**fault)
    await setup_entry(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_not_ready_while_server_down(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Setup is retried later while nothing answers at the URL."""
    await setup_entry(
        hass, mock_config_entry, data={CONF_URL: "http://127.0.0.1:1/api/"}
    )
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_rejected_key_starts_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A key the exchange rejects at setup asks the user for a new one."""
    await setup_entry(
        hass, mock_config_entry, data={CONF_API_SECRET: "d3Jvbmcgc2VjcmV0"}
    )

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert_reauth_started(hass, mock_config_entry)


async def test_withdraw_right_repair_issue(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A key that can withdraw raises an issue until it loses the right."""
    issue_id = f"withdraw_right_{mock_config_entry.entry_id}"
    sandbox.exchange.set_rights(sandbox.key, [*DEMO_RIGHTS, "withdraw"])
    await setup_entry(hass, mock_config_entry)

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "withdraw_right"
    assert issue.translation_placeholders == {"title": mock_config_entry.title}
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.is_fixable
    assert issue.data == {"entry_id": mock_config_entry.entry_id}

    sandbox.exchange.set_rights(sandbox.key, DEMO_RIGHTS)
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    # Removing the entry also forgets an issue left behind.
    sandbox.exchange.set_rights(sandbox.key, [*DEMO_RIGHTS, "withdraw"])
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_nonce_high_water_persisted(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Nonces continue above the stored mark after a restart, and are saved."""
    storage_key = f"{DOMAIN}.{mock_config_entry.entry_id}.nonce"
    # A mark a day ahead of the clock, as left before the clock was set back.
    stored_mark = int((dt_util.utcnow() + timedelta(days=1)).timestamp() * 10**6)
    hass_storage[storage_key] = {
        "version": 1,
        "key": storage_key,
        "data": {"high_water": stored_mark},
    }
    await setup_entry(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED

    # The exchange saw the nonces continue above the mark (info, then orders).
    assert sandbox.account.nonce_high_water == stored_mark + 2
    # The new mark is saved shortly, not on every request.
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass_storage[storage_key]["data"] == {"high_water": stored_mark + 2}

    # Another refresh, then unloading writes the mark at once.
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert hass_storage[storage_key]["data"] == {"high_water": stored_mark + 4}

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert storage_key not in hass_storage


async def test_remove_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """Only a device nothing feeds any more can be deleted by the user."""
    assert await async_setup_component(hass, "config", {})
    account_device = entry_device(
        device_registry, init_integration.entry_id, (DOMAIN, sandbox.account.id)
    )
    assert account_device is not None
    stale_device = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, f"{sandbox.account.id}_BTCJPY")},
    )
    client = await hass_ws_client(hass)

    for device, removable in ((account_device, False), (stale_device, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removable
        assert (device_registry.async_get(device.id) is None) is removable

    # Unloaded, the entry cannot tell what it feeds: nothing is deleted.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": init_integration.entry_id,
            "device_id": account_device.id,
        }
    )
    assert not (await client.receive_json())["success"]
    assert device_registry.async_get(account_device.id) is not None


STREAMING_MODULES = (
    "custom_components.mtgox.stream",
    "custom_components.mtgox.push_updates",
    "custom_components.mtgox.api.stream",
    "custom_components.mtgox.api.pushes",
)


def test_only_an_entry_that_streams_loads_the_streaming_modules() -> None:
    """Every other module of the integration can load without the streaming code.

    Home Assistant imports the integration and its platforms for every entry;
    the stream is imported by ``async_setup_entry`` only when the entry streams.
    A fresh interpreter shows what each import really pulls in.
    """
    package = Path(__file__).resolve().parents[3] / "custom_components" / "mtgox"
    others = sorted(
        f"custom_components.mtgox.{module.stem}"
        for module in package.glob("*.py")
        if f"custom_components.mtgox.{module.stem}" not in STREAMING_MODULES
        and module.stem != "__init__"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {['custom_components.mtgox', *others]!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        # A platform of a newer Home Assistant (llm) is absent from an older one.
        "    except ModuleNotFoundError as error:\n"
        "        if not error.name.startswith('homeassistant.'):\n"
        "            raise\n"
        f"print(*sorted(set({STREAMING_MODULES!r}) & set(sys.modules)))\n"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=package.parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.split() == []
