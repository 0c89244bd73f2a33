"""Config flow for the Mt.Gox integration."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import (
    MtGoxConnectionError,
    MtGoxError,
    MtGoxRateLimitError,
)
from .compat import flow_vol as vol
from .const import (
    API_VERSIONS,
    BITCOIN,
    CONF_API_SECRET,
    CONF_API_VERSION,
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_UPDATE_INTERVAL,
    CONF_VALUATION_CURRENCY,
    DEFAULT_API_VERSION,
    DEFAULT_MAX_ORDER_AMOUNT,
    DEFAULT_PAIRS,
    DEFAULT_UPDATE_INTERVAL,
    DEFAULT_URL,
    DEFAULT_VALUATION_CURRENCY,
    DOMAIN,
    MIN_ORDER_AMOUNT,
    MIN_UPDATE_INTERVAL,
    QUOTE_CURRENCIES,
)
from .form_input import (
    InvalidInputError,
    async_read_account,
    async_read_entry_account,
    client_for,
    normalize,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .coordinator import MtGoxConfigEntry

_URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# Coerced to text first so that 1 and "1" are both accepted; stored as an int.
_API_VERSION_SELECTOR = vol.All(
    vol.Coerce(str),
    SelectSelector(
        SelectSelectorConfig(
            options=[str(version) for version in API_VERSIONS],
            translation_key=CONF_API_VERSION,
            mode=SelectSelectorMode.DROPDOWN,
        )
    ),
)

CREDENTIALS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_API_KEY): TextSelector(
            TextSelectorConfig(autocomplete="off")
        ),
        vol.Required(CONF_API_SECRET): _SECRET_SELECTOR,
    }
)
SERVER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL, default=DEFAULT_URL): _URL_SELECTOR,
        vol.Required(
            CONF_API_VERSION, default=str(DEFAULT_API_VERSION)
        ): _API_VERSION_SELECTOR,
    }
)
USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL, default=DEFAULT_URL): _URL_SELECTOR,
        **CREDENTIALS_SCHEMA.schema,
        vol.Required(
            CONF_API_VERSION, default=str(DEFAULT_API_VERSION)
        ): _API_VERSION_SELECTOR,
    }
)

OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PAIRS): SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(
                        value=f"{BITCOIN}{currency}", label=f"{BITCOIN}/{currency}"
                    )
                    for currency in QUOTE_CURRENCIES
                ],
                multiple=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Required(CONF_VALUATION_CURRENCY): SelectSelector(
            SelectSelectorConfig(
                options=[BITCOIN, *QUOTE_CURRENCIES],
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
        vol.Required(CONF_MAX_ORDER_AMOUNT): NumberSelector(
            NumberSelectorConfig(
                min=float(MIN_ORDER_AMOUNT),
                step="any",
                unit_of_measurement=BITCOIN,
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)

DEFAULT_OPTIONS: Mapping[str, Any] = {
    CONF_PAIRS: DEFAULT_PAIRS,
    CONF_VALUATION_CURRENCY: DEFAULT_VALUATION_CURRENCY,
    CONF_UPDATE_INTERVAL: DEFAULT_UPDATE_INTERVAL,
    # JSON has no decimal type; a string keeps the amount exact.
    CONF_MAX_ORDER_AMOUNT: str(DEFAULT_MAX_ORDER_AMOUNT),
}


def _exact_text(number: float) -> str:
    """Write a form's number as the shortest exact decimal: 0.1 as "0.1", 2.0 as "2"."""
    return format(Decimal(str(number)).normalize(), "f")


def _without_secret(user_input: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return what a form shown again may suggest: never the API secret.

    A suggested value is sent to the browser in the form's schema.
    """
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_API_SECRET}


class MtGoxConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for a Mt.Gox account."""

    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> MtGoxOptionsFlow:
        """Return the options flow."""
        return MtGoxOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the server and the API key of the account."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                data = normalize(user_input)
                account = await async_read_account(self.hass, data)
            except InvalidInputError as err:
                errors[err.field] = err.error
            else:
                await self.async_set_unique_id(account.account_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=f"Mt.Gox {account.login}",
                    data=data,
                    options=DEFAULT_OPTIONS,
                )

        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, _without_secret(user_input)
            ),
            errors=errors,
        )

    async def _async_update_entry(
        self,
        entry: MtGoxConfigEntry,
        user_input: dict[str, Any],
        errors: dict[str, str],
    ) -> ConfigFlowResult | None:
        """Apply the changed fields to the entry if they still reach its account.

        Shared by reauth and reconfigure: the updated data must read the same
        account (unique id), else the flow aborts with wrong_account; on success
        the entry is updated and reloaded. Input errors go into errors and None
        is returned so the form is shown again.
        """
        try:
            updates = normalize(user_input)
            account = await async_read_entry_account(
                self.hass, entry, {**entry.data, **updates}
            )
        except InvalidInputError as err:
            errors[err.field] = err.error
            return None
        await self.async_set_unique_id(account.account_id)
        self._abort_if_unique_id_mismatch(reason="wrong_account")
        return self.async_update_reload_and_abort(entry, data_updates=updates)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start over with a new key when the exchange rejects the stored one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new key and secret of the same account."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_update_entry(entry, user_input, errors)
        ):
            return result

        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, _without_secret(user_input)
            ),
            description_placeholders={"title": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the account to another server address or API version."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_update_entry(entry, user_input, errors)
        ):
            return result

        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                SERVER_SCHEMA,
                user_input
                or {
                    CONF_URL: entry.data[CONF_URL],
                    CONF_API_VERSION: str(entry.data[CONF_API_VERSION]),
                },
            ),
            errors=errors,
        )


class MtGoxOptionsFlow(OptionsFlow):
    """Choose the tracked pairs, the valuation currency, polling and order limit."""

    config_entry: MtGoxConfigEntry

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and check the options."""
        errors: dict[str, str] = {}
        placeholders = {"pairs": ""}
        if user_input is not None:
            options = {
                **user_input,
                CONF_UPDATE_INTERVAL: int(user_input[CONF_UPDATE_INTERVAL]),
                CONF_MAX_ORDER_AMOUNT: _exact_text(user_input[CONF_MAX_ORDER_AMOUNT]),
            }
            try:
                await self._async_check_pairs(options)
            except InvalidInputError as err:
                errors[err.field] = err.error
                placeholders.update(err.placeholders)
            else:
                # Options only take effect at setup: reload, by this one
                # mechanism on every Home Assistant version.
                if self.hass.config_entries.async_update_entry(
                    self.config_entry, options=options
                ):
                    self.hass.config_entries.async_schedule_reload(
                        self.config_entry.entry_id
                    )
                return self.async_create_entry(data=options)

        if user_input is None:
            stored = {**DEFAULT_OPTIONS, **self.config_entry.options}
            user_input = {
                **stored,
                CONF_MAX_ORDER_AMOUNT: float(stored[CONF_MAX_ORDER_AMOUNT]),
            }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, user_input),
            description_placeholders=placeholders,
            errors=errors,
        )

    async def _async_check_pairs(self, options: Mapping[str, Any]) -> None:
        """Check the pairs exist on the server and can value the portfolio."""
        pairs: list[str] = options[CONF_PAIRS]
        if not pairs:
            raise InvalidInputError(CONF_PAIRS, "no_pairs")
        valuation = options[CONF_VALUATION_CURRENCY]
        if valuation != BITCOIN and f"{BITCOIN}{valuation}" not in pairs:
            raise InvalidInputError(CONF_VALUATION_CURRENCY, "valuation_not_tracked")
        # Only pairs added now: the tracked ones were checked when added.
        tracked = self.config_entry.options.get(CONF_PAIRS, DEFAULT_OPTIONS[CONF_PAIRS])
        new_pairs = [pair for pair in pairs if pair not in tracked]
        if not new_pairs:
            return
        entry: MtGoxConfigEntry = self.config_entry
        # The loaded entry's client shares its session and rate-limit block.
        client = (
            entry.runtime_data.client
            if entry.state is ConfigEntryState.LOADED
            else client_for(self.hass, entry.data)
        )
        unsupported: list[str] = []
        for pair in new_pairs:
            try:
                await client.ticker(pair)
            except (MtGoxConnectionError, MtGoxRateLimitError) as err:
                raise InvalidInputError("base", "cannot_connect") from err
            except MtGoxError:
                unsupported.append(pair)
        if unsupported:
            raise InvalidInputError(
                CONF_PAIRS, "unsupported_pair", {"pairs": ", ".join(unsupported)}
            )
