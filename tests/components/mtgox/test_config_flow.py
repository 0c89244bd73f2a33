"""Tests of the Mt.Gox config, reauth, reconfigure and options flows."""

from typing import Any

import pytest
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.mtgox.const import (
    CONF_API_SECRET,
    CONF_API_VERSION,
    CONF_HISTORY_DAYS,
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_STREAMING,
    CONF_UPDATE_INTERVAL,
    CONF_VALUATION_CURRENCY,
    DEFAULT_URL,
    DOMAIN,
)
from custom_components.mtgox.form_input import checked_url
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Credentials, Sandbox, running_sandbox

# Valid base64 that is nobody's secret: the exchange refuses its signatures.
WRONG_SECRET = "d3Jvbmcgc2VjcmV0"


def suggested_values(result: ConfigFlowResult) -> dict[str, Any]:
    """Return the values the form's schema suggests, by field name."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if isinstance(getattr(key, "description", None), dict)
        and "suggested_value" in key.description
    }


def user_input(sandbox: Sandbox, **changes: Any) -> dict[str, Any]:
    """Return the user step's fields for the sandbox's funded account."""
    return {
        CONF_URL: sandbox.url,
        CONF_API_KEY: sandbox.key,
        CONF_API_SECRET: sandbox.secret,
        CONF_API_VERSION: "1",
        **changes,
    }


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize("api_version", ["0", "1", "2", 2])
async def test_user_flow(
    hass: HomeAssistant, sandbox: Sandbox, api_version: str | int
) -> None:
    """A key of the account creates an entry named after its login."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        # The URL without its final slash is completed; spaces are trimmed.
        user_input(
            sandbox,
            **{
                CONF_URL: sandbox.url.removesuffix("/"),
                CONF_API_KEY: f" {sandbox.key} ",
                CONF_API_VERSION: api_version,
            },
        ),
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Mt.Gox {sandbox.account.login}"
    assert result["result"].unique_id == sandbox.account.id
    assert result["data"] == {
        CONF_URL: sandbox.url,
        CONF_API_KEY: sandbox.key,
        CONF_API_SECRET: sandbox.secret,
        CONF_API_VERSION: int(api_version),
    }
    assert result["options"] == {
        CONF_PAIRS: ["BTCUSD"],
        CONF_VALUATION_CURRENCY: "USD",
        CONF_UPDATE_INTERVAL: 30,
        CONF_STREAMING: True,
        CONF_MAX_ORDER_AMOUNT: "1",
        CONF_HISTORY_DAYS: 7,
    }


async def test_user_form_for_the_frontend(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """The form reaches the frontend with its defaults and a translated select."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    response = await client.post(
        "/api/config/config_entries/flow", json={"handler": DOMAIN}
    )
    assert response.status == 200
    fields = {field["name"]: field for field in (await response.json())["data_schema"]}
    assert list(fields) == [CONF_URL, CONF_API_KEY, CONF_API_SECRET, CONF_API_VERSION]
    assert fields[CONF_URL]["default"] == DEFAULT_URL
    assert fields[CONF_API_VERSION]["default"] == "1"
    assert fields[CONF_API_VERSION]["selector"]["select"] == {
        "options": ["0", "1", "2"],
        "translation_key": CONF_API_VERSION,
        "mode": "dropdown",
        "multiple": False,
        "custom_value": False,
        "sort": False,
    }


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_API_SECRET: "not base64!"}, {CONF_API_SECRET: "invalid_secret"}),
        ({CONF_API_SECRET: ""}, {CONF_API_SECRET: "invalid_secret"}),
        ({CONF_URL: "mtgox.com/api/"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "ftp://mtgox.com/api/"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "https://[::1/api/"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "http://mtgox.com/api/"}, {CONF_URL: "insecure_url"}),
        ({CONF_URL: "http://93.184.216.34/api/"}, {CONF_URL: "insecure_url"}),
        ({CONF_API_SECRET: WRONG_SECRET}, {"base": "invalid_auth"}),
        ({CONF_URL: "http://127.0.0.1:1/api/"}, {"base": "no_answer"}),
    ],
)
async def test_user_flow_errors_and_recovery(
    hass: HomeAssistant,
    sandbox: Sandbox,
    changes: dict[str, str],
    errors: dict[str, str],
) -> None:
    """A wrong field is shown on the form, and correcting it creates the entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=user_input(sandbox, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # The form shown again suggests what was typed, except the secret.
    suggested = suggested_values(result)
    assert CONF_API_SECRET not in suggested
    assert suggested[CONF_API_KEY] == sandbox.key

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(sandbox)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": FaultKind.DROP}, "cannot_connect"),
        ({"kind": FaultKind.MYSQL_ERROR}, "cannot_connect"),
        ({"kind": FaultKind.HTML, "status": 429}, "cannot_connect"),
        ({"kind": FaultKind.STATUS, "status": 500}, "unknown"),
    ],
)
async def test_user_flow_server_faults(
    hass: HomeAssistant,
    sandbox: Sandbox,
    fault: dict[str, Any],
    error: str,
) -> None:
    """A failing server is reported; an unexpected answer is logged as unknown."""
    sandbox.faults.add(path="1/generic/info", count=1, **fault)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=user_input(sandbox)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(sandbox)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("url", "checked"),
    [
        ("https://mtgox.com/api/", "https://mtgox.com/api/"),
        (" https://data.mtgox.com/api ", "https://data.mtgox.com/api/"),
        ("http://localhost:8080/api/", "http://localhost:8080/api/"),
        ("http://192.168.1.20/api/", "http://192.168.1.20/api/"),
        ("http://[::1]:8080/api/", "http://[::1]:8080/api/"),
    ],
)
def test_accepted_urls(url: str, checked: str) -> None:
    """Https anywhere, plain http only to this machine or the local network."""
    assert checked_url(url) == checked


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow_duplicate(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """An account already set up is not added twice, whatever the URL or key."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data=user_input(sandbox, **{CONF_API_VERSION: "2"}),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A new key of the same account replaces the stored one."""
    mock_config_entry.add_to_hass(hass)
    stored = dict(mock_config_entry.data)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**stored, CONF_API_SECRET: WRONG_SECRET}
    )

    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["title"] == mock_config_entry.title

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: sandbox.key, CONF_API_SECRET: WRONG_SECRET},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert suggested_values(result) == {CONF_API_KEY: sandbox.key}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: sandbox.key, CONF_API_SECRET: sandbox.secret},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert dict(mock_config_entry.data) == stored
    # The flow's nonces are stored before the entry sets up again.
    nonce_key = f"{DOMAIN}.{mock_config_entry.entry_id}.nonce"
    assert hass_storage[nonce_key]["data"] == {
        "high_water": sandbox.account.nonce_high_water
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth_other_account(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """A key of another account is refused and the stored key is kept."""
    mock_config_entry.add_to_hass(hass)
    stored = dict(mock_config_entry.data)
    other = Credentials("0b8e2f6e-4d5c-4a11-9d7a-6c1f3e2b9a80", WRONG_SECRET)
    sandbox.exchange.add_account(other.key, other.secret, other.rights)

    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: other.key, CONF_API_SECRET: other.secret}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert dict(mock_config_entry.data) == stored


async def test_reconfigure(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """The server address and version change; the loaded entry reloads with them."""
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_URL: "ftp://127.0.0.1/api/", CONF_API_VERSION: "2"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sandbox.url, CONF_API_VERSION: "2"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert init_integration.data[CONF_URL] == sandbox.url
    assert init_integration.data[CONF_API_VERSION] == 2
    assert init_integration.data[CONF_API_KEY] == sandbox.key
    assert init_integration.state is ConfigEntryState.LOADED
    assert sandbox.counters["2:info"] == 2  # the flow's check, then the setup


async def test_reconfigure_other_account(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A server where the key opens another account is refused."""
    stored = dict(init_integration.data)
    credentials = Credentials(sandbox.key, sandbox.secret)
    async with running_sandbox(seed=2, accounts=[credentials], rate_limit=0) as other:
        result = await init_integration.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: other.url, CONF_API_VERSION: "1"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert dict(init_integration.data) == stored
