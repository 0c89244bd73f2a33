"""Persistence of the API nonce high-water mark across restarts."""

from __future__ import annotations

from typing import Self, TypedDict

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api import NonceSource
from .const import DOMAIN, NONCE_SAVE_DELAY, NONCE_STORAGE_VERSION


class _StoredNonce(TypedDict):
    high_water: int


def _store(hass: HomeAssistant, entry_id: str) -> Store[_StoredNonce]:
    return Store(hass, NONCE_STORAGE_VERSION, f"{DOMAIN}.{entry_id}.nonce")


class NonceStore:
    """The nonce source of a config entry's key, saved as it advances.

    Mt.Gox rejects any nonce not above the last one it saw for the key, so a
    restart must never start below it, even if the clock went backwards. Every
    client of the key shares ``source``: its lock keeps their nonces reaching
    the exchange in order.
    """

    def __init__(self, store: Store[_StoredNonce], high_water: int) -> None:
        """Wrap a loaded store; use async_load."""
        self._store = store
        self.source = NonceSource(high_water, on_change=self._async_changed)

    @classmethod
    async def async_load(cls, hass: HomeAssistant, entry_id: str) -> Self:
        """Load the mark of a config entry and continue above it."""
        store = _store(hass, entry_id)
        stored = await store.async_load()
        return cls(store, stored["high_water"] if stored else 0)

    @staticmethod
    async def async_remove(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the mark of a removed config entry."""
        await _store(hass, entry_id).async_remove()

    @callback
    def _async_changed(self, high_water: int) -> None:
        """Save the new mark soon; batching keeps busy polling cheap."""
        self._store.async_delay_save(self._data, NONCE_SAVE_DELAY.total_seconds())

    async def async_flush(self) -> None:
        """Write the mark now, so a reload or a new client starts above it."""
        await self._store.async_save(self._data())

    def _data(self) -> _StoredNonce:
        return {"high_water": self.source.high_water}
