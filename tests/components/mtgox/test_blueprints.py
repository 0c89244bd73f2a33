"""Tests of the shipped blueprints, run by Home Assistant's automation integration.

The blueprints are copied into a temporary config dir's ``blueprints`` folder
and used as a user would (``use_blueprint``); the sandbox's price moves by
trades in its engine and the coordinator then refreshes.
"""

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.components.persistent_notification import (
    Notification,
    UpdateType,
    async_register_callback,
)
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from mtgox_sandbox.runner import Sandbox

from . import state_of
from .market import trade_at, units

if TYPE_CHECKING:
    from custom_components.mtgox.coordinator import MtGoxDataUpdateCoordinator

BLUEPRINTS = Path(__file__).parents[3] / "blueprints" / "automation" / "mtgox"
PRICE = "sensor.bitcoin_usd_price"
ARMED = "input_boolean.mtgox_alert_armed"
ALERT = "automation.price_alert"
LIMIT_BUY = "automation.limit_buy"
ORDER_REQUESTS = "1:order/add"


@pytest.fixture
async def blueprints(hass: HomeAssistant, tmp_path: Path) -> None:
    """Put the shipped blueprints where Home Assistant looks for them.

    A temporary config dir: the test stack of Home Assistant 2025.4 has no
    fixture for one, and its default config dir is shared.
    """
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints" / "automation" / "mtgox")
    assert await async_setup_component(hass, "persistent_notification", {})


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[Notification]:
    """Collect the persistent notifications created from now on."""
    added: list[Notification] = []

    @callback
    def collect(update: UpdateType, changed: dict[str, Notification]) -> None:
        if update is UpdateType.ADDED:
            added.extend(changed.values())

    async_register_callback(hass, collect)
    return added


def service_calls(hass: HomeAssistant, action: str) -> list[ServiceCall]:
    """Register the action ``test.<action>`` and return the calls it gets."""
    calls: list[ServiceCall] = []

    @callback
    def record(call: ServiceCall) -> None:
        calls.append(call)

    hass.services.async_register("test", action, record)
    return calls


async def set_price(
    hass: HomeAssistant, sandbox: Sandbox, entry: MockConfigEntry, price: str
) -> None:
    """Trade BTCUSD at ``price``, refresh, and let automations run."""
    trade_at(sandbox.exchange, "BTCUSD", price)
    coordinator: MtGoxDataUpdateCoordinator = entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert float(state_of(hass, PRICE)) == float(price)


async def setup_automation(
    hass: HomeAssistant, automation_id: str, path: str, inputs: dict[str, Any]
) -> None:
    """Set up one automation from a shipped blueprint."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": automation_id,
                "alias": automation_id.replace("_", " "),
                "use_blueprint": {"path": path, "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    assert state_of(hass, f"automation.{automation_id}") == STATE_ON


async def setup_price_alert(
    hass: HomeAssistant, direction: str, threshold: float, hysteresis: float
) -> list[ServiceCall]:
    """Set up an armed price alert on the BTCUSD price; return its notifications."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"mtgox_alert_armed": {}}}
    )
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": ARMED}, blocking=True
    )
    calls = service_calls(hass, "notify")
    await setup_automation(
        hass,
        "price_alert",
        "mtgox/price_alert.yaml",
        {
            "price_sensor": PRICE,
            "direction": direction,
            "threshold": threshold,
            "hysteresis": hysteresis,
            "armed": ARMED,
            "notify_actions": [
                {"action": "test.notify", "data": {"message": "{{ message }}"}}
            ],
        },
    )
    return calls


# Prices after the start at 800, each with whether the alert fires and whether
# it is armed afterwards.
ABOVE_850_BY_20: list[tuple[str, bool, bool]] = [
    ("840", False, True),
    ("860", True, False),
    # Back under the threshold, not under 830: still disarmed, no flapping.
    ("845", False, False),
    ("855", False, False),
    ("829", False, True),
    ("851", True, False),
]
BELOW_750_BY_20: list[tuple[str, bool, bool]] = [
    ("760", False, True),
    ("740", True, False),
    ("755", False, False),
    ("745", False, False),
    ("771", False, True),
    ("749.5", True, False),
]


@pytest.mark.usefixtures("blueprints")
@pytest.mark.parametrize(
    ("direction", "threshold", "steps"),
    [("above", 850, ABOVE_850_BY_20), ("below", 750, BELOW_750_BY_20)],
)
async def test_price_alert_with_hysteresis(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    direction: str,
    threshold: float,
    steps: list[tuple[str, bool, bool]],
) -> None:
    """One notification per crossing; none again until the price moves back past."""
    calls = await setup_price_alert(hass, direction, threshold, 20)

    for price, fires, armed_after in steps:
        before = len(calls)
        await set_price(hass, sandbox, init_integration, price)
        assert len(calls) == before + fires, f"at {price}"
        assert state_of(hass, ARMED) == (STATE_ON if armed_after else STATE_OFF), (
            f"at {price}"
        )

    assert calls[0].data["message"] == (
        f"Bitcoin USD Price is {steps[1][0]}.00000 USD, {direction} {threshold}."
    )


@pytest.mark.usefixtures("blueprints")
async def test_price_alert_default_notification(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    notifications: list[Notification],
) -> None:
    """Without a notification action, the alert is a persistent notification."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"mtgox_alert_armed": {}}}
    )
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": ARMED}, blocking=True
    )
    await setup_automation(
        hass,
        "price_alert",
        "mtgox/price_alert.yaml",
        {"price_sensor": PRICE, "threshold": 900, "armed": ARMED},
    )

    await set_price(hass, sandbox, init_integration, "900.5")

    assert [(n["title"], n["message"]) for n in notifications] == [
        ("Mt.Gox price alert", "Bitcoin USD Price is 900.50000 USD, above 900.")
    ]
    assert state_of(hass, ARMED) == STATE_OFF


@pytest.mark.usefixtures("blueprints")
async def test_limit_buy_places_one_order(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    notifications: list[Notification],
) -> None:
    """Below the level one bid is placed at the level, then the automation is off."""
    await setup_automation(
        hass,
        "limit_buy",
        "mtgox/limit_buy.yaml",
        {
            "account": init_integration.entry_id,
            "price_sensor": PRICE,
            "level": 750,
            "amount": 0.5,
        },
    )
    orders_before = sandbox.counters[ORDER_REQUESTS]

    await set_price(hass, sandbox, init_integration, "760")
    assert sandbox.counters[ORDER_REQUESTS] == orders_before
    assert state_of(hass, LIMIT_BUY) == STATE_ON

    await set_price(hass, sandbox, init_integration, "740")

    assert sandbox.counters[ORDER_REQUESTS] == orders_before + 1
    [order] = sandbox.exchange.open_orders(sandbox.account)
    assert (order.pair, order.side, order.amount_int, order.price_int) == (
        "BTCUSD",
        "bid",
        units("0.5", "BTC"),
        units("750", "USD"),
    )
    assert state_of(hass, LIMIT_BUY) == STATE_OFF
    assert [(n["title"], n["message"]) for n in notifications] == [
        (
            "Mt.Gox limit buy",
            f"Placed order {order.oid}: buy 0.50000000 BTC at 750.00000 on BTCUSD "
            "(unfilled).",
        )
    ]

    # The price falls below the level again: no second order.
    sandbox.exchange.cancel_order(sandbox.account, order.oid)
    await set_price(hass, sandbox, init_integration, "770")
    await set_price(hass, sandbox, init_integration, "720")
    assert sandbox.counters[ORDER_REQUESTS] == orders_before + 1
    assert sandbox.exchange.open_orders(sandbox.account) == []
