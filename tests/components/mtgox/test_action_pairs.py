"""The place order action's pair: chosen from Mt.Gox's pairs, tracked and traded.

Against the sandbox, which trades BTC/USD, BTC/EUR, BTC/JPY and BTC/GBP and
names them in its ``stream/list_public`` channel list.
"""

from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.api import MtGoxApiError
from custom_components.mtgox.const import CONF_PAIRS, MTGOX_PAIRS
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from . import LIMIT_BUY, ORDER_ADD, open_sandbox_orders, place_order, setup_entry
from .test_services import assert_translated

SERVICES_YAML = Path(__file__).parents[3] / "custom_components/mtgox/services.yaml"
LIST_PUBLIC = "2:stream/list_public"


@pytest.mark.parametrize("action", ["place_order", "get_quote"])
def test_the_pair_is_chosen_from_a_list(action: str) -> None:
    """The forms offer every Mt.Gox pair, written as people read it."""
    services = load_yaml_dict(SERVICES_YAML)
    select = services[action]["fields"]["pair"]["selector"]["select"]
    assert [option["value"] for option in select["options"]] == list(MTGOX_PAIRS)
    assert [option["label"] for option in select["options"]] == [
        f"BTC/{pair[3:]}" for pair in MTGOX_PAIRS
    ]


async def test_a_pair_the_server_does_not_trade_is_refused(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """Tracked but not traded: refused before any order is sent; the list read once."""
    await setup_entry(
        hass, mock_config_entry, options={CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCAUD"]}
    )

    with pytest.raises(ServiceValidationError) as err:
        await place_order(hass, mock_config_entry, **LIMIT_BUY, pair="BTCAUD")
    assert_translated(
        err.value,
        "pair_not_traded",
        {"pair": "BTC/AUD", "traded_pairs": "BTC/EUR, BTC/GBP, BTC/JPY, BTC/USD"},
    )
    assert sandbox.counters[ORDER_ADD] == 0

    # The pair as every text writes it is taken too.
    placed = await place_order(hass, mock_config_entry, **LIMIT_BUY, pair="BTC/EUR")
    assert placed["pair"] == "BTCEUR"
    assert len(open_sandbox_orders(sandbox)) == 1
    assert sandbox.counters[LIST_PUBLIC] == 1


async def test_an_untracked_pair_is_refused_without_asking(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A pair the entry does not track is refused with the tracked ones named."""
    with pytest.raises(ServiceValidationError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY, pair="btc/jpy")
    assert_translated(
        err.value,
        "pair_not_tracked",
        {"pair": "BTC/JPY", "tracked_pairs": "BTC/USD, BTC/EUR"},
    )
    with pytest.raises(ServiceValidationError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY, pair="bitcoin")
    assert err.value.translation_placeholders == {
        "pair": "bitcoin",
        "tracked_pairs": "BTC/USD, BTC/EUR",
    }
    assert sandbox.counters[LIST_PUBLIC] == 0


async def test_an_unreadable_list_does_not_stop_orders(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without the server's list the exchange judges the pair; it is not asked again."""
    sandbox.faults.add(FaultKind.STATUS, path="2/stream/list_public", status=503)

    await place_order(hass, init_integration, **LIMIT_BUY)
    await place_order(hass, init_integration, **LIMIT_BUY, pair="BTCEUR")

    assert len(open_sandbox_orders(sandbox)) == 2
    assert sandbox.counters[LIST_PUBLIC] == 1
    assert init_integration.runtime_data.traded_pairs == ()
    (logged,) = [record for record in caplog.records if "pairs" in record.msg]
    assert logged.msg == "Could not read the pairs the server trades: %s"
    assert isinstance(logged.args, tuple)
    assert isinstance(logged.args[0], MtGoxApiError)


async def test_a_failing_server_fails_the_order_and_is_asked_again(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A failing server fails the action as the order would; nothing is sent."""
    sandbox.faults.add(FaultKind.HTML, path="2/stream/list_public", status=502, count=1)

    with pytest.raises(HomeAssistantError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY)
    assert err.value.translation_key == "action_cannot_connect"
    assert sandbox.counters[ORDER_ADD] == 0

    await place_order(hass, init_integration, **LIMIT_BUY)
    assert sandbox.counters[ORDER_ADD] == 1
    assert sandbox.counters[LIST_PUBLIC] == 2
