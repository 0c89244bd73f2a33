"""Actions of the Mt.Gox integration: place, cancel and list orders.

The actions move money, so every one is for administrators only and none is
ever retried: when the exchange may have placed an order without confirming
it, the action says so and refreshes the account instead of trying again.

Amounts and prices travel as exact decimal strings padded to the currency's
decimals, like the API's own ``value`` fields ("0.50000000" BTC, "91.25000"
USD), so that no float ever rounds a balance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .api import (
    MtGoxAmountError,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxOrderNotFoundError,
    MtGoxOrderPlacedError,
    MtGoxOrderUnknownError,
    MtGoxRateLimitError,
)
from .api.models import PAIR_PATTERN
from .api.money import format_amount, order_amount
from .compat import ATTR_CONFIG_ENTRY_ID, admin_only, vol_schema
from .const import BITCOIN, DOMAIN, LOGGER, MIN_ORDER_AMOUNT, RIGHT_TRADE
from .helpers import (
    SIDES,
    amount_error,
    order_data,
    pair_label,
    pair_labels,
    plain,
    translated_client_errors,
)

if TYPE_CHECKING:
    from decimal import Decimal

    from .api import MtGoxClient, Order, Side
    from .coordinator import MtGoxConfigEntry, MtGoxDataUpdateCoordinator

SERVICE_PLACE_ORDER: Final = "place_order"
SERVICE_CANCEL_ORDER: Final = "cancel_order"
SERVICE_GET_ORDERS: Final = "get_orders"
SERVICE_GET_QUOTE: Final = "get_quote"

ATTR_SIDE: Final = "side"
ATTR_AMOUNT: Final = "amount"
ATTR_PRICE: Final = "price"
ATTR_PAIR: Final = "pair"
ATTR_ORDER_ID: Final = "order_id"

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
GET_QUOTE_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_SIDE): vol.In(SIDES),
        vol.Required(ATTR_AMOUNT): cv.string,
        vol.Optional(ATTR_PAIR): cv.string,
    }
)
# What a cancel_order response leaves empty for an order the entry never saw.
UNKNOWN_ORDER_FIELDS: Final = ("pair", "side", "amount", "price", "currency")
CANCEL_ORDER_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {vol.Required(ATTR_ORDER_ID): cv.string}
)


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


def _requested_number(call: ServiceCall, field: str, currency: str) -> Decimal:
    """Return an action's amount or price, if the exchange can take it."""
    try:
        return order_amount(call.data[field], currency)
    except MtGoxAmountError as err:
        raise amount_error(err, field) from err


def _requested_pair(call: ServiceCall, coordinator: MtGoxDataUpdateCoordinator) -> str:
    """Return the pair to trade: the one asked for, or the first tracked one."""
    # "BTC/USD", as every text writes it, is read as BTCUSD.
    asked: str = call.data.get(ATTR_PAIR, coordinator.pairs[0])
    pair = asked.strip().upper().replace("/", "")
    if pair not in coordinator.pairs:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="pair_not_tracked",
            translation_placeholders={
                "pair": pair_label(pair) if PAIR_PATTERN.fullmatch(pair) else asked,
                "tracked_pairs": pair_labels(coordinator.pairs),
            },
        )
    return pair


async def _async_check_traded(entry: MtGoxConfigEntry, pair: str) -> None:
    """Refuse a pair the server does not trade, by its list, asked once per load.

    A server that cannot say which pairs it trades is not asked again until
    the entry reloads, and does not stop the order: the exchange judges it.
    Unreachable or blocking, it could not take the order either: that error
    is the action's, and the list is asked again next time.
    """
    runtime = entry.runtime_data
    if runtime.traded_pairs is None:
        try:
            runtime.traded_pairs = await runtime.client.traded_pairs()
        except (MtGoxConnectionError, MtGoxRateLimitError):
            raise
        except MtGoxError as err:
            LOGGER.info("Could not read the pairs the server trades: %s", err)
            runtime.traded_pairs = ()
    if runtime.traded_pairs and pair not in runtime.traded_pairs:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="pair_not_traded",
            translation_placeholders={
                "pair": pair_label(pair),
                "traded_pairs": pair_labels(runtime.traded_pairs),
            },
        )


def _requested_amount(
    call: ServiceCall, coordinator: MtGoxDataUpdateCoordinator
) -> Decimal:
    """Return the BTC amount, between the exchange's minimum and the set maximum."""
    amount = _requested_number(call, ATTR_AMOUNT, BITCOIN)
    if amount < MIN_ORDER_AMOUNT:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="amount_below_minimum",
            translation_placeholders={
                "amount": plain(amount),
                "minimum": plain(MIN_ORDER_AMOUNT),
            },
        )
    if amount > coordinator.max_order_amount:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="amount_above_maximum",
            translation_placeholders={
                "amount": plain(amount),
                "maximum": plain(coordinator.max_order_amount),
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
        else _requested_number(call, ATTR_PRICE, quote)
    )
    if RIGHT_TRADE not in coordinator.data.account.rights:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="trade_right_missing",
            translation_placeholders={"title": entry.title},
        )
    async with translated_client_errors():
        await _async_check_traded(entry, pair)
    side_name: str = call.data[ATTR_SIDE]
    side = SIDES[side_name]
    client = entry.runtime_data.client
    order_id: str | None
    async with translated_client_errors():
        try:
            order_id = await client.add_order(pair, side, amount, price)
            coordinator.orders.remember_placed(order_id, pair, side, amount, price)
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
                    "amount": plain(amount),
                    "pair": pair_label(pair),
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
    """Cancel one open order, with a single request, and describe it.

    The order comes from the last refresh, else from the orders this entry
    placed (the exchange's order list is cached for 10 s and may not show an
    order placed just now). An order seen in neither is cancelled on the first
    tracked pair, as API v1 and v2 find it by its id alone, and described by its
    id only: the exchange's reply names no more than that.
    """
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    order_id: str = call.data[ATTR_ORDER_ID].strip()
    coordinator = entry.runtime_data.coordinator
    order = _known_order(coordinator, order_id)
    pair, side = (
        (coordinator.pairs[0], None) if order is None else (order.pair, order.side)
    )
    async with translated_client_errors():
        try:
            await entry.runtime_data.client.cancel_order(pair, order_id, side)
        except MtGoxOrderNotFoundError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="order_not_found",
                translation_placeholders={"order_id": order_id},
            ) from err
    coordinator.orders.placed.pop(order_id, None)
    await coordinator.async_request_refresh()
    if not call.return_response:
        return None
    if order is None:
        return {"order_id": order_id} | dict.fromkeys(UNKNOWN_ORDER_FIELDS)
    return order_data(order, amount=order.amount)


def _known_order(
    coordinator: MtGoxDataUpdateCoordinator, order_id: str
) -> Order | None:
    """Return the open order as last seen, or as this entry placed it."""
    for order in coordinator.data.orders:
        if order.oid == order_id:
            return order
    return coordinator.orders.placed.get(order_id)


async def _async_get_orders(call: ServiceCall) -> ServiceResponse:
    """Return the account's open orders, as the exchange lists them."""
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    async with translated_client_errors():
        open_orders = await entry.runtime_data.client.open_orders()
    return {
        "orders": [
            order_data(
                order, amount=order.amount, effective_amount=order.effective_amount
            )
            | {"status": order.status, "date": order.date.isoformat()}
            for order in open_orders
        ]
    }


async def _async_get_quote(call: ServiceCall) -> ServiceResponse:
    """Say what a market order would cost or fetch now, as the book stands.

    Checked like an order (pair, amount, the set maximum), so the quote is of
    an order the account could place.
    """
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    coordinator = entry.runtime_data.coordinator
    pair = _requested_pair(call, coordinator)
    amount = _requested_amount(call, coordinator)
    side_name: str = call.data[ATTR_SIDE]
    async with translated_client_errors():
        total = await entry.runtime_data.client.quote(pair, SIDES[side_name], amount)
    currency = pair.removeprefix(BITCOIN)
    return {
        "pair": pair,
        "side": side_name,
        "amount": format_amount(amount, BITCOIN),
        "total": format_amount(total, currency),
        "currency": currency,
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the order actions, once for every Mt.Gox config entry."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_PLACE_ORDER,
        admin_only(hass, _async_place_order),
        schema=vol_schema(PLACE_ORDER_SCHEMA),
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CANCEL_ORDER,
        admin_only(hass, _async_cancel_order),
        schema=vol_schema(CANCEL_ORDER_SCHEMA),
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_ORDERS,
        admin_only(hass, _async_get_orders),
        schema=vol_schema(ENTRY_SCHEMA),
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_QUOTE,
        admin_only(hass, _async_get_quote),
        schema=vol_schema(GET_QUOTE_SCHEMA),
        supports_response=SupportsResponse.ONLY,
    )
