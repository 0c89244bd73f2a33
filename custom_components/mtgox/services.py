"""Actions of the Mt.Gox integration: place, cancel and list orders.

The actions move money, so every one is for administrators only and none is
ever retried: when the exchange may have placed an order without confirming
it, the action says so and refreshes the account instead of trying again.

Amounts and prices travel as exact decimal strings padded to the currency's
decimals, like the API's own ``value`` fields ("0.50000000" BTC, "91.25000"
USD), so that no float ever rounds a balance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, cast

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import config_validation as cv

from .api import (
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxOrderPlacedError,
    MtGoxOrderRejectedError,
    MtGoxOrderUnknownError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    Side,
)
from .api.money import decimal_places, format_amount
from .const import BITCOIN, DOMAIN, LOGGER, MIN_ORDER_AMOUNT, RIGHT_TRADE
from .coordinator import ORDER_NOT_FOUND

if TYPE_CHECKING:
    from homeassistant.helpers.typing import VolSchemaType
    from homeassistant.util.json import JsonObjectType

    from .api import MtGoxClient, Order
    from .coordinator import MtGoxConfigEntry, MtGoxDataUpdateCoordinator

SERVICE_PLACE_ORDER: Final = "place_order"
SERVICE_CANCEL_ORDER: Final = "cancel_order"
SERVICE_GET_ORDERS: Final = "get_orders"

# homeassistant.const of 2025.4 has no ATTR_CONFIG_ENTRY_ID.
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_SIDE: Final = "side"
ATTR_AMOUNT: Final = "amount"
ATTR_PRICE: Final = "price"
ATTR_PAIR: Final = "pair"
ATTR_ORDER_ID: Final = "order_id"

SIDE_BUY: Final = "buy"
SIDE_SELL: Final = "sell"
SIDES: Final[dict[str, Side]] = {SIDE_BUY: Side.BID, SIDE_SELL: Side.ASK}
SIDE_NAMES: Final[dict[Side, str]] = {side: name for name, side in SIDES.items()}

BTC_DECIMALS: Final = decimal_places(BITCOIN)
MAX_INTEGER_UNITS: Final = 2**63
"""Bound of ``amount_int``/``price_int``: a signed 64-bit integer, like the nonce."""
# How much of a placed order the exchange had filled when asked right after.
STATUS_FILLED: Final = "filled"
STATUS_PARTIALLY_FILLED: Final = "partially_filled"
STATUS_UNFILLED: Final = "unfilled"
STATUS_UNKNOWN: Final = "unknown"

ENTRY_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
# Amounts and prices are numbers or strings; cv.string keeps a string as typed and
# writes a number the shortest way that reads back the same, so Decimal sees
# "0.1", never 0.1000000000000000055511151231257827.  The handler checks them,
# so that every refusal is a translated error.
PLACE_ORDER_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_SIDE): vol.In(SIDES),
        vol.Required(ATTR_AMOUNT): cv.string,
        vol.Optional(ATTR_PRICE): cv.string,
        vol.Optional(ATTR_PAIR): cv.string,
    }
)
CANCEL_ORDER_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {vol.Required(ATTR_ORDER_ID): cv.string}
)

type ServiceHandler = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> MtGoxConfigEntry:
    """Return the loaded Mt.Gox config entry ``entry_id``, or refuse the call."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="config_entry_not_found",
            translation_placeholders={"config_entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="config_entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    loaded_entry: MtGoxConfigEntry = entry
    return loaded_entry


def _fraction_digits(number: Decimal) -> int:
    """Return how many decimals a finite number needs ("1.50" needs one)."""
    _, digits, exponent = number.as_tuple()
    trailing_zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))
    # Only NaN and the infinities have a letter for an exponent.
    return max(0, -cast("int", exponent) - trailing_zeros)


def _positive_decimal(field: str, text: str, max_decimals: int) -> Decimal:
    """Parse ``text`` as a positive number with at most ``max_decimals`` decimals.

    It must also fit the API's 64-bit integer units (``amount_int``,
    ``price_int``), which bounds the work a huge exponent could cause.
    """
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    placeholders = {"field": field, "value": text}
    if not number.is_finite():
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_number",
            translation_placeholders=placeholders,
        )
    if number <= 0:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_positive",
            translation_placeholders=placeholders,
        )
    if number >= Decimal(MAX_INTEGER_UNITS).scaleb(-max_decimals):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="number_too_large",
            translation_placeholders=placeholders,
        )
    if _fraction_digits(number) > max_decimals:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="too_many_decimals",
            translation_placeholders={**placeholders, "decimals": str(max_decimals)},
        )
    return number


@asynccontextmanager
async def _translated_client_errors() -> AsyncIterator[None]:
    """Turn the client's errors into translated Home Assistant errors."""
    try:
        yield
    except MtGoxOrderRejectedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="order_rejected",
            translation_placeholders={"message": err.message},
        ) from err
    except MtGoxAuthenticationError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="action_authentication_failed",
            translation_placeholders={"message": err.message},
        ) from err
    except MtGoxApiError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="action_api_error",
            translation_placeholders={"message": err.message},
        ) from err
    except MtGoxRateLimitError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="action_rate_limited",
            translation_placeholders={"error": str(err)},
        ) from err
    except MtGoxConnectionError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="action_cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err
    except MtGoxResponseError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="action_invalid_response",
            translation_placeholders={"error": str(err)},
        ) from err


def _order_data(order: Order) -> JsonObjectType:
    """Describe an open order for response data."""
    return {
        "order_id": order.oid,
        "pair": order.pair,
        "side": SIDE_NAMES[order.side],
        "amount": format_amount(order.amount, BITCOIN),
        "effective_amount": format_amount(order.effective_amount, BITCOIN),
        "price": (
            None if order.price is None else format_amount(order.price, order.currency)
        ),
        "currency": order.currency,
        "status": order.status,
        "date": order.date.isoformat(),
    }


def _requested_pair(call: ServiceCall, coordinator: MtGoxDataUpdateCoordinator) -> str:
    """Return the pair to trade: the one asked for, or the first tracked one."""
    tracked_pairs = coordinator.pairs
    pair: str = call.data.get(ATTR_PAIR, tracked_pairs[0]).strip().upper()
    if pair not in tracked_pairs:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="pair_not_tracked",
            translation_placeholders={
                "pair": pair,
                "tracked_pairs": ", ".join(tracked_pairs),
            },
        )
    return pair


def _requested_amount(
    call: ServiceCall, coordinator: MtGoxDataUpdateCoordinator
) -> Decimal:
    """Return the BTC amount, between the exchange's minimum and the set maximum."""
    amount = _positive_decimal(ATTR_AMOUNT, call.data[ATTR_AMOUNT], BTC_DECIMALS)
    if amount < MIN_ORDER_AMOUNT:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="amount_below_minimum",
            translation_placeholders={
                "amount": format(amount, "f"),
                "minimum": format(MIN_ORDER_AMOUNT, "f"),
            },
        )
    if amount > coordinator.max_order_amount:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="amount_above_maximum",
            translation_placeholders={
                "amount": format(amount, "f"),
                "maximum": format(coordinator.max_order_amount, "f"),
            },
        )
    return amount


async def _async_fill_status(
    client: MtGoxClient, side: Side, order_id: str, amount: Decimal
) -> tuple[str, Decimal | None]:
    """Return how much of a placed order is filled, and that as a status.

    Read from ``order/result``, which the exchange never caches, whereas its
    list of open orders may be 10 seconds old.  The order is placed whatever
    happens here, so a failure only makes the status ``unknown``.
    """
    try:
        result = await client.order_result(side, order_id)
    except MtGoxError as err:
        LOGGER.warning(
            "Placed order %s, but could not read its fills: %s", order_id, err
        )
        return STATUS_UNKNOWN, None
    filled = result.total_amount
    if filled >= amount:
        return STATUS_FILLED, filled
    return (STATUS_PARTIALLY_FILLED if filled else STATUS_UNFILLED), filled


async def _async_place_order(call: ServiceCall) -> ServiceResponse:
    """Place one order, once, and describe it."""
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    coordinator = entry.runtime_data.coordinator
    pair = _requested_pair(call, coordinator)
    amount = _requested_amount(call, coordinator)
    quote = pair.removeprefix(BITCOIN)
    price = (
        None
        if ATTR_PRICE not in call.data
        else _positive_decimal(ATTR_PRICE, call.data[ATTR_PRICE], decimal_places(quote))
    )
    if RIGHT_TRADE not in coordinator.data.account.rights:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="trade_right_missing",
            translation_placeholders={"title": entry.title},
        )
    side_name: str = call.data[ATTR_SIDE]
    side = SIDES[side_name]
    client = entry.runtime_data.client
    order_id: str | None
    async with _translated_client_errors():
        try:
            order_id = await client.add_order(pair, side, amount, price)
            coordinator.remember_placed_order(order_id, pair, side)
        except MtGoxOrderPlacedError:
            # API v0: placed, but the reply did not say which order it is.
            order_id = None
        except MtGoxOrderUnknownError as err:
            # The exchange may hold the order: show what it holds, never retry.
            await coordinator.async_request_refresh()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="order_outcome_unknown",
                translation_placeholders={
                    "side": side_name,
                    "amount": format(amount, "f"),
                    "pair": pair,
                },
            ) from err
    # Balances and open orders changed.
    await coordinator.async_request_refresh()
    if not call.return_response:
        # Reading the fills would only spend a request of the exchange's limit.
        return None
    status, filled_amount = (
        (STATUS_UNKNOWN, None)
        if order_id is None
        else await _async_fill_status(client, side, order_id, amount)
    )
    return {
        "order_id": order_id,
        "pair": pair,
        "side": side_name,
        "amount": format_amount(amount, BITCOIN),
        "price": None if price is None else format_amount(price, quote),
        "status": status,
        "filled_amount": (
            None if filled_amount is None else format_amount(filled_amount, BITCOIN)
        ),
    }


async def _async_cancel_order(call: ServiceCall) -> ServiceResponse:
    """Cancel one open order, with a single request.

    The pair and side come from the last refresh, else from the orders this
    entry placed (the exchange's order list is cached for 10 s and may not
    show an order placed just now), else the first tracked pair: API v1 and v2
    find the order by its id alone, whatever pair the path names.
    """
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    order_id: str = call.data[ATTR_ORDER_ID].strip()
    coordinator = entry.runtime_data.coordinator
    pair, side = _pair_and_side_of(coordinator, order_id)
    try:
        async with _translated_client_errors():
            await entry.runtime_data.client.cancel_order(pair, order_id, side)
    except HomeAssistantError as err:
        if (
            isinstance(cause := err.__cause__, MtGoxApiError)
            and cause.message.casefold() == ORDER_NOT_FOUND.casefold()
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="order_not_found",
                translation_placeholders={"order_id": order_id},
            ) from cause
        raise
    coordinator.placed_orders.pop(order_id, None)
    await coordinator.async_request_refresh()
    return None


def _pair_and_side_of(
    coordinator: MtGoxDataUpdateCoordinator, order_id: str
) -> tuple[str, Side | None]:
    """Return the pair (and side, when known) an order is to be cancelled on."""
    for order in coordinator.data.orders:
        if order.oid == order_id:
            return order.pair, order.side
    if order_id in coordinator.placed_orders:
        return coordinator.placed_orders[order_id]
    return coordinator.pairs[0], None


async def _async_get_orders(call: ServiceCall) -> ServiceResponse:
    """Return the account's open orders, as the exchange lists them."""
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    async with _translated_client_errors():
        open_orders = await entry.runtime_data.client.open_orders()
    return {"orders": [_order_data(order) for order in open_orders]}


def _admin_only(hass: HomeAssistant, handler: ServiceHandler) -> ServiceHandler:
    """Refuse ``handler`` to anyone but an administrator.

    What ``async_register_admin_service`` does, for actions that return data:
    it takes no ``supports_response`` before Home Assistant 2025.5.  Calls
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


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the order actions, once for every Mt.Gox config entry.

    The schemas are cast because from Home Assistant 2026.9 on ``voluptuous``
    is probatio's stand-in at run time, while type checkers still see the real
    voluptuous package installed beside it.
    """
    hass.services.async_register(
        DOMAIN,
        SERVICE_PLACE_ORDER,
        _admin_only(hass, _async_place_order),
        schema=cast("VolSchemaType", PLACE_ORDER_SCHEMA),
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CANCEL_ORDER,
        _admin_only(hass, _async_cancel_order),
        schema=cast("VolSchemaType", CANCEL_ORDER_SCHEMA),
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_ORDERS,
        _admin_only(hass, _async_get_orders),
        schema=cast("VolSchemaType", ENTRY_SCHEMA),
        supports_response=SupportsResponse.ONLY,
    )
