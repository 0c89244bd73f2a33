"""The devices' "Visit" link: set only where the server answers a page."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.server_page import async_server_page
from mtgox_sandbox.runner import Sandbox


@pytest.fixture
async def other_server(socket_enabled: None) -> AsyncIterator[tuple[str, list[str]]]:
    """Run a server whose root answers JSON once per "json" listed, else 404."""
    kinds: list[str] = []

    async def root(_request: web.Request) -> web.Response:
        if kinds and kinds.pop(0) == "json":
            return web.json_response({"result": "success"})
        raise web.HTTPNotFound

    app = web.Application()
    app.router.add_get("/", root)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/", kinds
    await runner.cleanup()


async def test_devices_link_the_sandbox_page(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """Every device of the entry opens the sandbox's page at its root."""
    root = sandbox.url.removesuffix("api/")
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(devices) == 3
    assert {device.configuration_url for device in devices} == {root}


async def test_page_found_only_where_served(
    hass: HomeAssistant, sandbox: Sandbox, other_server: tuple[str, list[str]]
) -> None:
    """A 404, a JSON answer or nothing answering give no link."""
    root = sandbox.url.removesuffix("api/")
    assert await async_server_page(hass, sandbox.url) == root
    other_root, kinds = other_server
    # The root of the URL is asked, whatever the API's path.
    assert await async_server_page(hass, f"{other_root}exchange/api/") is None
    kinds.append("json")
    assert await async_server_page(hass, f"{other_root}api/") is None
    assert not kinds
    assert await async_server_page(hass, "http://127.0.0.1:1/api/") is None
