"""Tests of Assist: the built-in get-state sentences, the shipped sentences, the intents.

Questions go through the default conversation agent with its real matcher
(hassil and home-assistant-intents at the versions each release pins), to an
integration that reads the sandbox.
"""

from decimal import Decimal

import pytest
from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.const import CONF_PAIRS, DOMAIN
from custom_components.mtgox.intent import (
    INTENT_GET_BALANCE,
    INTENT_GET_PRICE,
    spoken_amount,
)
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from .market import trade_at

PRICE = "sensor.bitcoin_usd_price"
USD_BALANCE = "sensor.mt_gox_usd_balance"
# The sandbox's demo funds, bitcoin first.
FULL_BALANCE = (
    "Your Mt.Gox balance is 10 BTC, 8000 EUR, 6000 GBP, 1000000 JPY and 10000 USD"
)


async def ask(hass: HomeAssistant, text: str) -> intent.IntentResponse:
    """Ask the default agent in English, by keyword (signatures differ by release)."""
    result = await conversation.async_converse(
        hass=hass, text=text, conversation_id=None, context=Context(), language="en"
    )
    return result.response


def expose_every_sensor(hass: HomeAssistant, assistant: str = "conversation") -> None:
    """Expose every Mt.Gox sensor to ``assistant``, as an owner may in the settings."""
    for entry in er.async_get(hass).entities.values():
        if entry.platform == DOMAIN:
            async_expose_entity(hass, assistant, entry.entity_id, True)


def speech(response: intent.IntentResponse) -> str:
    """Return what the agent would say."""
    text: str = response.speech["plain"]["speech"]
    return text


@pytest.mark.usefixtures("assist", "init_integration")
async def test_built_in_sentences_read_the_sensors(hass: HomeAssistant) -> None:
    """Home Assistant's own sentences match the sensors' names, and round as shown."""
    async_expose_entity(hass, "conversation", PRICE, True)
    async_expose_entity(hass, "conversation", USD_BALANCE, True)

    response = await ask(hass, "what is the bitcoin USD price")
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    # The built-in response capitalizes the name as spoken.
    assert speech(response) == "Bitcoin usd price is 800.00 USD"

    response = await ask(hass, "what is the Mt.Gox USD balance")
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == "Mt.gox usd balance is 10000.00 USD"


@pytest.mark.usefixtures("assist", "init_integration")
async def test_built_in_sentences_only_for_exposed_sensors(
    hass: HomeAssistant,
) -> None:
    """An unexposed price is not read out by the built-in sentences."""
    async_expose_entity(hass, "conversation", PRICE, True)
    assert "800" in speech(await ask(hass, "what is the bitcoin USD price"))

    async_expose_entity(hass, "conversation", PRICE, False)

    response = await ask(hass, "what is the bitcoin USD price")

    assert "800" not in speech(response)


@pytest.mark.usefixtures("assist")
async def test_shipped_sentences_answer_the_price(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """Asking for the bitcoin price says the last price, and follows the market."""
    expose_every_sensor(hass)
    response = await ask(hass, "what is the bitcoin price")
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == "The bitcoin price on Mt.Gox is 800 USD"

    response = await ask(hass, "what's the price of one bitcoin in euros")
    assert speech(response) == "The bitcoin price on Mt.Gox is 590 EUR"

    trade_at(sandbox.exchange, "BTCUSD", "812.34567")
    await init_integration.runtime_data.coordinator.async_refresh()

    response = await ask(hass, "how much is a bitcoin worth on Mt.Gox")
    assert speech(response) == "The bitcoin price on Mt.Gox is 812.34567 USD"


@pytest.mark.usefixtures("assist", "init_integration")
async def test_shipped_sentences_answer_the_balance(hass: HomeAssistant) -> None:
    """Asking for the Mt.Gox balance lists the wallets; a currency asks for one.

    The JPY and GBP pairs are not tracked, so the total worth is unknown and
    left out rather than said too low.
    """
    expose_every_sensor(hass)
    response = await ask(hass, "what is my Mt.Gox balance")
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == FULL_BALANCE

    response = await ask(hass, "what is my Mt Gox dollar balance")
    assert speech(response) == "Your Mt.Gox balance is 10000 USD"

    response = await ask(hass, "how many bitcoins do I have")
    assert speech(response) == "Your Mt.Gox balance is 10 BTC"


@pytest.mark.usefixtures("assist")
async def test_balance_says_the_worth_when_every_wallet_has_a_price(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """With every wallet's pair tracked the balance ends with the total worth."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={
            **mock_config_entry.options,
            CONF_PAIRS: ["BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP"],
        },
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    expose_every_sensor(hass)

    response = await ask(hass, "what is my Mt.Gox balance")

    # As test_sensor values the same funds.
    assert speech(response) == f"{FULL_BALANCE}, worth 48399.47356 USD"


@pytest.mark.usefixtures("assist", "init_integration")
async def test_shipped_sentences_say_an_untracked_price_is_unknown(
    hass: HomeAssistant,
) -> None:
    """A currency whose pair is not tracked gets an error, not a wrong price."""
    response = await ask(hass, "what is the bitcoin price in yen")

    assert response.response_type is intent.IntentResponseType.ERROR


@pytest.mark.usefixtures("init_integration")
async def test_intent_handlers(hass: HomeAssistant) -> None:
    """The handlers answer without a sentence, from the slots alone."""
    assert await async_setup_component(hass, "intent", {})

    response = await intent.async_handle(
        hass, "test", INTENT_GET_PRICE, {"currency": {"value": "eur"}}
    )
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == "The bitcoin price on Mt.Gox is 590 EUR"

    response = await intent.async_handle(hass, "test", INTENT_GET_PRICE, {})
    assert speech(response) == "The bitcoin price on Mt.Gox is 800 USD"

    response = await intent.async_handle(
        hass, "test", INTENT_GET_BALANCE, {"currency": {"value": "EUR"}}
    )
    assert speech(response) == "Your Mt.Gox balance is 8000 EUR"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("intent_type", "currency", "message"),
    [
        (INTENT_GET_PRICE, "JPY", "Mt.Gox does not track the bitcoin price in JPY"),
        (INTENT_GET_BALANCE, "XYZ", "The Mt.Gox account has no XYZ"),
    ],
)
async def test_intent_handlers_refuse_unknown_currencies(
    hass: HomeAssistant, intent_type: str, currency: str, message: str
) -> None:
    """An untracked pair or a wallet the account lacks is an error."""
    assert await async_setup_component(hass, "intent", {})

    with pytest.raises(intent.IntentHandleError, match=message):
        await intent.async_handle(
            hass, "test", intent_type, {"currency": {"value": currency}}
        )


async def test_intent_handlers_without_an_account(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """With no account loaded the handlers say so."""
    assert await async_setup_component(hass, "intent", {})
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    with pytest.raises(intent.IntentHandleError, match="No Mt.Gox account is set up"):
        await intent.async_handle(hass, "test", INTENT_GET_PRICE, {})


async def test_balance_of_several_accounts(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """With two accounts each balance is said after its account's title."""
    assert await async_setup_component(hass, "intent", {})
    other = sandbox.exchange.add_account(
        "second-key", sandbox.secret, ["get_info"], login="bob", funds={}
    )
    second_entry = MockConfigEntry(
        domain=DOMAIN,
        title="Mt.Gox bob",
        unique_id=other.id,
        data={**init_integration.data, CONF_API_KEY: "second-key"},
        options=init_integration.options,
    )
    second_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second_entry.entry_id)

    response = await intent.async_handle(hass, "test", INTENT_GET_BALANCE, {})

    assert speech(response) == (
        f"Your Mt.Gox balances are {init_integration.title}: "
        f"{FULL_BALANCE.removeprefix('Your Mt.Gox balance is ')}; Mt.Gox bob: 0"
    )


async def test_price_of_a_pair_whose_ticker_failed(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A tracked pair whose ticker is unavailable has no price to say."""
    assert await async_setup_component(hass, "intent", {})
    sandbox.faults.add(FaultKind.STATUS, path="1/BTCEUR/ticker", status=500)
    await init_integration.runtime_data.coordinator.async_refresh()

    with pytest.raises(intent.IntentHandleError, match="in EUR is unavailable"):
        await intent.async_handle(
            hass, "test", INTENT_GET_PRICE, {"currency": {"value": "EUR"}}
        )


@pytest.mark.parametrize(
    ("amount", "spoken"),
    [("800.00000", "800"), ("0.50000000", "0.5"), ("1000000", "1000000")],
)
def test_spoken_amount(amount: str, spoken: str) -> None:
    """Amounts are said without padding zeros, never in exponent notation."""
    assert spoken_amount(Decimal(amount)) == spoken


@pytest.mark.usefixtures("assist")
async def test_no_old_answers_after_a_failed_refresh(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """During an outage the sensors are unavailable: Assist says so, not old values."""
    expose_every_sensor(hass)
    coordinator = init_integration.runtime_data.coordinator
    fault = sandbox.faults.add(FaultKind.STATUS, status=503)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success

    response = await ask(hass, "what is the bitcoin price")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert "800" not in speech(response)

    response = await ask(hass, "what is my Mt.Gox balance")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert "10000" not in speech(response)

    with pytest.raises(intent.IntentHandleError, match="in USD is unavailable"):
        await intent.async_handle(hass, "test", INTENT_GET_PRICE, {})
    with pytest.raises(intent.IntentHandleError, match="balance of .* is unavailable"):
        await intent.async_handle(hass, "test", INTENT_GET_BALANCE, {})

    sandbox.faults.remove(fault.id)
    await coordinator.async_refresh()

    response = await ask(hass, "what is the bitcoin price")
    assert speech(response) == "The bitcoin price on Mt.Gox is 800 USD"
