"""Price, balance and account sensors of the Mt.Gox integration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback

from .book import BOOK_SENSORS, MtGoxBookSensorEntityDescription
from .const import BITCOIN
from .diagnostic_sensors import (
    ENGINE_LAG_SENSOR,
    STREAM_SENSOR,
    MtGoxEngineLagSensor,
    MtGoxStreamSensor,
)
from .entity import MtGoxAccountEntity, MtGoxPairEntity, exact_state
from .push_topics import Part, Topic

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from decimal import Decimal

    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Ticker, Wallet
    from .coordinator import MtGoxConfigEntry, MtGoxDataUpdateCoordinator

# Every sensor reads the coordinator's data; none talks to the exchange.
PARALLEL_UPDATES = 0

# The decimals people read an amount with; the state keeps the exchange's
# exact value (5 decimals for USD, 3 for JPY) and the frontend rounds it.
DISPLAY_DECIMALS: Final[Mapping[str, int]] = {BITCOIN: 8, "JPY": 0}
FIAT_DISPLAY_DECIMALS: Final = 2

# No money sensor has the monetary device class: Home Assistant allows it only
# with the "total" state class, and prices need "measurement" (their long-term
# statistics are a mean, not a sum). Monetary balances would show "$10,000.00"
# beside prices shown "796.21 USD"; without it every amount reads "<n> <CODE>".


def display_decimals(currency: str) -> int:
    """Return how many decimals ``currency`` is usually shown with."""
    return DISPLAY_DECIMALS.get(currency, FIAT_DISPLAY_DECIMALS)


def ticker_spread(ticker: Ticker) -> Decimal | None:
    """Return the best ask less the best bid; None while a side of the book is empty.

    Mt.Gox's ticker "buy" and "sell" are the book's best bid and best ask, so
    the spread costs no ``depth/fetch``. The ticker gives 0 for an empty side.
    """
    if not ticker.bid or not ticker.ask:
        return None
    return ticker.ask - ticker.bid


@dataclass(frozen=True, kw_only=True)
class MtGoxTickerSensorEntityDescription(SensorEntityDescription):
    """Describes a figure of a pair's ticker."""

    value_fn: Callable[[Ticker], Decimal | None]
    in_bitcoin: bool = False


@dataclass(frozen=True, kw_only=True)
class MtGoxWalletSensorEntityDescription(SensorEntityDescription):
    """Describes an amount of one of the account's wallets."""

    value_fn: Callable[[Wallet], Decimal]


@dataclass(frozen=True, kw_only=True)
class MtGoxAccountSensorEntityDescription(SensorEntityDescription):
    """Describes a figure of the whole account."""

    value_fn: Callable[[MtGoxDataUpdateCoordinator], Decimal | int | None]
    # The currency an amount is in: its unit and display precision.
    currency_fn: Callable[[MtGoxDataUpdateCoordinator], str] | None = None
    # What pushes change of what value_fn reads; the rest changes by refreshes.
    push_topics: tuple[Topic, ...] = ()


TICKER_SENSORS: tuple[MtGoxTickerSensorEntityDescription, ...] = (
    MtGoxTickerSensorEntityDescription(
        key="last", translation_key="last", value_fn=lambda ticker: ticker.last
    ),
    MtGoxTickerSensorEntityDescription(
        key="bid", translation_key="bid", value_fn=lambda ticker: ticker.bid
    ),
    MtGoxTickerSensorEntityDescription(
        key="ask", translation_key="ask", value_fn=lambda ticker: ticker.ask
    ),
    MtGoxTickerSensorEntityDescription(
        key="spread", translation_key="spread", value_fn=ticker_spread
    ),
    MtGoxTickerSensorEntityDescription(
        key="high", translation_key="high", value_fn=lambda ticker: ticker.high
    ),
    MtGoxTickerSensorEntityDescription(
        key="low", translation_key="low", value_fn=lambda ticker: ticker.low
    ),
    MtGoxTickerSensorEntityDescription(
        key="average",
        translation_key="average",
        entity_registry_enabled_default=False,
        value_fn=lambda ticker: ticker.average,
    ),
    MtGoxTickerSensorEntityDescription(
        key="vwap",
        translation_key="vwap",
        entity_registry_enabled_default=False,
        value_fn=lambda ticker: ticker.vwap,
    ),
    MtGoxTickerSensorEntityDescription(
        key="volume",
        translation_key="volume",
        entity_registry_enabled_default=False,
        in_bitcoin=True,
        value_fn=lambda ticker: ticker.volume,
    ),
)

WALLET_SENSORS: tuple[MtGoxWalletSensorEntityDescription, ...] = (
    MtGoxWalletSensorEntityDescription(
        key="balance",
        translation_key="balance",
        value_fn=lambda wallet: wallet.balance,
    ),
    MtGoxWalletSensorEntityDescription(
        key="available",
        translation_key="available",
        value_fn=lambda wallet: wallet.available,
    ),
    MtGoxWalletSensorEntityDescription(
        key="open_orders",
        translation_key="in_open_orders",
        value_fn=lambda wallet: wallet.open_orders,
    ),
)

ACCOUNT_SENSORS: tuple[MtGoxAccountSensorEntityDescription, ...] = (
    MtGoxAccountSensorEntityDescription(
        key="portfolio_value",
        translation_key="portfolio_value",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda coordinator: coordinator.data.portfolio_value(
            coordinator.valuation_currency
        ),
        currency_fn=lambda coordinator: coordinator.valuation_currency,
        push_topics=(Topic(Part.TICKER), Topic(Part.WALLET)),
    ),
    MtGoxAccountSensorEntityDescription(
        key="open_orders",
        translation_key="open_orders",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: len(coordinator.data.orders),
        push_topics=(Topic(Part.ORDERS),),
    ),
    MtGoxAccountSensorEntityDescription(
        key="trade_fee",
        translation_key="trade_fee",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda coordinator: coordinator.data.account.trade_fee,
    ),
    MtGoxAccountSensorEntityDescription(
        key="monthly_volume",
        translation_key="monthly_volume",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: coordinator.data.account.monthly_volume,
        currency_fn=lambda _: BITCOIN,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MtGoxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of the tracked pairs, the wallets and the account."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            *(
                MtGoxTickerSensor(coordinator, pair, description)
                for pair in coordinator.pairs
                for description in TICKER_SENSORS
            ),
            *(
                MtGoxAccountSensor(coordinator, description)
                for description in ACCOUNT_SENSORS
            ),
            MtGoxEngineLagSensor(coordinator, ENGINE_LAG_SENSOR),
            *(
                MtGoxBookSensor(coordinator, pair, description)
                for pair in coordinator.pairs
                for description in BOOK_SENSORS
            ),
            MtGoxStreamSensor(coordinator, STREAM_SENSOR),
        ]
    )

    known_wallets: set[str] = set()

    @callback
    def async_add_new_wallets() -> None:
        """Add the sensors of wallets the account did not have before."""
        new_wallets = coordinator.data.account.wallets.keys() - known_wallets
        known_wallets.update(new_wallets)
        async_add_entities(
            MtGoxWalletSensor(coordinator, currency, description)
            for currency in sorted(new_wallets)
            for description in WALLET_SENSORS
        )

    async_add_new_wallets()
    entry.async_on_unload(coordinator.async_add_listener(async_add_new_wallets))


class MtGoxPairSensor(MtGoxPairEntity, SensorEntity):
    """A figure of a tracked pair, in its quote currency or in bitcoin."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        pair: str,
        description: MtGoxTickerSensorEntityDescription
        | MtGoxBookSensorEntityDescription,
    ) -> None:
        """Initialize the sensor of one figure of ``pair``."""
        super().__init__(coordinator, pair, description.key)
        self.entity_description = description
        unit = BITCOIN if description.in_bitcoin else pair[3:]
        self._attr_native_unit_of_measurement = unit
        self._attr_suggested_display_precision = display_decimals(unit)


class MtGoxTickerSensor(MtGoxPairSensor):
    """A figure of a tracked pair's ticker."""

    entity_description: MtGoxTickerSensorEntityDescription

    @property
    def native_value(self) -> str | int | None:
        """Return the figure of the last ticker read."""
        return exact_state(
            self.entity_description.value_fn(self.coordinator.data.tickers[self.pair])
        )


class MtGoxBookSensor(MtGoxPairSensor):
    """A figure of a tracked pair's order book.

    Unavailable while the book was not read (none of the pair's book sensors
    is enabled, or it failed).
    """

    entity_description: MtGoxBookSensorEntityDescription

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return the pair's ticker (the last price) and its book."""
        return (*super()._push_topics(), Topic(Part.BOOK, self.pair))

    @property
    def available(self) -> bool:
        """Return whether the last refresh read this pair's ticker and book."""
        return super().available and self.pair in self.coordinator.data.books

    @property
    def native_value(self) -> str | int | None:
        """Return the figure of the last book read, beside the last price."""
        data = self.coordinator.data
        return exact_state(
            self.entity_description.value_fn(
                data.books[self.pair], data.tickers[self.pair]
            )
        )


class MtGoxWalletSensor(MtGoxAccountEntity, SensorEntity):
    """An amount of one wallet of the account."""

    entity_description: MtGoxWalletSensorEntityDescription
    _attr_state_class = SensorStateClass.TOTAL

    def __init__(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        currency: str,
        description: MtGoxWalletSensorEntityDescription,
    ) -> None:
        """Initialize the sensor of one amount of the ``currency`` wallet."""
        super().__init__(coordinator, f"{currency}_{description.key}")
        self.entity_description = description
        self.currency = currency
        self._attr_translation_placeholders = {"currency": currency}
        self._attr_native_unit_of_measurement = currency
        self._attr_suggested_display_precision = display_decimals(currency)

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return the wallet."""
        return (Topic(Part.WALLET, self.currency),)

    @property
    def available(self) -> bool:
        """Return whether the account still has this wallet."""
        return (
            super().available and self.currency in self.coordinator.data.account.wallets
        )

    @property
    def native_value(self) -> str | int | None:
        """Return the amount of the last account info read."""
        wallet = self.coordinator.data.account.wallets[self.currency]
        return exact_state(self.entity_description.value_fn(wallet))


class MtGoxAccountSensor(MtGoxAccountEntity, SensorEntity):
    """A figure of the whole account."""

    entity_description: MtGoxAccountSensorEntityDescription

    def __init__(
        self,
        coordinator: MtGoxDataUpdateCoordinator,
        description: MtGoxAccountSensorEntityDescription,
    ) -> None:
        """Initialize the sensor of one account figure."""
        super().__init__(coordinator, description.key)
        self.entity_description = description
        if description.currency_fn:
            currency = description.currency_fn(coordinator)
            self._attr_native_unit_of_measurement = currency
            self._attr_suggested_display_precision = display_decimals(currency)

    def _push_topics(self) -> tuple[Topic, ...]:
        """Return what the description says pushes change."""
        return self.entity_description.push_topics

    @property
    def native_value(self) -> str | int | None:
        """Return the figure from the last refresh."""
        return exact_state(self.entity_description.value_fn(self.coordinator))
