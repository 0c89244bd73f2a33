"""The server's own web page, which the devices' "Visit" link opens.

A Mt.Gox-compatible server may answer its root URL with a page about itself
(the sandbox does); many answer only under ``/api/``, and a link to a 404
helps nobody. So the root is asked once, at setup, and linked only if it
answers with an HTML page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin

import aiohttp
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import LOGGER

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

PAGE_TIMEOUT: Final = aiohttp.ClientTimeout(total=3)
"""Short: setup waits for it, and the page is only a convenience."""


async def async_server_page(hass: HomeAssistant, api_url: str) -> str | None:
    """Return the root URL of the server at ``api_url`` if it serves a page there."""
    page_url = urljoin(api_url, "/")
    try:
        async with async_get_clientsession(hass).get(
            page_url, timeout=PAGE_TIMEOUT
        ) as response:
            # Only the status and type matter: the body is never read.
            serves_page = response.status == 200 and (
                response.content_type == "text/html"
            )
    except (aiohttp.ClientError, TimeoutError) as error:
        LOGGER.debug("No page at %s: %s", page_url, error)
        return None
    if not serves_page:
        LOGGER.debug("No page at %s: HTTP %s", page_url, response.status)
        return None
    return page_url
