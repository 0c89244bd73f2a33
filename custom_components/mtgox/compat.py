"""Every difference between Home Assistant 2025.4 and 2026.10 the integration meets.

Raising the minimum version deletes code here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers.update_coordinator import UpdateFailed

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from homeassistant.components.recorder.models import (
        StatisticMeanType,
        StatisticMetaData,
    )
    from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
    from homeassistant.helpers.typing import VolSchemaType

    # Home Assistant 2025.x types repair steps as FlowResult, 2026 as RepairsFlowResult.
    try:
        from homeassistant.components.repairs import (  # type: ignore[attr-defined,unused-ignore]
            RepairsFlowResult,
        )
    except ImportError:
        from homeassistant.data_entry_flow import (  # type: ignore[assignment,unused-ignore]
            FlowResult as RepairsFlowResult,  # noqa: TC004 - in __all__ for type checkers only
        )

    type ServiceHandler = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]

# Home Assistant 2026.9+ validates forms with probatio and type checkers see the
# real voluptuous installed beside it, whose Schema its flow methods refuse.
try:
    import probatio as flow_vol  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - up to 2026.8 (run by the 2025.4 leg only)
    import voluptuous as flow_vol  # type: ignore[no-redef,unused-ignore]

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
"""homeassistant.const of 2025.4 has no ATTR_CONFIG_ENTRY_ID."""

__all__ = [
    "ATTR_CONFIG_ENTRY_ID",
    "RateLimitedUpdateFailed",
    "RepairsFlowResult",
    "admin_only",
    "flow_vol",
    "statistic_metadata",
    "vol_schema",
]


class RateLimitedUpdateFailed(UpdateFailed):
    """A refresh refused by the exchange's anti-DDoS block.

    ``retry_after`` is set as an attribute: Home Assistant 2025.4's
    ``UpdateFailed`` has no such keyword, newer versions read the attribute
    to delay the next refresh.
    """

    retry_after: float | None


def vol_schema(schema: object) -> VolSchemaType:
    """Type a voluptuous schema for the helpers that take one.

    From Home Assistant 2026.9 on ``voluptuous`` is probatio's stand-in at run
    time, while type checkers still see the real voluptuous package.
    """
    return cast("VolSchemaType", schema)


def admin_only(hass: HomeAssistant, handler: ServiceHandler) -> ServiceHandler:
    """Refuse ``handler`` to anyone but an administrator.

    What ``async_register_admin_service`` does, for actions that return data:
    it takes no ``supports_response`` before Home Assistant 2025.5. Calls
    without a user (automations, scripts) run as the system.
    """

    async def admin_handler(call: ServiceCall) -> ServiceResponse:
        """Check the caller, then run the action."""
        if call.context.user_id:
            user = await hass.auth.async_get_user(call.context.user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(call)

    return admin_handler


def statistic_metadata(
    *,
    statistic_id: str,
    name: str,
    unit: str,
    mean_type: StatisticMeanType,
    has_sum: bool,
) -> StatisticMetaData:
    """Describe an external statistic without a unit converter.

    Home Assistant 2026.10 wants ``unit_class`` (None: no conversion) and
    warns without it; 2025.4 has no such key. The recorder is imported here,
    not at the top, so that it loads only where statistics are written.
    """
    from homeassistant.components.recorder.models import (
        StatisticMetaData,
    )

    metadata: dict[str, Any] = {
        "statistic_id": statistic_id,
        "source": statistic_id.partition(":")[0],
        "name": name,
        "unit_of_measurement": unit,
        "mean_type": mean_type,
        "has_sum": has_sum,
    }
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = None
    return cast("StatisticMetaData", metadata)
