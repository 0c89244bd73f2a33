"""Config flow for the Mt.Gox integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import flow_vol as vol
from .const import (
    API_VERSIONS,
    CONF_API_SECRET,
    CONF_API_VERSION,
    DEFAULT_API_VERSION,
    DEFAULT_URL,
    DOMAIN,
)
from .form_input import (
    InvalidInputError,
    async_read_account,
    async_read_entry_account,
    normalize,
)
from .options_flow import DEFAULT_OPTIONS, MtGoxOptionsFlow

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
        placeholders: dict[str, str] = {}
        if user_input is not None:
            try:
                data = normalize(user_input)
                account = await async_read_account(self.hass, data)
            except InvalidInputError as err:
                err.show_on(errors, placeholders)
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
            description_placeholders=placeholders,
            errors=errors,
        )

    async def _async_update_entry(
        self,
        entry: MtGoxConfigEntry,
        user_input: dict[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult | None:
        """Apply the changed fields to the entry if they still reach its account.

        Shared by reauth and reconfigure: the updated data must read the same
        account (unique id), else the flow aborts with wrong_account; on success
        the entry is updated and reloaded. Input errors go into errors (and the
        values their texts name into placeholders) and None is returned so the
        form is shown again.
        """
        try:
            updates = normalize(user_input)
            account = await async_read_entry_account(
                self.hass, entry, {**entry.data, **updates}
            )
        except InvalidInputError as err:
            err.show_on(errors, placeholders)
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
        placeholders = {"title": entry.title}
        if user_input is not None and (
            result := await self._async_update_entry(
                entry, user_input, errors, placeholders
            )
        ):
            return result

        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, _without_secret(user_input)
            ),
            description_placeholders=placeholders,
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the account to another server address or API version."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_update_entry(
                entry, user_input, errors, placeholders
            )
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
            description_placeholders=placeholders,
            errors=errors,
        )
