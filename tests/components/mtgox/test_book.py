"""The spread and the order book sensors, against orders placed at known prices.

The spread is a ticker sensor, enabled by default; the book volume sensors
start disabled, and only they cost a ``depth/fetch``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

import pytest
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.helpers import entity_registry as er

from custom_components.mtgox.book import PUBLIC_REQUESTS_PER_REFRESH
from custom_components.mtgox.const import CONF_PAIRS, CONF_UPDATE_INTERVAL, DOMAIN
from mtgox_sandbox.faults import DEFAULT_RATE_LIMIT, FaultKind, RateLimiter

from . import REFRESH_REQUESTS, setup_entry, state_of, tick
from .market import clear_quotes, units
from .test_faults import frozen_clock

if TYPE_CHECKING:
    from collections.abc import Iterable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
        MockConfigEntry,
    )

    from mtgox_sandbox.runner import Sandbox

SPREAD: Final = "sensor.bitcoin_usd_spread"
BIDS: Final = "sensor.bitcoin_usd_bid_volume_within_1"
ASKS: Final = "sensor.bitcoin_usd_ask_volume_within_1"
EURO_SPREAD: Final = "sensor.bitcoin_eur_spread"
EURO_BIDS: Final = "sensor.bitcoin_eur_bid_volume_within_1"
PRICE: Final = "sensor.bitcoin_usd_price"
DEPTH: Final = "1:depth/fetch"

# (side, BTC, USD): the whole BTCUSD book once the market maker's quotes are gone.
ORDERS: Final = (
    ("bid", "0.5", "795"),
    ("bid", "1.25", "792"),  # 1 % under 800: counted
    ("bid", "2", "791.99999"),  # just past 1 %
    ("ask", "0.3", "805"),
    ("ask", "0.7", "808"),  # 1 % over 800: counted
    ("ask", "4", "808.00001"),
)


def place_book(sandbox: Sandbox, sides: tuple[str, ...] = ("bid", "ask")) -> None:
    """Leave only ORDERS (of ``sides``) in the sandbox's BTCUSD book."""
    clear_quotes(sandbox.exchange, "BTCUSD")
    depth = sandbox.exchange.depth("BTCUSD")
    assert not depth.bids
    assert not depth.asks
    for side, amount, price in ORDERS:
        if side in sides:
            sandbox.exchange.place_order(
                sandbox.account,
                "BTCUSD",
                side,
                units(amount, "BTC"),
                units(price, "USD"),
            )
    assert sandbox.exchange.ticker("BTCUSD").last == units("800", "USD")


def expected_figures() -> tuple[Decimal, Decimal, Decimal]:
    """Work out the spread and volumes of ORDERS at the last price, 800 USD."""
    last = Decimal(800)
    low, high = last * Decimal("0.99"), last * Decimal("1.01")
    bids = [(Decimal(price), Decimal(btc)) for s, btc, price in ORDERS if s == "bid"]
    asks = [(Decimal(price), Decimal(btc)) for s, btc, price in ORDERS if s == "ask"]
    spread = min(price for price, _ in asks) - max(price for price, _ in bids)
    near = [
        sum((btc for price, btc in side if low <= price <= high), Decimal(0))
        for side in (bids, asks)
    ]
    return spread, near[0], near[1]


def enable_volumes(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    entry: MockConfigEntry,
    account_id: str,
    pairs: Iterable[str],
) -> None:
    """Register the pairs' book volume sensors enabled before setup, as a user has them.

    Registered, they count from the setup's refresh on; core's
    entity_registry_enabled_by_default would count only from the next one, as
    that refresh runs before any sensor is added.
    """
    entry.add_to_hass(hass)
    for pair in pairs:
        for side in ("bid", "ask"):
            entity_registry.async_get_or_create(
                "sensor",
                DOMAIN,
                f"{account_id}_{pair}_{side}_volume",
                config_entry=entry,
                suggested_object_id=f"bitcoin_{pair[3:].lower()}_{side}_volume_within_1",
            )


@pytest.fixture
def book_volumes_enabled(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Enable the volume sensors of the entry's two pairs."""
    enable_volumes(
        hass,
        entity_registry,
        mock_config_entry,
        sandbox.account.id,
        mock_config_entry.options[CONF_PAIRS],
    )


async def test_the_spread_comes_from_the_ticker_without_a_book(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A default entry shows the placed book's spread and never reads a book."""
    place_book(sandbox)
    spread, _, _ = expected_figures()
    assert spread == Decimal(10)

    await setup_entry(hass, mock_config_entry)

    assert state_of(hass, SPREAD) == f"{spread:.5f}"
    spread_state = hass.states.get(SPREAD)
    assert spread_state is not None
    assert spread_state.attributes["unit_of_measurement"] == "USD"
    assert hass.states.get(BIDS) is None
    assert hass.states.get(ASKS) is None
    for _ in range(2):
        await tick(hass, freezer, 31)
    assert sandbox.counters == {
        name: 3 * count for name, count in REFRESH_REQUESTS.items()
    }
    assert DEPTH not in sandbox.counters


@pytest.mark.usefixtures("book_volumes_enabled")
async def test_book_sensors_match_the_sandbox_book(
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """1.75 BTC of bids and 1 BTC of asks within 1 % of 800, spread 10 USD."""
    place_book(sandbox)
    spread, bids, asks = expected_figures()
    assert (bids, asks) == (Decimal("1.75"), Decimal(1))

    await setup_entry(hass, mock_config_entry)

    assert state_of(hass, BIDS) == f"{bids:.8f}"
    assert state_of(hass, ASKS) == f"{asks:.8f}"
    assert state_of(hass, SPREAD) == f"{spread:.5f}"
    bids_state = hass.states.get(BIDS)
    assert bids_state is not None
    assert bids_state.attributes["unit_of_measurement"] == "BTC"
    # One book per pair, however many of its sensors are enabled.
    assert sandbox.counters == REFRESH_REQUESTS | {DEPTH: 2}


@pytest.mark.parametrize(
    ("enabled", "books"),
    [
        ((), ()),
        ((("BTCUSD", "bid_volume"),), ("BTCUSD",)),
        ((("BTCEUR", "ask_volume"),), ("BTCEUR",)),
        ((("BTCUSD", "bid_volume"), ("BTCUSD", "ask_volume")), ("BTCUSD",)),
        ((("BTCUSD", "bid_volume"), ("BTCEUR", "ask_volume")), ("BTCUSD", "BTCEUR")),
    ],
)
async def test_one_book_request_per_pair_with_a_volume_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    enabled: tuple[tuple[str, str], ...],
    books: tuple[str, ...],
) -> None:
    """Each refresh reads exactly the books of the pairs with a volume sensor on."""
    mock_config_entry.add_to_hass(hass)
    for pair, key in enabled:
        # Registered enabled before setup, as a user who enabled it has it.
        entity_registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{sandbox.account.id}_{pair}_{key}",
            config_entry=mock_config_entry,
        )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(2):
        await tick(hass, freezer, 31)

    refreshes = 3
    assert sandbox.counters == {
        name: refreshes * count for name, count in REFRESH_REQUESTS.items()
    } | ({DEPTH: refreshes * len(books)} if books else {})
    coordinator = mock_config_entry.runtime_data.coordinator
    assert tuple(coordinator.data.books) == books
    for pair, key in enabled:
        entity_id = entity_registry.async_get_entity_id(
            "sensor", DOMAIN, f"{sandbox.account.id}_{pair}_{key}"
        )
        assert entity_id is not None
        assert state_of(hass, entity_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


@pytest.mark.usefixtures("book_volumes_enabled")
@pytest.mark.parametrize(
    ("side", "empty_price_sensor"),
    [("bid", "sensor.bitcoin_usd_ask"), ("ask", "sensor.bitcoin_usd_bid")],
)
async def test_a_book_with_one_side_has_no_spread(
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    side: str,
    empty_price_sensor: str,
) -> None:
    """The ticker gives 0 for the empty side: the spread is unknown, not ask - 0.

    The empty side's volume is 0, the other side's and the price as before.
    """
    place_book(sandbox, (side,))
    _, bids, asks = expected_figures()

    await setup_entry(hass, mock_config_entry)

    assert state_of(hass, empty_price_sensor) == "0.00000"
    assert state_of(hass, SPREAD) == STATE_UNKNOWN
    assert state_of(hass, BIDS) == (f"{bids:.8f}" if side == "bid" else "0.00000000")
    assert state_of(hass, ASKS) == (f"{asks:.8f}" if side == "ask" else "0.00000000")
    assert state_of(hass, PRICE) == "800.00000"


@pytest.mark.usefixtures("book_volumes_enabled")
async def test_disabled_book_sensors_cost_no_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """With BTCUSD's volumes disabled, its book is no longer read; BTCEUR's is.

    The spread, a ticker figure, stays.
    """
    for entity_id in (BIDS, ASKS):
        entity_registry.async_update_entity(
            entity_id, disabled_by=er.RegistryEntryDisabler.USER
        )
    await hass.async_block_till_done()
    sandbox.counters.clear()

    await tick(hass, freezer, 31)

    assert sandbox.counters == REFRESH_REQUESTS | {DEPTH: 1}
    assert hass.states.get(BIDS) is None
    assert state_of(hass, SPREAD) == "3.20000"
    assert state_of(hass, EURO_BIDS) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


@pytest.mark.usefixtures("book_volumes_enabled")
async def test_a_failed_book_takes_down_only_its_sensors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """A book the exchange cannot give leaves prices, the spread and the other book."""
    fault = sandbox.faults.add(
        FaultKind.STATUS, path="1/BTCUSD/depth/fetch", status=500
    )
    await tick(hass, freezer, 31)

    assert state_of(hass, BIDS) == STATE_UNAVAILABLE
    assert state_of(hass, PRICE) == "800.00000"
    assert state_of(hass, SPREAD) == "3.20000"
    assert state_of(hass, EURO_SPREAD) == "2.36000"
    assert state_of(hass, EURO_BIDS) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)

    sandbox.faults.remove(fault.id)
    await tick(hass, freezer, 31)
    assert state_of(hass, BIDS) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


@pytest.mark.usefixtures("book_volumes_enabled")
async def test_a_block_met_on_a_book_fails_the_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """The anti-DDoS block is the whole client's, whichever request met it."""
    sandbox.faults.add(FaultKind.STATUS, path="*/depth/fetch", status=429)
    await tick(hass, freezer, 31)

    assert not init_integration.runtime_data.coordinator.last_update_success
    assert state_of(hass, PRICE) == STATE_UNAVAILABLE


TRACKED: Final = (
    *("BTCUSD", "BTCEUR", "BTCJPY", "BTCGBP", "BTCAUD", "BTCCAD", "BTCCHF"),
    *("BTCCNY", "BTCCZK", "BTCDKK", "BTCHKD", "BTCNOK", "BTCNZD"),
)
"""13 pairs, 4 of them traded: their tickers leave room for one book."""


async def test_books_stay_within_the_rate_rule(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """13 tickers leave room for one book: the first pair's; the rest say why, once."""
    enable_volumes(
        hass, entity_registry, mock_config_entry, sandbox.account.id, TRACKED
    )
    await setup_entry(
        hass,
        mock_config_entry,
        options={CONF_PAIRS: list(TRACKED), CONF_UPDATE_INTERVAL: 10},
    )
    sandbox.counters.clear()
    await tick(hass, freezer, 11)

    public = sandbox.counters["1:ticker"] + sandbox.counters[DEPTH]
    assert public == PUBLIC_REQUESTS_PER_REFRESH
    assert sandbox.counters[DEPTH] == 1
    assert state_of(hass, BIDS) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert state_of(hass, EURO_BIDS) == STATE_UNAVAILABLE
    assert state_of(hass, EURO_SPREAD) == "2.36000"
    warnings = [r.getMessage() for r in caplog.records if "not read" in r.getMessage()]
    assert warnings == [
        f"Order book of {', '.join(TRACKED[1:])} not read: with the tickers it "
        "would pass the exchange's rate limit; track fewer pairs or disable "
        "their book sensors"
    ]


async def test_two_refreshes_in_one_window_pass_the_anti_ddos_filter(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The sandbox's limit, less 2 kept for the backfill and an action, holds.

    A window of 20 s on the test's clock holds two refreshes, as 10 s can when
    Home Assistant rounds a refresh's time down: 13 tickers and the one book
    they leave room for, twice, are 28, the most that leaves those 2.
    """
    enable_volumes(
        hass, entity_registry, mock_config_entry, sandbox.account.id, TRACKED
    )
    await setup_entry(
        hass,
        mock_config_entry,
        options={CONF_PAIRS: list(TRACKED), CONF_UPDATE_INTERVAL: 10},
    )
    sandbox.server.limiter = RateLimiter(
        DEFAULT_RATE_LIMIT - 2, window=20, clock=frozen_clock()
    )
    coordinator = mock_config_entry.runtime_data.coordinator
    sandbox.counters.clear()
    for _ in range(4):
        await tick(hass, freezer, 11)
        assert coordinator.last_update_success
    assert sandbox.counters[DEPTH] == 4
    assert state_of(hass, BIDS) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
