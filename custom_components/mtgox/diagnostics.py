"""Diagnostics of the Mt.Gox integration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY

from .api import OrderBook
from .const import CONF_API_SECRET
from .helpers import plain

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import MtGoxConfigEntry

# The login and the account id name the person; the title and the unique id
# of the entry contain them.
TO_REDACT = {CONF_API_KEY, CONF_API_SECRET, "login", "account_id", "title", "unique_id"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MtGoxConfigEntry
) -> dict[str, Any]:
    """Return the entry and what the last refresh read, without secrets."""
    coordinator = entry.runtime_data.coordinator
    stream = entry.runtime_data.stream
    return async_redact_data(
        {
            "entry": entry.as_dict(),
            "last_update_success": coordinator.last_update_success,
            "data": _plain(coordinator.data),
            "stream": None if stream is None else stream.diagnostics(),
        },
        TO_REDACT,
    )


def _plain(value: Any) -> Any:
    """Turn the client's models into JSON values, amounts as exact text."""
    if isinstance(value, OrderBook):
        value = _book(value)  # a mapping, made plain below
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # the NamedTuples
        return {name: _plain(item) for name, item in value._asdict().items()}
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal | datetime):
        return value.isoformat() if isinstance(value, datetime) else plain(value)
    return value


def _book(book: OrderBook) -> dict[str, Any]:
    """Summarise a book by its best levels and size: it may hold thousands."""
    return {
        "pair": book.pair,
        "bid_levels": len(book.bids),
        "ask_levels": len(book.asks),
        "best_bid": book.bids[0] if book.bids else None,
        "best_ask": book.asks[0] if book.asks else None,
    }
