"""Assist says only what the owner exposed to the assistant that asks.

Through the default conversation agent (assistant "conversation") with the
shipped sentences, and through the intents directly for the new questions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
)
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component

from custom_components.mtgox.const import CONF_PAIRS
from custom_components.mtgox.intent import (
    INTENT_GET_BALANCE,
    INTENT_GET_ENGINE_LAG,
    INTENT_GET_OPEN_ORDERS,
    INTENT_GET_PORTFOLIO_VALUE,
    INTENT_GET_PRICE,
    INTENT_GET_QUOTE,
)
from mtgox_sandbox.faults import FaultKind

from . import setup_entry
from .test_intent import ask, speech

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
        MockConfigEntry,
    )

    from mtgox_sandbox.runner import Sandbox

FIGURE = re.compile(r"\d")


def expose(hass: HomeAssistant, *entity_ids: str) -> None:
    """Expose these sensors to the conversation agent."""
    for entity_id in entity_ids:
        async_expose_entity(hass, "conversation", entity_id, True)


async def handle(
    hass: HomeAssistant, intent_type: str, assistant: str | None = None, **slots: str
) -> intent.IntentResponse:
    """Handle an intent; without an assistant, as a script's intent call would."""
    return await intent.async_handle(
        hass,
        "test",
        intent_type,
        {name: {"value": v} for name, v in slots.items()},
        assistant=assistant,
    )


@pytest.mark.usefixtures("assist", "init_integration")
async def test_nothing_exposed_no_figure(hass: HomeAssistant) -> None:
    """The reported defect: with no sensor exposed the balance was read out.

    The default agent says its generic failure; the handler's own words are
    checked on the intent, asked as that agent asks.
    """
    for question in (
        "what is my Mt.Gox balance",
        "how many bitcoins do I have",
        "what is the bitcoin price",
        "what is the bitcoin price in euros",
    ):
        response = await ask(hass, question)

        assert response.response_type is intent.IntentResponseType.ERROR
        assert not FIGURE.search(speech(response))

    for intent_type, slots, what in (
        (INTENT_GET_BALANCE, {}, "balance"),
        (INTENT_GET_BALANCE, {"currency": "BTC"}, "balance"),
        (INTENT_GET_PRICE, {}, "bitcoin price"),
        (INTENT_GET_PRICE, {"currency": "EUR"}, "bitcoin price in EUR"),
        (INTENT_GET_QUOTE, {"side": "buy", "amount": "1"}, "bitcoin price"),
    ):
        with pytest.raises(intent.IntentHandleError) as err:
            await handle(hass, intent_type, assistant="conversation", **slots)
        assert str(err.value) == f"The Mt.Gox {what} is not exposed to this assistant"


@pytest.mark.usefixtures("assist", "init_integration")
async def test_only_exposed_wallets_and_prices_are_said(hass: HomeAssistant) -> None:
    """Hidden wallets are left out; an unnamed price is the first exposed one."""
    expose(hass, "sensor.mt_gox_usd_balance", "sensor.mt_gox_btc_balance")
    expose(hass, "sensor.bitcoin_eur_price")

    response = await ask(hass, "what is my Mt.Gox balance")
    assert speech(response) == "Your Mt.Gox balance is 10 BTC and 10000 USD"
    response = await ask(hass, "what is my Mt.Gox euro balance")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert not FIGURE.search(speech(response))

    response = await ask(hass, "what is the bitcoin price")
    assert speech(response) == "The bitcoin price on Mt.Gox is 590 EUR"
    response = await ask(hass, "what is the bitcoin price in dollars")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert not FIGURE.search(speech(response))


@pytest.mark.usefixtures("assist")
async def test_worth_only_with_the_portfolio_value_exposed(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The total worth is said only when its own sensor is exposed."""
    await setup_entry(
        hass,
        mock_config_entry,
        options={CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP"]},
    )
    expose(hass, "sensor.mt_gox_usd_balance", "sensor.mt_gox_btc_balance")
    assert "worth" not in speech(await ask(hass, "what is my Mt.Gox balance"))

    expose(hass, "sensor.mt_gox_portfolio_value")

    assert speech(await ask(hass, "what is my Mt.Gox balance")) == (
        "Your Mt.Gox balance is 10 BTC and 10000 USD, worth 48399.47356 USD"
    )


@pytest.mark.usefixtures("init_integration")
async def test_new_questions_without_their_figures(hass: HomeAssistant) -> None:
    """An unknown worth, a lag whose sensor is off, and no open order are said so."""
    assert await async_setup_component(hass, "intent", {})

    with pytest.raises(intent.IntentHandleError, match="value in USD is unknown"):
        await handle(hass, INTENT_GET_PORTFOLIO_VALUE)
    with pytest.raises(intent.IntentHandleError, match="lag is unavailable"):
        await handle(hass, INTENT_GET_ENGINE_LAG)
    response = await handle(hass, INTENT_GET_OPEN_ORDERS)
    assert speech(response) == "Your Mt.Gox open orders: none"
    response = await handle(hass, INTENT_GET_PRICE, currency="eur")
    assert speech(response) == "The bitcoin price on Mt.Gox is 590 EUR"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ({"side": "buy", "amount": "lots"}, "Not an amount of bitcoin"),
        ({"side": "buy", "amount": "0.001"}, "quotes at least 0.01 BTC"),
        ({"side": "sell", "amount": "1", "currency": "JPY"}, "does not track"),
        ({"side": "sell", "amount": "1"}, "quote is unavailable"),
    ],
)
async def test_quote_refusals(
    hass: HomeAssistant, sandbox: Sandbox, slots: dict[str, str], message: str
) -> None:
    """A bad amount, an untracked pair or a failing exchange gives no quote."""
    assert await async_setup_component(hass, "intent", {})
    sandbox.faults.add(FaultKind.STATUS, path="*/order/quote", status=503)

    with pytest.raises(intent.IntentHandleError, match=message):
        await handle(hass, INTENT_GET_QUOTE, **slots)
