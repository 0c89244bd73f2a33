"""What the Mt.Gox intents share: finding the accounts, answering per account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import intent

from .compat import vol_schema
from .const import BITCOIN, DOMAIN
from .exposure import Exposure, not_exposed
from .helpers import plain

if TYPE_CHECKING:
    from decimal import Decimal

    from homeassistant.core import HomeAssistant

    from .coordinator import MtGoxConfigEntry, MtGoxDataUpdateCoordinator

SLOT_CURRENCY: Final = "currency"
CURRENCY_SLOT_SCHEMA: Final = {vol.Optional(SLOT_CURRENCY): vol_schema(cv.string)}


def spoken_amount(value: Decimal) -> str:
    """Write an amount without the trailing zeros Mt.Gox pads it with."""
    text = plain(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def loaded_coordinators(hass: HomeAssistant) -> list[MtGoxDataUpdateCoordinator]:
    """Return the coordinators of the loaded accounts, or say there are none."""
    entries: list[MtGoxConfigEntry] = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]
    if not entries:
        raise intent.IntentHandleError("No Mt.Gox account is set up")
    return [entry.runtime_data.coordinator for entry in entries]


def requested_currency(slots: dict[str, Any]) -> str | None:
    """Return the currency code the question names, if any, in capitals."""
    if SLOT_CURRENCY not in slots:
        return None
    return str(slots[SLOT_CURRENCY]["value"]).strip().upper() or None


def fresh(coordinator: MtGoxDataUpdateCoordinator, what: str) -> None:
    """Refuse to say an old figure after a failed refresh, as the sensors do."""
    if not coordinator.last_update_success:
        raise intent.IntentHandleError(
            f"The Mt.Gox {what} of {coordinator.config_entry.title} is "
            "unavailable right now"
        )


class AccountQuestionHandler(intent.IntentHandler):
    """Answer a question from the loaded accounts and what the assistant may read."""

    slot_schema: dict[Any, Any] | None = CURRENCY_SLOT_SCHEMA

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer the question, or raise IntentHandleError without any figure."""
        slots = self.async_validate_slots(intent_obj.slots)
        coordinators = loaded_coordinators(intent_obj.hass)
        exposure = Exposure(intent_obj.hass, intent_obj.assistant)
        speech = await self._async_speech(coordinators, exposure, slots)
        response = intent_obj.create_response()
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        response.async_set_speech(speech)
        return response

    async def _async_speech(
        self,
        coordinators: list[MtGoxDataUpdateCoordinator],
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> str:
        """Return the answer to say."""
        raise NotImplementedError


def tracking_account(
    coordinators: list[MtGoxDataUpdateCoordinator], pair: str
) -> MtGoxDataUpdateCoordinator:
    """Return the first account that tracks ``pair``."""
    for coordinator in coordinators:
        if pair in coordinator.pairs:
            return coordinator
    raise intent.IntentHandleError(
        f"Mt.Gox does not track the bitcoin price in {pair[3:]}"
    )


def asked_pair(
    coordinators: list[MtGoxDataUpdateCoordinator],
    exposure: Exposure,
    slots: dict[str, Any],
) -> tuple[MtGoxDataUpdateCoordinator, str]:
    """Return the pair a question is about and an account tracking it.

    The currency named, else the first tracked pair whose price is exposed.
    """
    if currency := requested_currency(slots):
        pair = f"{BITCOIN}{currency}"
        coordinator = tracking_account(coordinators, pair)
        exposure.require(coordinator, f"{pair}_last", f"bitcoin price in {currency}")
        return coordinator, pair
    for coordinator in coordinators:
        for pair in coordinator.pairs:
            if exposure.shows(coordinator, f"{pair}_last"):
                return coordinator, pair
    raise not_exposed("bitcoin price")


class PerAccountHandler(AccountQuestionHandler):
    """Answer from each account that exposes the sensor ``sensor_key``."""

    sensor_key: str
    what: str
    """What the answer is about, in "is not exposed" and "unavailable" errors."""
    speech: str
    """The answer of one account, around ``{}``."""
    several_speech: str
    """The answer of several accounts, around ``{}``: "<title>: <answer>; ..."."""

    async def _async_speech(
        self,
        coordinators: list[MtGoxDataUpdateCoordinator],
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> str:
        """Say each exposing account's answer, after its title when several."""
        answers = [
            (coordinator, self._answer(coordinator, exposure, slots))
            for coordinator in coordinators
            if self._exposed(coordinator, exposure, slots)
        ]
        if not answers:
            raise not_exposed(self.what)
        if len(answers) == 1:
            return self.speech.format(answers[0][1])
        return self.several_speech.format(
            "; ".join(
                f"{coordinator.config_entry.title}: {answer}"
                for coordinator, answer in answers
            )
        )

    def _exposed(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> bool:
        """Tell whether this account may answer the assistant."""
        return exposure.shows(coordinator, self.sensor_key)

    def _answer(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> str:
        """Return one account's answer."""
        fresh(coordinator, self.what)
        return self._figure(coordinator)

    def _figure(self, coordinator: MtGoxDataUpdateCoordinator) -> str:
        """Return the figure of one account's fresh data."""
        raise NotImplementedError
