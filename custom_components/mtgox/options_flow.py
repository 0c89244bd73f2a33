"""Options flow of the Mt.Gox integration: pairs, valuation, polling, streaming, limit.

The pairs offered are the ones the server trades, asked once when the options
open; when that list cannot be read the form says so and offers the pairs
Mt.Gox traded, checking each one added against the server. A change that
leaves a currency the account holds without a price is saved only once the
user confirms it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .api import MtGoxConnectionError, MtGoxError, MtGoxRateLimitError
from .compat import flow_vol as vol
from .const import (
    BITCOIN,
    CONF_HISTORY_DAYS,
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_STREAMING,
    CONF_UPDATE_INTERVAL,
    CONF_VALUATION_CURRENCY,
    DEFAULT_HISTORY_DAYS,
    DEFAULT_MAX_ORDER_AMOUNT,
    DEFAULT_PAIRS,
    DEFAULT_STREAMING,
    DEFAULT_UPDATE_INTERVAL,
    DEFAULT_VALUATION_CURRENCY,
    LOGGER,
    MAX_HISTORY_DAYS,
    MIN_ORDER_AMOUNT,
    MIN_UPDATE_INTERVAL,
    MTGOX_PAIRS,
)
from .form_input import InvalidInputError, client_for
from .helpers import pair_label, pair_labels

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

    from .api import MtGoxClient
    from .coordinator import MtGoxConfigEntry

DEFAULT_OPTIONS: Mapping[str, Any] = {
    CONF_PAIRS: DEFAULT_PAIRS,
    CONF_VALUATION_CURRENCY: DEFAULT_VALUATION_CURRENCY,
    CONF_UPDATE_INTERVAL: DEFAULT_UPDATE_INTERVAL,
    CONF_STREAMING: DEFAULT_STREAMING,
    # JSON has no decimal type; a string keeps the amount exact.
    CONF_MAX_ORDER_AMOUNT: str(DEFAULT_MAX_ORDER_AMOUNT),
    CONF_HISTORY_DAYS: DEFAULT_HISTORY_DAYS,
}
# Shown on the form while the server's pair list could not be read.
PAIRS_NOT_READ = "pairs_not_read"


def options_schema(pairs: Iterable[str]) -> vol.Schema:
    """Return the options form offering ``pairs``, and their currencies to value in."""
    offered = sorted(set(pairs))
    return vol.Schema(
        {
            vol.Required(CONF_PAIRS): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=pair, label=pair_label(pair))
                        for pair in offered
                    ],
                    multiple=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_VALUATION_CURRENCY): SelectSelector(
                SelectSelectorConfig(
                    options=[BITCOIN, *(pair[3:] for pair in offered)],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_UPDATE_INTERVAL): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_UPDATE_INTERVAL,
                    max=3600,
                    step=1,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Required(CONF_STREAMING): BooleanSelector(),
            vol.Required(CONF_MAX_ORDER_AMOUNT): NumberSelector(
                NumberSelectorConfig(
                    min=float(MIN_ORDER_AMOUNT),
                    step="any",
                    unit_of_measurement=BITCOIN,
                    mode=NumberSelectorMode.BOX,
                )
            ),
            # Optional: a form sent without it leaves an older entry unchanged.
            vol.Optional(CONF_HISTORY_DAYS): NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=MAX_HISTORY_DAYS,
                    step=1,
                    unit_of_measurement="d",
                    mode=NumberSelectorMode.BOX,
                )
            ),
        }
    )


def _exact_text(number: float) -> str:
    """Write a form's number as the shortest exact decimal: 0.1 as "0.1", 2.0 as "2"."""
    return format(Decimal(str(number)).normalize(), "f")


def unpriced_currencies(
    held: Iterable[str], options: Mapping[str, Any]
) -> frozenset[str]:
    """Return the held currencies the options leave without a price.

    Every price goes through bitcoin: a currency is valued when it and the
    valuation currency are each bitcoin or the quote of a tracked pair.
    """
    pairs = set(options[CONF_PAIRS])
    valuation = options[CONF_VALUATION_CURRENCY]

    def priced_in_bitcoin(currency: str) -> bool:
        return currency == BITCOIN or f"{BITCOIN}{currency}" in pairs

    return frozenset(
        currency
        for currency in held
        if currency != valuation
        and not (priced_in_bitcoin(currency) and priced_in_bitcoin(valuation))
    )


class MtGoxOptionsFlow(OptionsFlow):
    """Choose the tracked pairs, the valuation currency, polling and order limit."""

    config_entry: MtGoxConfigEntry

    def __init__(self) -> None:
        """Start without the server's pair list: it is read when the form opens."""
        self._traded: tuple[str, ...] | None = None
        self._list_read = False
        self._list_error = ""
        self._pending: dict[str, Any] = {}
        """Options waiting for the user to confirm the prices they leave out."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and check the options."""
        if not self._list_read:
            await self._async_read_traded_pairs()
        errors: dict[str, str] = {}
        placeholders = {"pairs": "", "error": ""}
        if user_input is not None:
            options = {
                **user_input,
                CONF_UPDATE_INTERVAL: int(user_input[CONF_UPDATE_INTERVAL]),
                CONF_MAX_ORDER_AMOUNT: _exact_text(user_input[CONF_MAX_ORDER_AMOUNT]),
            }
            if CONF_HISTORY_DAYS in user_input:
                options[CONF_HISTORY_DAYS] = int(user_input[CONF_HISTORY_DAYS])
            try:
                await self._async_check_pairs(options)
            except InvalidInputError as err:
                err.show_on(errors, placeholders)
            else:
                if newly_unpriced := self._newly_unpriced(options):
                    self._pending = options
                    return await self.async_step_unpriced(newly_unpriced)
                return self._save(options)

        if self._traded is None:
            errors.setdefault("base", PAIRS_NOT_READ)
            placeholders["error"] = self._list_error
        if user_input is None:
            stored = {**DEFAULT_OPTIONS, **self.config_entry.options, **self._pending}
            user_input = {
                **stored,
                CONF_MAX_ORDER_AMOUNT: float(stored[CONF_MAX_ORDER_AMOUNT]),
            }
        tracked = self.config_entry.options.get(CONF_PAIRS, DEFAULT_PAIRS)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema([*(self._traded or MTGOX_PAIRS), *tracked]),
                user_input,
            ),
            description_placeholders=placeholders,
            errors=errors,
        )

    async def async_step_unpriced(
        self, newly_unpriced: Collection[str]
    ) -> ConfigFlowResult:
        """Ask whether to save options that leave held currencies without a price."""
        return self.async_show_menu(
            step_id="unpriced",
            menu_options=["save", "init"],
            description_placeholders={
                "currencies": ", ".join(sorted(newly_unpriced)),
                "valuation": self._pending[CONF_VALUATION_CURRENCY],
            },
        )

    async def async_step_save(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Save the options the user confirmed, prices missing and all."""
        return self._save(self._pending)

    def _save(self, options: dict[str, Any]) -> ConfigFlowResult:
        # Options only take effect at setup: reload, by this one mechanism on
        # every Home Assistant version.
        if self.hass.config_entries.async_update_entry(
            self.config_entry, options=options
        ):
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
        return self.async_create_entry(data=options)

    def _client(self) -> MtGoxClient:
        entry: MtGoxConfigEntry = self.config_entry
        # The loaded entry's client shares its session and rate-limit block.
        if entry.state is ConfigEntryState.LOADED:
            return entry.runtime_data.client
        return client_for(self.hass, entry.data)

    async def _async_read_traded_pairs(self) -> None:
        """Ask the server once which pairs it trades; keep why, if it cannot say."""
        self._list_read = True
        try:
            self._traded = await self._client().traded_pairs()
        except MtGoxError as err:
            LOGGER.info("Could not read the pairs the server trades: %s", err)
            self._list_error = str(err)

    def _newly_unpriced(self, options: Mapping[str, Any]) -> frozenset[str]:
        """Return the held currencies priced now that the new options leave unpriced.

        Only a loaded entry knows what the account holds; otherwise none.
        """
        entry: MtGoxConfigEntry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return frozenset()
        data = entry.runtime_data.coordinator.data
        held = [code for code, wallet in data.account.wallets.items() if wallet.balance]
        current = {**DEFAULT_OPTIONS, **entry.options}
        return unpriced_currencies(held, options) - unpriced_currencies(held, current)

    async def _async_check_pairs(self, options: Mapping[str, Any]) -> None:
        """Check the pairs exist on the server and can value the portfolio."""
        pairs: list[str] = options[CONF_PAIRS]
        if not pairs:
            raise InvalidInputError(CONF_PAIRS, "no_pairs")
        valuation = options[CONF_VALUATION_CURRENCY]
        if valuation != BITCOIN and f"{BITCOIN}{valuation}" not in pairs:
            raise InvalidInputError(CONF_VALUATION_CURRENCY, "valuation_not_tracked")
        # Only pairs added now: the tracked ones were checked when added.
        tracked = self.config_entry.options.get(CONF_PAIRS, DEFAULT_PAIRS)
        new_pairs = [pair for pair in pairs if pair not in tracked]
        # With the server's list, the form offered only pairs it trades.
        if self._traded is None and (
            unsupported := await self._async_untraded(new_pairs)
        ):
            raise InvalidInputError(
                CONF_PAIRS, "unsupported_pair", {"pairs": pair_labels(unsupported)}
            )

    async def _async_untraded(self, pairs: Collection[str]) -> list[str]:
        """Ask each pair's ticker, without the server's list: which have none."""
        client = self._client()
        unsupported: list[str] = []
        for pair in pairs:
            try:
                await client.ticker(pair)
            except (MtGoxConnectionError, MtGoxRateLimitError) as err:
                raise InvalidInputError("base", "cannot_connect") from err
            except MtGoxError:
                unsupported.append(pair)
        return unsupported
