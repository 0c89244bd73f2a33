"""Assist intents of the Mt.Gox integration: the bitcoin price and the balance.

Home Assistant's built-in ``HassGetState`` already answers "what is the
Bitcoin USD price" and "what is the Mt.Gox USD balance" from the sensors'
names.  These handlers answer the shorter questions people ask, "what is the
bitcoin price" and "what is my Mt.Gox balance", with sentences that users copy
from ``custom_sentences/en/mtgox.yaml`` (an integration cannot add sentences to
the default agent itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import intent

from .compat import vol_schema
from .const import BITCOIN, DOMAIN

if TYPE_CHECKING:
    from decimal import Decimal

    from homeassistant.core import HomeAssistant

    from .coordinator import MtGoxConfigEntry, MtGoxDataUpdateCoordinator

INTENT_GET_PRICE: Final = "MtGoxGetPrice"
INTENT_GET_BALANCE: Final = "MtGoxGetBalance"
SLOT_CURRENCY: Final = "currency"

CURRENCY_SLOT_SCHEMA: Final = {vol.Optional(SLOT_CURRENCY): vol_schema(cv.string)}


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the price and balance intents, once for every account.

    Home Assistant's intent integration calls this, as the intent platform of
    every integration it finds loaded.
    """
    intent.async_register(hass, GetPriceIntentHandler())
    intent.async_register(hass, GetBalanceIntentHandler())


def spoken_amount(value: Decimal) -> str:
    """Write an amount without the trailing zeros Mt.Gox pads it with."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _coordinators(hass: HomeAssistant) -> list[MtGoxDataUpdateCoordinator]:
    """Return the coordinators of the loaded accounts, or say there are none."""
    entries: list[MtGoxConfigEntry] = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]
    if not entries:
        raise intent.IntentHandleError("No Mt.Gox account is set up")
    return [entry.runtime_data.coordinator for entry in entries]


def _requested_currency(slots: dict[str, Any]) -> str | None:
    """Return the currency code the question names, if any, in capitals."""
    if SLOT_CURRENCY not in slots:
        return None
    return str(slots[SLOT_CURRENCY]["value"]).strip().upper() or None


class _AccountQuestionHandler(intent.IntentHandler):
    """Answer a question about the loaded accounts, optionally about one currency.

    The price and the balance intents read their slots, find the accounts and
    answer the same way; each says only what its answer is.
    """

    slot_schema = CURRENCY_SLOT_SCHEMA

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer the question from the loaded accounts' last refresh."""
        slots = self.async_validate_slots(intent_obj.slots)
        currency = _requested_currency(slots)
        coordinators = _coordinators(intent_obj.hass)
        response = intent_obj.create_response()
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        response.async_set_speech(self._speech(coordinators, currency))
        return response

    def _speech(
        self, coordinators: list[MtGoxDataUpdateCoordinator], currency: str | None
    ) -> str:
        """Return the answer to say, or raise IntentHandleError."""
        raise NotImplementedError


class GetPriceIntentHandler(_AccountQuestionHandler):
    """Say the last bitcoin price, in the first tracked pair or a given currency."""

    intent_type = INTENT_GET_PRICE
    description = (
        "Gets the last price of a bitcoin on Mt.Gox, in a given currency code "
        "such as USD or EUR, or in the first tracked currency"
    )

    def _speech(
        self, coordinators: list[MtGoxDataUpdateCoordinator], currency: str | None
    ) -> str:
        """Find the pair's last price and say it with its currency."""
        pair = f"{BITCOIN}{currency}" if currency else coordinators[0].pairs[0]
        for coordinator in coordinators:
            if pair not in coordinator.pairs:
                continue
            # After a failed refresh the sensors are unavailable: so is the answer.
            ticker = (
                coordinator.data.tickers.get(pair)
                if coordinator.last_update_success
                else None
            )
            if ticker is None:
                raise intent.IntentHandleError(
                    f"The Mt.Gox price in {pair[3:]} is unavailable right now"
                )
            return (
                f"The bitcoin price on Mt.Gox is {spoken_amount(ticker.last)} "
                f"{ticker.currency}"
            )
        raise intent.IntentHandleError(
            f"Mt.Gox does not track the bitcoin price in {pair[3:]}"
        )


class GetBalanceIntentHandler(_AccountQuestionHandler):
    """Say the balance of every wallet, or of one currency's wallet."""

    intent_type = INTENT_GET_BALANCE
    description = (
        "Gets the balance of the Mt.Gox account: every wallet and their total "
        "value, or only the wallet of a given currency code such as BTC or USD"
    )

    def _speech(
        self, coordinators: list[MtGoxDataUpdateCoordinator], currency: str | None
    ) -> str:
        """Read the balances of the last refresh and say them with their units."""
        answers = [_balance(coordinator, currency) for coordinator in coordinators]
        if len(answers) == 1:
            return f"Your Mt.Gox balance is {answers[0]}"
        return "Your Mt.Gox balances are " + "; ".join(
            f"{coordinator.config_entry.title}: {answer}"
            for coordinator, answer in zip(coordinators, answers, strict=True)
        )


def _balance(coordinator: MtGoxDataUpdateCoordinator, currency: str | None) -> str:
    """Describe one account's balance, of one wallet or of all and their worth."""
    if not coordinator.last_update_success:
        # The sensors are unavailable: never say the old balance as the current one.
        raise intent.IntentHandleError(
            f"The Mt.Gox balance of {coordinator.config_entry.title} is "
            "unavailable right now"
        )
    data = coordinator.data
    wallets = data.account.wallets
    if currency is not None:
        if currency in data.account.invalid_wallets:
            raise intent.IntentHandleError(
                f"The Mt.Gox {currency} balance is unavailable right now"
            )
        if currency not in wallets:
            raise intent.IntentHandleError(f"The Mt.Gox account has no {currency}")
        return f"{spoken_amount(wallets[currency].balance)} {currency}"
    held = [
        f"{spoken_amount(wallet.balance)} {code}"
        for code, wallet in sorted(
            wallets.items(), key=lambda item: (item[0] != BITCOIN, item[0])
        )
        if wallet.balance
    ]
    if not held:
        return "0"
    text = held[0] if len(held) == 1 else f"{', '.join(held[:-1])} and {held[-1]}"
    value = data.portfolio_value(coordinator.valuation_currency)
    if value is None or len(held) == 1:
        return text
    return f"{text}, worth {spoken_amount(value)} {coordinator.valuation_currency}"
