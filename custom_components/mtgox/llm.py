"""Assist's language-model tools: the read-only intents (Home Assistant 2026.10+).

From 2026.10 the Assist API offers a model only the tools each integration's
``llm`` platform returns; up to then it offered every registered intent by
itself. Either way the tools are exactly the intents of ``intent.py``, all of
which only read: placing or cancelling an order is never a tool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.components.homeassistant.exposed_entities import (
    async_should_expose,
)
from homeassistant.components.llm import (  # type: ignore[import-not-found,unused-ignore]
    LLMTools,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent
from homeassistant.helpers.llm import (  # type: ignore[attr-defined,unused-ignore]
    LLM_API_ASSIST,
    IntentTool,
    LLMContext,
    ToolAnnotations,
)

from .const import DOMAIN
from .intent import (
    INTENT_GET_BALANCE,
    INTENT_GET_ENGINE_LAG,
    INTENT_GET_OPEN_ORDERS,
    INTENT_GET_PORTFOLIO_VALUE,
    INTENT_GET_PRICE,
    INTENT_GET_QUOTE,
)

if TYPE_CHECKING:
    from homeassistant.helpers.llm import Tool

TOOL_TITLES: Final = {
    INTENT_GET_PRICE: "Get the Mt.Gox bitcoin price",
    INTENT_GET_BALANCE: "Get the Mt.Gox balance",
    INTENT_GET_PORTFOLIO_VALUE: "Get the Mt.Gox portfolio value",
    INTENT_GET_OPEN_ORDERS: "Get the Mt.Gox open orders",
    INTENT_GET_ENGINE_LAG: "Get the Mt.Gox engine lag",
    INTENT_GET_QUOTE: "Get a Mt.Gox quote",
}
# They read the exchange (an open world) and change nothing.
READ_ONLY: Final = ToolAnnotations(read_only=True, destructive=False, idempotent=True)


@callback
def async_get_tools(
    hass: HomeAssistant, llm_context: LLMContext, api_id: str
) -> LLMTools | None:
    """Offer the intents as tools while the assistant sees a Mt.Gox sensor."""
    if api_id != LLM_API_ASSIST or not any(
        entry.platform == DOMAIN
        # 2025.4's LLMContext allows no assistant; this module runs on 2026.10+.
        and async_should_expose(hass, llm_context.assistant, entry.entity_id)  # type: ignore[arg-type,unused-ignore]
        for entry in er.async_get(hass).entities.values()
    ):
        return None
    tools: list[Tool] = [
        IntentTool(  # type: ignore[call-arg,unused-ignore]
            f"{DOMAIN}__{handler.intent_type}",
            handler,
            title=TOOL_TITLES[handler.intent_type],
            integration=DOMAIN,
            annotations=READ_ONLY,
        )
        for handler in intent.async_get(hass)
        if handler.intent_type in TOOL_TITLES
    ]
    return LLMTools(tools=tools)
