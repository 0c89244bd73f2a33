"""The devices of an entry: its account, and each pair it tracks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import MtGoxDataUpdateCoordinator


def account_device_identifier(account_id: str) -> tuple[str, str]:
    """Identify the device of an account."""
    return (DOMAIN, account_id)


def pair_device_identifier(account_id: str, pair: str) -> tuple[str, str]:
    """Identify the device of a pair tracked by an account."""
    return (DOMAIN, f"{account_id}_{pair}")


def served_device_identifiers(
    coordinator: MtGoxDataUpdateCoordinator,
) -> set[tuple[str, str]]:
    """Return the identifiers of the devices the current options feed."""
    account_id = coordinator.data.account.account_id
    return {
        account_device_identifier(account_id),
        *(pair_device_identifier(account_id, pair) for pair in coordinator.pairs),
    }
