"""Assist's language-model tools, through ``homeassistant.helpers.llm`` on each release.

Home Assistant 2025.4 offers every registered intent as a tool; 2026.10 offers
what each integration's ``llm`` platform returns.  Either way the tools are
the integration's read-only intents, answering only from exposed sensors.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent, llm
from homeassistant.setup import async_setup_component

from custom_components.mtgox.api import Side
from custom_components.mtgox.const import CONF_PAIRS, DOMAIN
from custom_components.mtgox.intent import (
    INTENT_GET_BALANCE,
    INTENT_GET_ENGINE_LAG,
    INTENT_GET_OPEN_ORDERS,
    INTENT_GET_PORTFOLIO_VALUE,
    INTENT_GET_PRICE,
    INTENT_GET_QUOTE,
    spoken_amount,
)
from tests.api.test_engine_calls import book_total

from . import LIMIT_BUY, place_order, setup_entry
from .test_intent import FULL_BALANCE, expose_every_sensor

if TYPE_CHECKING:
    from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
        MockConfigEntry,
    )

    from mtgox_sandbox.runner import Sandbox

READ_ONLY_INTENTS = {
    INTENT_GET_PRICE,
    INTENT_GET_BALANCE,
    INTENT_GET_PORTFOLIO_VALUE,
    INTENT_GET_OPEN_ORDERS,
    INTENT_GET_ENGINE_LAG,
    INTENT_GET_QUOTE,
}
# From 2026.10 the Assist API lives in the llm integration and its tools come
# from each integration's llm platform, named "<domain>__<tool>".
LLM_INTEGRATION = importlib.util.find_spec("homeassistant.components.llm") is not None
TOOL_PREFIX = f"{DOMAIN}__" if LLM_INTEGRATION else ""
EVERY_PAIR = ["BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP"]


def llm_context(assistant: str = "conversation") -> llm.LLMContext:
    """Return a context of the fields this release's LLMContext has."""
    values: dict[str, Any] = {
        "platform": "test",
        "context": Context(),
        "user_prompt": None,  # up to 2025.x
        "language": "en",
        "assistant": assistant,
        "device_id": None,
    }
    fields = {field.name for field in dataclasses.fields(llm.LLMContext)}
    return llm.LLMContext(**{k: v for k, v in values.items() if k in fields})


async def assist_api(
    hass: HomeAssistant, assistant: str = "conversation"
) -> llm.APIInstance:
    """Return the Assist API as a conversation agent would get it."""
    return await llm.async_get_api(hass, llm.LLM_API_ASSIST, llm_context(assistant))


def mtgox_tool_names(api: llm.APIInstance) -> set[str]:
    """Return the names of every tool that has anything to do with Mt.Gox."""
    return {
        tool.name
        for tool in api.tools
        if "mtgox" in tool.name.lower() or "mt.gox" in (tool.description or "").lower()
    }


async def call(api: llm.APIInstance, intent_type: str, **args: Any) -> str:
    """Call one tool as a model would and return what it says."""
    result: Any = await api.async_call_tool(
        llm.ToolInput(tool_name=f"{TOOL_PREFIX}{intent_type}", tool_args=args)
    )
    data = getattr(result, "data", result)  # 2026.10 wraps it in a ToolResult
    speech: str = data["speech"]["plain"]["speech"]
    return speech


@pytest.fixture
async def every_pair_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set Assist and an entry tracking every pair up, so the worth is known."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    if LLM_INTEGRATION:
        assert await async_setup_component(hass, "llm", {})
    await setup_entry(hass, mock_config_entry, options={CONF_PAIRS: EVERY_PAIR})
    return mock_config_entry


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_tools_answer_from_exposed_sensors(
    hass: HomeAssistant, sandbox: Sandbox, every_pair_entry: MockConfigEntry
) -> None:
    """Each read-only intent is a tool, and each tool answers."""
    await place_order(hass, every_pair_entry, **LIMIT_BUY)
    # The lag is read from the refresh after its sensor was added.
    await every_pair_entry.runtime_data.coordinator.async_refresh()
    expose_every_sensor(hass)

    api = await assist_api(hass)

    assert mtgox_tool_names(api) == {f"{TOOL_PREFIX}{i}" for i in READ_ONLY_INTENTS}
    assert await call(api, INTENT_GET_PRICE, currency="EUR") == (
        "The bitcoin price on Mt.Gox is 590 EUR"
    )
    assert await call(api, INTENT_GET_BALANCE) == (
        f"{FULL_BALANCE}, worth 48399.47356 USD"
    )
    assert await call(api, INTENT_GET_PORTFOLIO_VALUE) == (
        "Your Mt.Gox portfolio is worth 48399.47356 USD"
    )
    assert await call(api, INTENT_GET_OPEN_ORDERS) == (
        "Your Mt.Gox open orders: 1, buy 0.5 BTC at 100 USD"
    )
    assert await call(api, INTENT_GET_ENGINE_LAG) == (
        "The Mt.Gox engine lag is 0 seconds"
    )
    total = book_total(sandbox, "BTCUSD", Side.BID, Decimal("0.25"))
    assert await call(api, INTENT_GET_QUOTE, side="buy", amount="0.25") == (
        f"To buy 0.25 BTC on Mt.Gox now would cost {spoken_amount(total)} USD"
    )


@pytest.mark.usefixtures("every_pair_entry")
async def test_no_tool_places_or_cancels_an_order(hass: HomeAssistant) -> None:
    """The tools are exactly the read-only intents: no order tool, on any release."""
    expose_every_sensor(hass)

    api = await assist_api(hass)

    # No tool of any integration names an order but the open orders' reading.
    order_tools = {tool.name for tool in api.tools if "order" in tool.name.lower()}
    assert order_tools == {f"{TOOL_PREFIX}{INTENT_GET_OPEN_ORDERS}"}
    assert mtgox_tool_names(api) == {f"{TOOL_PREFIX}{i}" for i in READ_ONLY_INTENTS}


@pytest.mark.usefixtures("every_pair_entry")
async def test_tools_say_nothing_unexposed(hass: HomeAssistant) -> None:
    """With no sensor exposed no tool gives a figure; 2026.10 offers none at all."""
    api = await assist_api(hass)

    if LLM_INTEGRATION:
        assert not mtgox_tool_names(api)
        return
    for intent_type, args in (
        (INTENT_GET_PRICE, {}),
        (INTENT_GET_BALANCE, {}),
        (INTENT_GET_PORTFOLIO_VALUE, {}),
        (INTENT_GET_OPEN_ORDERS, {}),
        (INTENT_GET_ENGINE_LAG, {}),
        (INTENT_GET_QUOTE, {"side": "sell", "amount": "1"}),
    ):
        with pytest.raises(intent.IntentHandleError, match="not exposed"):
            await call(api, intent_type, **args)


@pytest.mark.usefixtures("every_pair_entry")
async def test_tools_of_one_assistant_only(hass: HomeAssistant) -> None:
    """What is exposed to one assistant is not read to another."""
    for entry in er.async_get(hass).entities.values():
        if entry.entity_id == "sensor.mt_gox_usd_balance":
            async_expose_entity(hass, "conversation", entry.entity_id, True)

    api = await assist_api(hass)
    assert await call(api, INTENT_GET_BALANCE) == "Your Mt.Gox balance is 10000 USD"
    with pytest.raises(intent.IntentHandleError, match="price is not exposed"):
        await call(api, INTENT_GET_PRICE)

    other = await assist_api(hass, "cloud.alexa")
    if LLM_INTEGRATION:
        assert not mtgox_tool_names(other)
        return
    with pytest.raises(intent.IntentHandleError, match="balance is not exposed"):
        await call(other, INTENT_GET_BALANCE)
