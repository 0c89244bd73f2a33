"""Assist intents of the Mt.Gox integration: questions about market and account.

Home Assistant's built-in ``HassGetState`` already answers "what is the
Bitcoin USD price" from the sensors' names.  These handlers answer the shorter
questions people ask, "what is the bitcoin price" and "what is my Mt.Gox
balance", with sentences that users copy from ``custom_sentences/en/mtgox.yaml``
(an integration cannot add sentences to the default agent itself), and their
descriptions and slot schemas make them the tools Assist offers a language
model (``llm.py``).  Every answer comes only from sensors the owner exposed to
the assistant that asks (``exposure.py``); ``assist.py`` holds what the
handlers share.  No intent places or cancels an
order: those stay actions, for administrators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import intent

from .api import MtGoxAmountError, MtGoxError, Side
from .api.money import order_amount
from .assist import (
    CURRENCY_SLOT_SCHEMA,
    AccountQuestionHandler,
    PerAccountHandler,
    asked_pair,
    fresh,
    requested_currency,
    spoken_amount,
)
from .compat import vol_schema
from .const import BITCOIN, MIN_ORDER_AMOUNT

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant

    from .coordinator import MtGoxDataUpdateCoordinator
    from .exposure import Exposure

__all__ = ["spoken_amount"]

INTENT_GET_PRICE: Final = "MtGoxGetPrice"
INTENT_GET_BALANCE: Final = "MtGoxGetBalance"
INTENT_GET_PORTFOLIO_VALUE: Final = "MtGoxGetPortfolioValue"
INTENT_GET_OPEN_ORDERS: Final = "MtGoxGetOpenOrders"
INTENT_GET_ENGINE_LAG: Final = "MtGoxGetEngineLag"
INTENT_GET_QUOTE: Final = "MtGoxGetQuote"
SLOT_SIDE: Final = "side"
SLOT_AMOUNT: Final = "amount"

QUOTE_SIDES: Final = {"buy": Side.BID, "sell": Side.ASK}
QUOTE_SLOT_SCHEMA: Final[dict[Any, Any]] = {
    vol.Required(SLOT_SIDE): vol_schema(vol.In(list(QUOTE_SIDES))),
    vol.Required(SLOT_AMOUNT): vol_schema(cv.string),
    **CURRENCY_SLOT_SCHEMA,
}


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the intents, once for every account.

    Home Assistant's intent integration calls this, as the intent platform of
    every integration it finds loaded.
    """
    for handler in READ_ONLY_HANDLERS:
        intent.async_register(hass, handler())


class GetPriceIntentHandler(AccountQuestionHandler):
    """Say the last bitcoin price, in the first exposed pair or a given currency."""

    intent_type = INTENT_GET_PRICE
    description = (
        "Gets the last price of a bitcoin on Mt.Gox, in a given currency code "
        "such as USD or EUR, or in the first tracked currency"
    )

    async def _async_speech(
        self,
        coordinators: list[MtGoxDataUpdateCoordinator],
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> str:
        """Find the pair's last price and say it with its currency."""
        coordinator, pair = asked_pair(coordinators, exposure, slots)
        # After a failed refresh the sensors are unavailable: so is the answer.
        ticker = (
            coordinator.data.tickers.get(pair)
            if coordinator.last_update_success
            else None
        )
        if ticker is None:
            raise intent.IntentHandleError(
                f"The Mt.Gox price in {pair[3:]} is unavailable right now"
            )
        return (
            f"The bitcoin price on Mt.Gox is {spoken_amount(ticker.last)} "
            f"{ticker.currency}"
        )


class GetBalanceIntentHandler(PerAccountHandler):
    """Say the balance of every exposed wallet, or of one currency's wallet."""

    intent_type = INTENT_GET_BALANCE
    description = (
        "Gets the balance of the Mt.Gox account: every wallet and their total "
        "value, or only the wallet of a given currency code such as BTC or USD"
    )
    what = "balance"
    speech = "Your Mt.Gox balance is {}"
    several_speech = "Your Mt.Gox balances are {}"

    def _exposed(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> bool:
        """Answer for an account that exposes the wallet asked for, or any wallet."""
        if (currency := requested_currency(slots)) is not None:
            return exposure.shows(coordinator, f"{currency}_balance")
        return any(
            exposure.shows(coordinator, f"{code}_balance")
            for code in coordinator.data.account.wallets
        )

    def _answer(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> str:
        """Describe one account's balance, of one wallet or of the exposed ones."""
        fresh(coordinator, self.what)
        data = coordinator.data
        wallets = data.account.wallets
        if (currency := requested_currency(slots)) is not None:
            if currency in data.account.invalid_wallets:
                raise intent.IntentHandleError(
                    f"The Mt.Gox {currency} balance is unavailable right now"
                )
            if currency not in wallets:
                raise intent.IntentHandleError(f"The Mt.Gox account has no {currency}")
            return f"{spoken_amount(wallets[currency].balance)} {currency}"
        held = [
            f"{spoken_amount(wallet.balance)} {code}"
            for code, wallet in sorted(
                wallets.items(), key=lambda item: (item[0] != BITCOIN, item[0])
            )
            if wallet.balance and exposure.shows(coordinator, f"{code}_balance")
        ]
        if not held:
            return "0"
        text = held[0] if len(held) == 1 else f"{', '.join(held[:-1])} and {held[-1]}"
        value = data.portfolio_value(coordinator.valuation_currency)
        if (
            value is None
            or len(held) == 1
            or not exposure.shows(coordinator, "portfolio_value")
        ):
            return text
        return f"{text}, worth {spoken_amount(value)} {coordinator.valuation_currency}"


class GetPortfolioValueIntentHandler(PerAccountHandler):
    """Say what all the account's wallets are worth at the last prices."""

    intent_type = INTENT_GET_PORTFOLIO_VALUE
    description = (
        "Gets the total value of the Mt.Gox account's wallets at the last "
        "prices, in the account's valuation currency"
    )
    slot_schema = None
    sensor_key = "portfolio_value"
    what = "portfolio value"
    speech = "Your Mt.Gox portfolio is worth {}"
    several_speech = "Your Mt.Gox portfolios are worth {}"

    def _figure(self, coordinator: MtGoxDataUpdateCoordinator) -> str:
        """Return the value, or say which prices it lacks."""
        currency = coordinator.valuation_currency
        value = coordinator.data.portfolio_value(currency)
        if value is None:
            raise intent.IntentHandleError(
                f"The Mt.Gox portfolio value in {currency} is unknown: "
                "a wallet's pair is not tracked"
            )
        return f"{spoken_amount(value)} {currency}"


class GetOpenOrdersIntentHandler(PerAccountHandler):
    """Say how many orders are open, and what they are."""

    intent_type = INTENT_GET_OPEN_ORDERS
    description = (
        "Lists the open orders of the Mt.Gox account: side, amount of bitcoin "
        "and limit price of each, as of the last refresh"
    )
    slot_schema = None
    sensor_key = "open_orders"
    what = "open orders"
    speech = "Your Mt.Gox open orders: {}"
    several_speech = "Your Mt.Gox open orders: {}"

    def _figure(self, coordinator: MtGoxDataUpdateCoordinator) -> str:
        """Describe each open order in a few words."""
        orders = coordinator.data.orders
        if not orders:
            return "none"
        described = [
            f"{'buy' if order.side is Side.BID else 'sell'} "
            f"{spoken_amount(order.amount)} {BITCOIN}"
            + (
                ""
                if order.price is None
                else f" at {spoken_amount(order.price)} {order.currency}"
            )
            for order in orders
        ]
        return f"{len(orders)}, " + ", ".join(described)


class GetEngineLagIntentHandler(PerAccountHandler):
    """Say how long the exchange's engine takes to reach a new order."""

    intent_type = INTENT_GET_ENGINE_LAG
    description = (
        "Gets the Mt.Gox trading engine's lag: how many seconds a new order "
        "waits before the engine matches it"
    )
    slot_schema = None
    sensor_key = "engine_lag"
    what = "engine lag"
    speech = "The Mt.Gox engine lag is {}"
    several_speech = "The Mt.Gox engine lag is {}"

    def _figure(self, coordinator: MtGoxDataUpdateCoordinator) -> str:
        """Return the lag of the last refresh, which read it if the sensor is on."""
        if (lag := coordinator.data.lag) is None:
            raise intent.IntentHandleError(
                "The Mt.Gox engine lag is unavailable right now"
            )
        return f"{spoken_amount(lag)} seconds"


class GetQuoteIntentHandler(AccountQuestionHandler):
    """Say what buying or selling an amount at market would cost or fetch now."""

    intent_type = INTENT_GET_QUOTE
    description = (
        "Gets what buying or selling an amount of bitcoin at market on Mt.Gox "
        "would cost or fetch now, from the order book, in a given currency code "
        "or the first tracked one; it places no order"
    )
    slot_schema = QUOTE_SLOT_SCHEMA

    async def _async_speech(
        self,
        coordinators: list[MtGoxDataUpdateCoordinator],
        exposure: Exposure,
        slots: dict[str, Any],
    ) -> str:
        """Ask the exchange for the quote, one request, and say it."""
        coordinator, pair = asked_pair(coordinators, exposure, slots)
        side = str(slots[SLOT_SIDE]["value"])
        try:
            amount = order_amount(str(slots[SLOT_AMOUNT]["value"]), BITCOIN)
        except MtGoxAmountError as err:
            raise intent.IntentHandleError(f"Not an amount of bitcoin: {err}") from err
        if amount < MIN_ORDER_AMOUNT:
            raise intent.IntentHandleError(
                f"Mt.Gox quotes at least {spoken_amount(MIN_ORDER_AMOUNT)} BTC"
            )
        try:
            total = await coordinator.client.quote(pair, QUOTE_SIDES[side], amount)
        except MtGoxError as err:
            raise intent.IntentHandleError(
                "The Mt.Gox quote is unavailable right now"
            ) from err
        verb = "would cost" if side == "buy" else "would fetch"
        return (
            f"To {side} {spoken_amount(amount)} BTC on Mt.Gox now {verb} "
            f"{spoken_amount(total)} {pair[3:]}"
        )


READ_ONLY_HANDLERS: Final[tuple[Callable[[], intent.IntentHandler], ...]] = (
    GetPriceIntentHandler,
    GetBalanceIntentHandler,
    GetPortfolioValueIntentHandler,
    GetOpenOrdersIntentHandler,
    GetEngineLagIntentHandler,
    GetQuoteIntentHandler,
)
"""Every intent: all read-only, so all may be offered to a language model."""
