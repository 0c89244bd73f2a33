"""Setup errors say what to fix: no answer, TLS, or no Mt.Gox API at that URL.

Each failure is real, over loopback: a closed port, a TLS server whose
certificate nothing trusts, a plain web server, and the sandbox asked at its
root instead of at ``/api/``.
"""

import socket
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from aiohttp import web
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxConnectionError,
    MtGoxNotAnApiError,
    MtGoxResponseError,
    MtGoxTlsError,
    MtGoxUnreachableError,
)
from custom_components.mtgox.const import CONF_API_SECRET, CONF_API_VERSION, DOMAIN
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from .tls_server import TlsServer

HTML_PAGE = "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"


def closed_port_url() -> str:
    """Return an http URL of a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


@pytest.fixture
async def web_server(socket_enabled: None) -> AsyncIterator[str]:
    """Run a plain web server: an HTML page at /html/, 404 everywhere else.

    Yields its base URL.
    """

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=HTML_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/html/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def submit_user_step(
    hass: HomeAssistant, sandbox: Sandbox, url: str, version: str = "1"
) -> ConfigFlowResult:
    """Fill the user step with the sandbox's key and the given URL."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={
            CONF_URL: url,
            CONF_API_KEY: sandbox.key,
            CONF_API_SECRET: sandbox.secret,
            CONF_API_VERSION: version,
        },
    )


def placeholders_of(result: ConfigFlowResult) -> Mapping[str, str]:
    """Return the values the form's texts name."""
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return placeholders


def client(hass: HomeAssistant, sandbox: Sandbox, url: str) -> MtGoxClient:
    """Return a client of the sandbox's key at ``url``, on Home Assistant's session."""
    return MtGoxClient(
        async_get_clientsession(hass),
        base_url=url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=ApiVersion.V2,
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_nothing_answers(hass: HomeAssistant, sandbox: Sandbox) -> None:
    """A closed port is 'nothing answers' at its host and port, then corrected."""
    url = closed_port_url()
    with pytest.raises(MtGoxUnreachableError):
        await client(hass, sandbox, url).account_info()

    result = await submit_user_step(hass, sandbox, url)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_answer"}
    host = url.removeprefix("http://").removesuffix("/api/")
    assert placeholders_of(result)["host"] == host

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: sandbox.url,
            CONF_API_KEY: sandbox.key,
            CONF_API_SECRET: sandbox.secret,
            CONF_API_VERSION: "1",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_untrusted_certificate(
    hass: HomeAssistant, sandbox: Sandbox, tls_server: tuple[TlsServer, Path]
) -> None:
    """A certificate Home Assistant does not trust is a TLS failure, not 'no answer'."""
    server, _ = tls_server
    with pytest.raises(MtGoxTlsError) as err:
        await client(hass, sandbox, server.url).account_info()
    assert not isinstance(err.value, MtGoxUnreachableError)

    result = await submit_user_step(hass, sandbox, server.url)
    assert result["errors"] == {"base": "tls_failed"}
    assert placeholders_of(result)["host"] == server.url.removeprefix(
        "https://"
    ).removesuffix("/api/")
    assert server.answered == 0


@pytest.mark.parametrize(
    ("path", "version"),
    [("html/", "1"), ("html/api/", "2"), ("", "0"), ("missing/api/", "1")],
)
async def test_web_server_that_is_no_api(
    hass: HomeAssistant, sandbox: Sandbox, web_server: str, path: str, version: str
) -> None:
    """An HTML page or a 404 is a server that answered, but not as the API."""
    url = f"{web_server}{path}"
    result = await submit_user_step(hass, sandbox, url, version)
    assert result["errors"] == {"base": "not_mtgox_api"}
    placeholders = placeholders_of(result)
    assert (placeholders["url"], placeholders["version"]) == (url, version)


async def test_sandbox_without_api_in_the_url(
    hass: HomeAssistant, sandbox: Sandbox
) -> None:
    """The sandbox asked at its root answers 404: the URL lacks its /api/ part."""
    root = sandbox.url.removesuffix("api/")
    with pytest.raises(MtGoxNotAnApiError) as err:
        await client(hass, sandbox, root).account_info()
    assert err.value.version == 2
    assert "v2" in str(err.value)
    assert "404" in str(err.value)

    result = await submit_user_step(hass, sandbox, root, "2")
    assert result["errors"] == {"base": "not_mtgox_api"}
    assert placeholders_of(result)["version"] == "2"


async def test_garbled_json_is_no_setup_hint(
    hass: HomeAssistant, sandbox: Sandbox
) -> None:
    """A 200 reply that is not JSON (nor a page) stays a plain response error."""
    sandbox.faults.add(path="2/money/info", count=1, kind=FaultKind.TRUNCATED_JSON)
    with pytest.raises(MtGoxResponseError) as err:
        await client(hass, sandbox, sandbox.url).account_info()
    assert not isinstance(err.value, MtGoxNotAnApiError | MtGoxConnectionError)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth_and_reconfigure_say_what_to_fix(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """Reauth keeps its title placeholder beside the error's; reconfigure too."""
    mock_config_entry.add_to_hass(hass)
    root = sandbox.url.removesuffix("api/")
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_URL: root}
    )
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: sandbox.key, CONF_API_SECRET: sandbox.secret}
    )
    assert result["errors"] == {"base": "not_mtgox_api"}
    placeholders = placeholders_of(result)
    assert placeholders["title"] == mock_config_entry.title
    assert (placeholders["url"], placeholders["version"]) == (root, "1")

    result = await mock_config_entry.start_reconfigure_flow(hass)
    closed = closed_port_url()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: closed, CONF_API_VERSION: "1"}
    )
    assert result["errors"] == {"base": "no_answer"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sandbox.url, CONF_API_VERSION: "1"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_URL] == sandbox.url
