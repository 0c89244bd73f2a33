"""Tests of the Mt.Gox options flow, against the sandbox over loopback.

The sandbox trades BTC/USD, BTC/EUR, BTC/JPY and BTC/GBP and names them in its
``stream/list_public`` channel list; its funded account holds BTC, USD, EUR,
JPY and GBP. The entry tracks BTC/USD and BTC/EUR, valued in USD.
"""

from typing import Any

import pytest
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.const import (
    CONF_HISTORY_DAYS,
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_STREAMING,
    CONF_UPDATE_INTERVAL,
    CONF_VALUATION_CURRENCY,
    MTGOX_PAIRS,
)
from custom_components.mtgox.options_flow import unpriced_currencies
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from .test_config_flow import suggested_values

LIST_PUBLIC = "2/stream/list_public"
SANDBOX_PAIRS = ["BTCEUR", "BTCGBP", "BTCJPY", "BTCUSD"]


def offered(result: ConfigFlowResult) -> tuple[list[str], list[str], list[str]]:
    """Return the form's pairs, their labels, and its valuation currencies."""
    schema = result["data_schema"]
    assert schema is not None
    fields = {str(key): value for key, value in schema.schema.items()}
    pairs = fields[CONF_PAIRS].config["options"]
    currencies = fields[CONF_VALUATION_CURRENCY].config["options"]
    return (
        [option["value"] for option in pairs],
        [option["label"] for option in pairs],
        list(currencies),
    )


def form_input(entry: MockConfigEntry, **changes: Any) -> dict[str, Any]:
    """Return the options form's fields as the entry has them, with changes."""
    return {**entry.options, CONF_MAX_ORDER_AMOUNT: 1, **changes}


async def test_options(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """The server's pairs are offered; a change that unprices a holding is confirmed."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == {}
    assert offered(result) == (
        SANDBOX_PAIRS,
        ["BTC/EUR", "BTC/GBP", "BTC/JPY", "BTC/USD"],
        ["BTC", "EUR", "GBP", "JPY", "USD"],
    )
    changed = {
        CONF_PAIRS: ["BTCEUR", "BTCJPY"],
        CONF_VALUATION_CURRENCY: "EUR",
        CONF_UPDATE_INTERVAL: 60.0,
        CONF_STREAMING: False,
        CONF_MAX_ORDER_AMOUNT: 0.1,
        CONF_HISTORY_DAYS: 3.0,
    }

    # USD, priced until now, loses its price: the user is asked first.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], changed
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "unpriced"
    assert result["menu_options"] == ["save", "init"]
    assert result["description_placeholders"] == {
        "currencies": "USD",
        "valuation": "EUR",
    }
    assert init_integration.options[CONF_PAIRS] == ["BTCUSD", "BTCEUR"]

    # Going back shows the form with what was chosen.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "init"}
    )
    assert result["type"] is FlowResultType.FORM
    assert suggested_values(result)[CONF_PAIRS] == ["BTCEUR", "BTCJPY"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], changed
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "save"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert init_integration.options == {
        CONF_PAIRS: ["BTCEUR", "BTCJPY"],
        CONF_VALUATION_CURRENCY: "EUR",
        CONF_UPDATE_INTERVAL: 60,
        CONF_STREAMING: False,
        CONF_MAX_ORDER_AMOUNT: "0.1",
        CONF_HISTORY_DAYS: 3,
    }
    # Reloaded with them.
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.pairs == ("BTCEUR", "BTCJPY")
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 60
    assert hass.states.get("sensor.bitcoin_jpy_price") is not None
    # The server's list was asked once, when the options opened.
    assert sandbox.counters["2:stream/list_public"] == 1


def test_unpriced_currencies() -> None:
    """A holding is priced when it and the valuation currency reach bitcoin."""
    held = ["BTC", "USD", "EUR", "GBP"]
    options = {CONF_PAIRS: ["BTCUSD", "BTCEUR"], CONF_VALUATION_CURRENCY: "USD"}
    assert unpriced_currencies(held, options) == {"GBP"}
    valued_in_btc = {**options, CONF_VALUATION_CURRENCY: "BTC"}
    assert unpriced_currencies(held, valued_in_btc) == {"GBP"}
    assert unpriced_currencies(held, {**options, CONF_PAIRS: ["BTCUSD"]}) == {
        "EUR",
        "GBP",
    }


async def test_options_keep_prices_without_asking(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Adding a pair, or keeping every priced holding priced, saves at once."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        form_input(
            init_integration,
            **{CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCGBP"]},
            **{CONF_VALUATION_CURRENCY: "BTC"},
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_PAIRS: []}, {CONF_PAIRS: "no_pairs"}),
        (
            {CONF_VALUATION_CURRENCY: "GBP"},
            {CONF_VALUATION_CURRENCY: "valuation_not_tracked"},
        ),
    ],
)
async def test_options_errors_and_recovery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """A wrong option is shown on the form; correcting it saves the options."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], form_input(init_integration, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], form_input(init_integration, **{CONF_UPDATE_INTERVAL: 45})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_UPDATE_INTERVAL] == 45


@pytest.mark.parametrize(
    "changes",
    [
        {CONF_UPDATE_INTERVAL: 9},
        {CONF_MAX_ORDER_AMOUNT: 0.001},
        {CONF_PAIRS: ["BTCXYZ"]},
        # A Mt.Gox pair the server does not trade is not offered.
        {CONF_PAIRS: ["BTCUSD", "BTCAUD"]},
        {CONF_VALUATION_CURRENCY: "AUD"},
    ],
)
async def test_options_out_of_range(
    hass: HomeAssistant, init_integration: MockConfigEntry, changes: dict[str, Any]
) -> None:
    """Polling faster than 10 s, orders under 0.01 BTC or unoffered pairs fail."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], form_input(init_integration, **changes)
        )


async def test_options_without_the_servers_list(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """The form says the list is unknown, offers Mt.Gox's pairs and checks each."""
    sandbox.faults.add(FaultKind.HTML, path=LIST_PUBLIC, status=404)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["errors"] == {"base": "pairs_not_read"}
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert "HTML" in placeholders["error"]
    assert offered(result)[0] == sorted(MTGOX_PAIRS)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        form_input(init_integration, **{CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCAUD"]}),
    )
    assert result["errors"] == {
        "base": "pairs_not_read",
        CONF_PAIRS: "unsupported_pair",
    }
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["pairs"] == "BTC/AUD"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        form_input(init_integration, **{CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCJPY"]}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Asked once, when the options opened; each added pair's ticker since.
    assert sandbox.counters["2:stream/list_public"] == 1


@pytest.mark.parametrize("status", [502, 429])
async def test_options_server_down(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    status: int,
) -> None:
    """Without the list, pairs cannot be checked while the server fails or blocks."""
    sandbox.faults.add(FaultKind.HTML, path=LIST_PUBLIC, status=status)
    sandbox.faults.add(FaultKind.HTML, path="1/BTCGBP/ticker", status=status)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        form_input(init_integration, **{CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCGBP"]}),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_options_check_only_the_added_pairs(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """Without the list, pairs already tracked are not asked about again."""
    sandbox.faults.add(FaultKind.HTML, path=LIST_PUBLIC, status=404)
    # A tracked pair failing right now does not block the options.
    sandbox.faults.add(FaultKind.STATUS, path="1/BTCUSD/ticker", status=500)
    sandbox.counters.clear()
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        form_input(init_integration, **{CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCJPY"]}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The check asked the server for one ticker, before any reload.
    assert sandbox.counters["1:ticker"] == 1
    await hass.async_block_till_done()


async def test_options_unchanged_no_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Saving the options as they are does not reload the entry."""
    coordinator = init_integration.runtime_data.coordinator
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], form_input(init_integration)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.runtime_data.coordinator is coordinator


@pytest.mark.usefixtures("mock_setup_entry")
async def test_options_of_an_entry_not_loaded(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """Not loaded, the entry's own client asks; holdings are unknown, so no warning."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert offered(result)[0] == SANDBOX_PAIRS
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        form_input(
            mock_config_entry,
            **{CONF_PAIRS: ["BTCJPY"], CONF_VALUATION_CURRENCY: "JPY"},
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options[CONF_PAIRS] == ["BTCJPY"]
