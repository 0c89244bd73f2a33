"""The Mt.Gox integration: prices, balances and orders of a Mt.Gox account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_URL, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.importlib import async_import_module

from .api import ApiVersion, MtGoxClient
from .const import (
    CONF_API_SECRET,
    CONF_API_VERSION,
    CONF_HISTORY_DAYS,
    CONF_STREAMING,
    DEFAULT_HISTORY_DAYS,
    DEFAULT_STREAMING,
    DOMAIN,
    RIGHT_WITHDRAW,
)
from .coordinator import (
    MtGoxConfigEntry,
    MtGoxDataUpdateCoordinator,
    MtGoxRuntimeData,
)
from .devices import served_device_identifiers
from .nonce import NonceStore
from .server_page import async_server_page
from .services import async_setup_services

if TYPE_CHECKING:
    from homeassistant.helpers.typing import ConfigType

PLATFORMS = [Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which serve every config entry.

    The Assist intents are registered by ``intent.py``, the intent platform
    Home Assistant's intent integration loads once it is set up.
    """
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MtGoxConfigEntry) -> bool:
    """Connect to the account, read it once, then set up the sensors."""
    nonce_store = await NonceStore.async_load(hass, entry.entry_id)
    client = MtGoxClient(
        async_get_clientsession(hass),
        base_url=entry.data[CONF_URL],
        api_key=entry.data[CONF_API_KEY],
        api_secret=entry.data[CONF_API_SECRET],
        api_version=ApiVersion(entry.data[CONF_API_VERSION]),
        nonce_source=nonce_store.source,
    )
    coordinator = MtGoxDataUpdateCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = MtGoxRuntimeData(
        client=client,
        coordinator=coordinator,
        nonce_store=nonce_store,
        server_page=await async_server_page(hass, entry.data[CONF_URL]),
    )

    _async_check_rights(hass, entry, coordinator.data.account.rights)
    _async_remove_untracked_pair_devices(hass, entry)
    if entry.options.get(CONF_STREAMING, DEFAULT_STREAMING):
        # Loaded here, off the event loop: an entry that only polls never needs
        # the streaming modules (nor the client's push parsers they bring).
        streaming = await async_import_module(hass, f"{__name__}.stream")
        entry.runtime_data.stream = streaming.EntryStream(
            hass, entry, entry.data[CONF_URL]
        )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_start_backfill(hass, entry)
    if entry.runtime_data.stream is not None:
        entry.runtime_data.stream.start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MtGoxConfigEntry) -> bool:
    """Unload the sensors and write the nonce mark for the next client."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.nonce_store.async_flush()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: MtGoxConfigEntry) -> None:
    """Forget what the entry stored outside of itself."""
    await NonceStore.async_remove(hass, entry.entry_id)
    ir.async_delete_issue(hass, DOMAIN, _withdraw_issue_id(entry))


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MtGoxConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only when nothing feeds it any more."""
    if entry.state is not ConfigEntryState.LOADED:
        # Which devices the entry feeds is known once it has read the account.
        return False
    coordinator = entry.runtime_data.coordinator
    return device.identifiers.isdisjoint(served_device_identifiers(coordinator))


@callback
def _async_check_rights(
    hass: HomeAssistant, entry: MtGoxConfigEntry, rights: frozenset[str]
) -> None:
    """Ask the user to drop the withdraw right: a leaked key could empty the account."""
    if RIGHT_WITHDRAW in rights:
        ir.async_create_issue(
            hass,
            DOMAIN,
            _withdraw_issue_id(entry),
            is_fixable=True,
            data={"entry_id": entry.entry_id},
            severity=ir.IssueSeverity.WARNING,
            translation_key="withdraw_right",
            translation_placeholders={"title": entry.title},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, _withdraw_issue_id(entry))


@callback
def _async_remove_untracked_pair_devices(
    hass: HomeAssistant, entry: MtGoxConfigEntry
) -> None:
    """Remove the devices of pairs no longer tracked, with their entities."""
    served = served_device_identifiers(entry.runtime_data.coordinator)
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        if device.identifiers.isdisjoint(served):
            device_registry.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )


@callback
def _async_start_backfill(hass: HomeAssistant, entry: MtGoxConfigEntry) -> None:
    """Import the pairs' past as statistics in the background (backfill.py).

    Only with the recorder, and unless the depth is 0. The task belongs to the
    entry, so unloading cancels it; setup never waits for it.
    """
    days = int(entry.options.get(CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS))
    if days <= 0 or "recorder" not in hass.config.components:
        return
    # Imported here: the recorder's modules load only when statistics are written.
    from .backfill import Backfill

    runtime = entry.runtime_data
    runtime.backfill = Backfill(hass, runtime.client, runtime.coordinator.pairs, days)
    entry.async_create_background_task(
        hass, runtime.backfill.async_run_forever(), f"{DOMAIN} history backfill"
    )


def _withdraw_issue_id(entry: MtGoxConfigEntry) -> str:
    return f"withdraw_right_{entry.entry_id}"
