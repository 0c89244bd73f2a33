"""What the owner exposed to an assistant: the only figures Assist may say.

Home Assistant's own intents read only entities exposed to the assistant that
asks (Settings > Voice assistants > Expose) and, like them, a question that
names no assistant (a script's ``intent`` call) is not filtered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.homeassistant.exposed_entities import (
    async_should_expose,
)
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent

from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import MtGoxDataUpdateCoordinator


@dataclass(frozen=True)
class Exposure:
    """The sensors one assistant may read."""

    hass: HomeAssistant
    assistant: str | None

    def shows(self, coordinator: MtGoxDataUpdateCoordinator, key: str) -> bool:
        """Tell whether the account's sensor ``key`` is exposed to the assistant.

        ``key`` is the sensor's unique id within the account, such as
        ``BTCUSD_last``, ``USD_balance`` or ``portfolio_value``.
        """
        if self.assistant is None:
            return True
        unique_id = f"{coordinator.data.account.account_id}_{key}"
        entity_id = er.async_get(self.hass).async_get_entity_id(
            SENSOR_DOMAIN, DOMAIN, unique_id
        )
        return entity_id is not None and async_should_expose(
            self.hass, self.assistant, entity_id
        )

    def require(
        self, coordinator: MtGoxDataUpdateCoordinator, key: str, what: str
    ) -> None:
        """Refuse to answer, without the figure, unless ``key`` is exposed."""
        if not self.shows(coordinator, key):
            raise not_exposed(what)


def not_exposed(what: str) -> intent.IntentHandleError:
    """Say that the owner did not expose ``what`` to this assistant."""
    return intent.IntentHandleError(
        f"The Mt.Gox {what} is not exposed to this assistant"
    )
