"""Tests of the Mt.Gox sensors: entities, exact states, wallets and pairs."""

from collections.abc import Generator
from datetime import timedelta
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.mtgox.const import (
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_VALUATION_CURRENCY,
    DOMAIN,
)
from mtgox_sandbox.engine.models import (
    Wallet as SandboxWallet,
)
from mtgox_sandbox.runner import Sandbox

from . import entry_device, setup_entry, state_of, tick

PORTFOLIO = "sensor.mt_gox_portfolio_value"


@pytest.fixture(autouse=True)
def sensor_platform_only() -> Generator[None]:
    """Set up the sensor platform alone: a snapshot covers one platform."""
    with patch("custom_components.mtgox.PLATFORMS", [Platform.SENSOR]):
        yield


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sensors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every pair, wallet and account sensor, with its exact state.

    After a second refresh: the first runs before any sensor is registered, so
    it reads neither the books nor the lag, disabled by default.
    """
    await tick(hass, freezer)
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_niche_sensors_disabled(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Average, VWAP, volumes and the engine lag start disabled.

    Prices and the spread (a ticker figure, no request of its own) do not.
    """
    disabled = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
        if entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {
        f"sensor.bitcoin_{currency}_{name}"
        for currency in ("usd", "eur")
        for name in (
            "24h_average",
            "24h_volume_weighted_average",
            "24h_volume",
            "bid_volume_within_1",
            "ask_volume_within_1",
        )
    } | {"sensor.mt_gox_engine_lag"}


@pytest.mark.parametrize(
    ("valuation", "value", "unit"),
    [
        # 10 BTC at 800, 10000 USD, 8000 EUR at 800/590, 1000000 JPY at
        # 800/82000 and 6000 GBP at 800/490, in the currency's smallest unit.
        ("USD", "48399.47356", "USD"),
        # 10 + 10000/800 + 8000/590 + 1000000/82000 + 6000/490 bitcoins.
        ("BTC", "60.49934194", "BTC"),
    ],
)
async def test_portfolio_value(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    valuation: str,
    value: str,
    unit: str,
) -> None:
    """Every wallet is valued at the last price, through bitcoin."""
    await setup_entry(
        hass,
        mock_config_entry,
        options={
            CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP"],
            CONF_VALUATION_CURRENCY: valuation,
        },
    )
    state = hass.states.get(PORTFOLIO)
    assert state is not None
    assert state.state == value
    assert state.attributes["unit_of_measurement"] == unit


@pytest.mark.parametrize(
    ("entity_id", "state", "decimals"),
    [
        # The exchange's exact values: USD has 5 decimals, JPY 3, BTC 8.
        ("sensor.bitcoin_usd_price", "800.00000", 2),
        ("sensor.bitcoin_jpy_price", "82000.000", 0),
        ("sensor.mt_gox_usd_balance", "10000.00000", 2),
        ("sensor.mt_gox_jpy_balance", "1000000.000", 0),
        ("sensor.mt_gox_btc_balance", "10.00000000", 8),
        (PORTFOLIO, "48399.47356", 2),
    ],
)
async def test_display_rounds_but_state_stays_exact(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
    state: str,
    decimals: int,
) -> None:
    """The frontend shows fiat with 2 decimals, JPY with 0 and BTC with 8.

    Every amount has the same style, "<number> <code>": none is monetary, so
    none is shown as "$10,000.00" beside prices shown "800.00 USD".
    """
    await setup_entry(
        hass,
        mock_config_entry,
        options={CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP"]},
    )
    shown = hass.states.get(entity_id)
    assert shown is not None
    assert shown.state == state
    assert "device_class" not in shown.attributes
    registry_entry = entity_registry.async_get(entity_id)
    assert registry_entry is not None
    assert registry_entry.options["sensor"] == {"suggested_display_precision": decimals}


async def test_portfolio_value_unknown_without_rate(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    mock_config_entry: MockConfigEntry,
) -> None:
    """JPY and GBP are held but their pairs are not tracked: no value, no guess."""
    await setup_entry(hass, mock_config_entry)
    assert state_of(hass, PORTFOLIO) == STATE_UNKNOWN
    # Not at setup: the options may be about to change.
    assert "Portfolio value unknown" not in caplog.text
    # Said once, not at every refresh.
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    assert state_of(hass, PORTFOLIO) == STATE_UNKNOWN
    assert (
        caplog.text.count(
            "Portfolio value unknown: no USD price for GBP, JPY; track their pairs"
        )
        == 1
    )


async def test_portfolio_value_counts_empty_wallets_without_rate(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """An empty wallet needs no rate: 10 BTC at 800 plus 10000 USD."""
    for currency in ("EUR", "JPY", "GBP"):
        sandbox.account.wallets.pop(currency)
    await setup_entry(hass, mock_config_entry, options={CONF_PAIRS: ["BTCUSD"]})
    sandbox.account.wallets["EUR"] = SandboxWallet("EUR")
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.mt_gox_eur_balance") == "0.00000"
    assert state_of(hass, PORTFOLIO) == "18000.00000"


async def test_wallets_come_and_go(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A wallet opened later gets sensors; one that disappears goes unavailable."""
    pound_wallet = sandbox.account.wallets.pop("GBP")
    await setup_entry(hass, mock_config_entry)
    assert hass.states.get("sensor.mt_gox_gbp_balance") is None

    sandbox.account.wallets["GBP"] = pound_wallet
    sandbox.account.wallets.pop("JPY")
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state_of(hass, "sensor.mt_gox_gbp_balance") == "6000.00000"
    assert state_of(hass, "sensor.mt_gox_gbp_available") == "6000.00000"
    assert state_of(hass, "sensor.mt_gox_jpy_balance") == STATE_UNAVAILABLE


async def test_removed_pair_loses_its_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A pair dropped from the options takes its device and entities along."""
    euro_device = (DOMAIN, f"{sandbox.account.id}_BTCEUR")
    entry_id = init_integration.entry_id
    assert entry_device(device_registry, entry_id, euro_device) is not None
    assert entity_registry.async_get("sensor.bitcoin_eur_price") is not None

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **init_integration.options,
            CONF_PAIRS: ["BTCUSD"],
            CONF_MAX_ORDER_AMOUNT: 1,
        },
    )
    # The account holds euros: saved once the missing price is confirmed.
    assert result["step_id"] == "unpriced"
    await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "save"}
    )
    await hass.async_block_till_done()

    assert entry_device(device_registry, entry_id, euro_device) is None
    assert entity_registry.async_get("sensor.bitcoin_eur_price") is None
    assert state_of(hass, "sensor.bitcoin_usd_price") == "800.00000"


async def test_open_orders(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A resting bid holds its dollars: counted, and no longer available."""
    # Bid 0.5 BTC at 700 USD, under the market: it rests and holds 350 USD.
    sandbox.exchange.place_order(
        sandbox.account, "BTCUSD", "bid", 50_000_000, 70_000_000
    )
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert state_of(hass, "sensor.mt_gox_open_orders") == "1"
    assert state_of(hass, "sensor.mt_gox_usd_balance") == "10000.00000"
    assert state_of(hass, "sensor.mt_gox_usd_in_open_orders") == "350.00000"
    assert state_of(hass, "sensor.mt_gox_usd_available") == "9650.00000"
