"""Repairs for the Mt.Gox integration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .compat import RepairsFlowResult


class WithdrawRightRepairFlow(ConfirmRepairFlow):
    """Replace a key that can withdraw: confirming opens re-authentication."""

    def __init__(self, entry_id: str) -> None:
        """Remember the config entry whose key holds the withdraw right."""
        super().__init__()
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start the entry's reauth flow, where the user enters the new key."""
        if user_input is not None and (
            entry := self.hass.config_entries.async_get_entry(self._entry_id)
        ):
            entry.async_start_reauth(self.hass)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Create the flow that fixes one of this integration's issues."""
    entry_id = (data or {}).get("entry_id")
    if not issue_id.startswith("withdraw_right_") or not isinstance(entry_id, str):
        raise ValueError(f"Unknown repair {issue_id}")
    return WithdrawRightRepairFlow(entry_id)
