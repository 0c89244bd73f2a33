"""Tests of the Mt.Gox integration, and the helpers their modules share."""

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigFlowResult
from homeassistant.core import Context, HomeAssistant, ServiceResponse
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mtgox.compat import ATTR_CONFIG_ENTRY_ID
from custom_components.mtgox.const import DOMAIN
from custom_components.mtgox.services import (
    SERVICE_CANCEL_ORDER,
    SERVICE_GET_ORDERS,
    SERVICE_PLACE_ORDER,
)
from mtgox_sandbox.engine.models import (
    Order as SandboxOrder,
)
from mtgox_sandbox.runner import Sandbox

ORDER_ADD: Final = "1:order/add"
"""Counter of the sandbox's order/add requests (the entry speaks API v1)."""

LIMIT_BUY: Final[dict[str, Any]] = {"side": "buy", "amount": "0.5", "price": "100"}
"""A bid far below the market makers' asks (about 800 USD), so it rests."""

REFRESH: Final = 30
"""The entry's update interval, in seconds."""

FLOOR: Final = 10
"""The least time between two fetches of the coordinator, in seconds."""

CLIENT_TIMEOUT: Final = 10
"""The client's request timeout, in seconds."""

REFRESH_REQUESTS: Final = {
    "1:ticker": 2,
    "1:info": 1,
    "1:orders": 1,
}
"""The sandbox's counters after one refresh of the two-pair entry on API v1.

One ticker per tracked pair, one account info and one order list: no order
book, as the book volume sensors that need one start disabled (the spread
comes from the ticker).
"""

MAX_SPINS: Final = 100_000
"""Loop iterations to wait for the sandbox to see a request before giving up."""


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


async def setup_entry(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *,
    data: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Add the entry, with some of its data or options changed, and set it up."""
    entry.add_to_hass(hass)
    changes: dict[str, Any] = {}
    if data is not None:
        changes["data"] = {**entry.data, **data}
    if options is not None:
        changes["options"] = {**entry.options, **options}
    if changes:
        hass.config_entries.async_update_entry(entry, **changes)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def assert_reauth_started(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    """Assert that the one flow in progress is a reauth of the entry; return it."""
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == entry.entry_id
    return flows[0]


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = REFRESH
) -> None:
    """Let the clock run to the next refresh and wait for its requests."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    # Scheduled refreshes run as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


async def run_requested_refresh(hass: HomeAssistant) -> None:
    """Let the clock pass the 10 s floor so the refresh an action requested runs.

    A refresh requested within 10 s of the last fetch waits for the end of
    that window.
    """
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=FLOOR))
    await hass.async_block_till_done()


async def wait_for_requests(sandbox: Sandbox, counter: str, total: int) -> None:
    """Let the loop run until the sandbox has counted ``total`` ``counter`` requests.

    The frozen clock stands still for asyncio, so this spins the loop instead of
    sleeping; it gives up (failing the test) rather than hang.
    """
    for _ in range(MAX_SPINS):
        if sandbox.counters[counter] >= total:
            return
        await asyncio.sleep(0)
    pytest.fail(f"the sandbox never saw {total} {counter} requests")


async def place_order(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *,
    context: Context | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Call mtgox.place_order for ``entry`` and return its response data."""
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_PLACE_ORDER,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **fields},
        blocking=True,
        return_response=True,
        context=context,
    )
    assert response is not None
    return dict(response)


async def cancel_order(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    order_id: str,
    *,
    return_response: bool = True,
) -> ServiceResponse:
    """Call mtgox.cancel_order for ``entry`` and return what the call returned."""
    return await hass.services.async_call(
        DOMAIN,
        SERVICE_CANCEL_ORDER,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "order_id": order_id},
        blocking=True,
        return_response=return_response,
    )


async def get_orders(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Call mtgox.get_orders for ``entry`` and return its response data."""
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_GET_ORDERS,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def open_sandbox_orders(sandbox: Sandbox) -> list[SandboxOrder]:
    """Return the funded account's open orders as the exchange holds them."""
    return sandbox.exchange.open_orders(sandbox.account)
