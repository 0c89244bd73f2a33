"""What the config flow's forms were given: checked, normalised, tried on the server.

Each check raises InvalidInputError, which names the field to show the error on.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from yarl import URL

from .api import (
    AccountInfo,
    ApiVersion,
    MtGoxAuthenticationError,
    MtGoxClient,
    MtGoxConnectionError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    NonceSource,
)
from .api.signing import decode_secret
from .const import CONF_API_SECRET, CONF_API_VERSION, LOGGER
from .nonce import NonceStore

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant

    from .coordinator import MtGoxConfigEntry


class InvalidInputError(Exception):
    """A form value the flow cannot accept, with the field to show it on."""

    def __init__(
        self, field: str, error: str, placeholders: Mapping[str, str] | None = None
    ) -> None:
        """Remember where to show which error, and what to fill in its text."""
        super().__init__(error)
        self.field = field
        self.error = error
        self.placeholders = placeholders or {}


def client_for(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    nonce_source: NonceSource | None = None,
) -> MtGoxClient:
    """Create a client for the connection data of a form or an entry."""
    return MtGoxClient(
        async_get_clientsession(hass),
        base_url=data[CONF_URL],
        api_key=data[CONF_API_KEY],
        api_secret=data[CONF_API_SECRET],
        api_version=ApiVersion(data[CONF_API_VERSION]),
        nonce_source=nonce_source,
    )


async def async_read_entry_account(
    hass: HomeAssistant, entry: MtGoxConfigEntry, data: Mapping[str, Any]
) -> AccountInfo:
    """Read the account with the entry's nonces, so that they keep increasing.

    A loaded entry's source is shared with its running client (whose lock keeps
    the nonces in order); otherwise the stored mark is loaded and written back
    at once, for the setup that follows.
    """
    if entry.state is ConfigEntryState.LOADED:
        source = entry.runtime_data.nonce_store.source
        return await async_read_account(hass, data, source)
    nonce_store = await NonceStore.async_load(hass, entry.entry_id)
    try:
        return await async_read_account(hass, data, nonce_store.source)
    finally:
        await nonce_store.async_flush()


def normalize(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Check the connection fields and bring them to their stored form."""
    data = dict(user_input)
    if CONF_URL in data:
        data[CONF_URL] = checked_url(data[CONF_URL])
    if CONF_API_VERSION in data:
        data[CONF_API_VERSION] = int(data[CONF_API_VERSION])
    if CONF_API_SECRET in data:
        data[CONF_API_KEY] = data[CONF_API_KEY].strip()
        data[CONF_API_SECRET] = data[CONF_API_SECRET].strip()
        try:
            decode_secret(data[CONF_API_SECRET])
        except ValueError as err:
            raise InvalidInputError(CONF_API_SECRET, "invalid_secret") from err
    return data


def checked_url(url: str) -> str:
    """Return the API base URL with a trailing slash, if it is safe to use.

    Keys and signatures must not cross the network in clear text: plain http
    is only allowed to loopback or private addresses (a sandbox or a proxy).
    """
    try:
        parsed = URL(url.strip())
    except (TypeError, ValueError) as err:
        raise InvalidInputError(CONF_URL, "invalid_url") from err
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError(CONF_URL, "invalid_url")
    if parsed.scheme == "http" and not _is_local(parsed.host):
        raise InvalidInputError(CONF_URL, "insecure_url")
    text = str(parsed)
    return text if text.endswith("/") else f"{text}/"


def _is_local(host: str) -> bool:
    """Tell whether a host is loopback or private, without resolving names."""
    if host == "localhost":
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


async def async_read_account(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    nonce_source: NonceSource | None = None,
) -> AccountInfo:
    """Read the account the connection data opens, or say which field is wrong."""
    try:
        return await client_for(hass, data, nonce_source).account_info()
    except MtGoxAuthenticationError as err:
        raise InvalidInputError("base", "invalid_auth") from err
    except (MtGoxConnectionError, MtGoxResponseError, MtGoxRateLimitError) as err:
        raise InvalidInputError("base", "cannot_connect") from err
    except Exception as err:
        LOGGER.exception("Unexpected error reading the Mt.Gox account")
        raise InvalidInputError("base", "unknown") from err
