"""Each push updates only the entities that show what it changed.

To see which entities a push reached, each test first changes, in the
coordinator's data and without telling anyone, every figure the push must not
reach: an entity that the push wrongly reaches shows its changed figure and
writes its state. Then it records the states written while a real push, from
the sandbox's engine over loopback, is applied.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Final

import pytest
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.api import Side, Ticker, Wallet
from custom_components.mtgox.api.pushes import DepthPush
from custom_components.mtgox.const import CONF_PAIRS, CONF_STREAMING
from custom_components.mtgox.coordinator import MtGoxDataUpdateCoordinator
from mtgox_sandbox.runner import Sandbox

from . import place_order, setup_entry, state_of
from .market import trade_at, units
from .streaming import (
    USD_BALANCE,
    USD_PRICE,
    connected,
    coordinator_of,
    http_requests,
    stream_of,
    until,
)
from .test_book import book_volumes_enabled

__all__ = ["book_volumes_enabled"]  # a fixture

PORTFOLIO: Final = "sensor.mt_gox_portfolio_value"
USD_AVAILABLE: Final = "sensor.mt_gox_usd_available"
OPEN_ORDERS: Final = "sensor.mt_gox_open_orders"
USD_BID_VOLUME: Final = "sensor.bitcoin_usd_bid_volume_within_1"
VALUED_PAIRS: Final = ["BTCUSD", "BTCEUR", "BTCGBP", "BTCJPY"]
"""The sandbox account's wallets are BTC, USD, EUR, GBP and JPY."""


@pytest.fixture
async def streaming(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Stream the pairs of every funded wallet, so that the value is known."""
    options = {CONF_STREAMING: True, CONF_PAIRS: VALUED_PAIRS}
    await setup_entry(hass, mock_config_entry, options=options)
    await connected(hass, mock_config_entry)
    return mock_config_entry


@contextmanager
def written_states(hass: HomeAssistant) -> Iterator[list[str]]:
    """Yield the entity ids whose state is written meanwhile, in order."""
    written: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        written.append(event.data["entity_id"])

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    try:
        yield written
    finally:
        unsubscribe()


def shifted(ticker: Ticker) -> Ticker:
    """Return ``ticker`` with every figure its enabled sensors show changed."""
    return ticker._replace(
        last=ticker.last + 1,
        bid=ticker.bid + 1,
        ask=ticker.ask + 2,  # the spread too
        high=ticker.high + 1,
        low=ticker.low + 1,
    )


def change_unannounced(
    coordinator: MtGoxDataUpdateCoordinator, *, tickers_but: str | None = None
) -> None:
    """Change every wallet's balance and the tickers (but one), telling no listener."""
    data = coordinator.data
    tickers = {
        pair: ticker if pair == tickers_but else shifted(ticker)
        for pair, ticker in data.tickers.items()
    }
    wallets = {
        code: Wallet(code, wallet.balance + 1, wallet.open_orders)
        for code, wallet in data.account.wallets.items()
    }
    account = data.account._replace(wallets=wallets)
    coordinator.data = data._replace(tickers=tickers, account=account)


async def test_a_ticker_push_writes_its_pairs_sensors_and_the_value_only(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """BTC/USD's pushes reach BTC/USD's sensors and the portfolio value, nothing else."""
    change_unannounced(coordinator_of(streaming), tickers_but="BTCUSD")
    with written_states(hass) as written:
        trade_at(sandbox.exchange, "BTCUSD", "812.5")
        await until(
            lambda: Decimal(state_of(hass, USD_PRICE)) == Decimal("812.5"), "push"
        )
        # The value follows the price: the only figure outside the pair.
        await until(lambda: PORTFOLIO in written, "the value written")
    reached = set(written)
    assert {entity for entity in reached if "_usd_" not in entity} == {PORTFOLIO}
    assert {entity for entity in reached if "mt_gox" in entity} == {PORTFOLIO}


async def test_a_wallet_push_writes_its_balance_and_the_value_only(
    hass: HomeAssistant, sandbox: Sandbox, streaming: MockConfigEntry
) -> None:
    """A deposit's push moves its balance and the value by the amount, nothing else."""
    before = (Decimal(state_of(hass, USD_BALANCE)), Decimal(state_of(hass, PORTFOLIO)))
    requests = http_requests(sandbox)
    coordinator = coordinator_of(streaming)
    # The value reads every balance and the last prices: those stay.
    data = coordinator.data
    tickers = {pair: t._replace(bid=t.bid + 1) for pair, t in data.tickers.items()}
    wallets = {
        code: Wallet(code, w.balance, w.open_orders + (code != "USD"))
        for code, w in data.account.wallets.items()
    }
    account = data.account._replace(wallets=wallets)
    coordinator.data = data._replace(tickers=tickers, account=account)

    with written_states(hass) as written:
        sandbox.exchange.deposit(sandbox.account, "USD", units("10", "USD"))
        await until(lambda: PORTFOLIO in written, "the value written")
    assert sorted(written) == sorted({USD_BALANCE, USD_AVAILABLE, PORTFOLIO})
    assert Decimal(state_of(hass, USD_BALANCE)) == before[0] + 10
    assert Decimal(state_of(hass, PORTFOLIO)) == before[1] + 10
    assert http_requests(sandbox) == requests


async def test_a_depth_push_writes_its_pairs_book_sensors(
    hass: HomeAssistant,
    book_volumes_enabled: None,
    streaming: MockConfigEntry,
) -> None:
    """A new bid level near the price moves the bid volume, and no other sensor.

    Applied as the stream would: the sandbox's engine sends a ticker after
    every depth change, which would reach the book sensors on its own.
    """
    coordinator = coordinator_of(streaming)
    volume = Decimal(state_of(hass, USD_BID_VOLUME))
    price = coordinator.data.tickers["BTCUSD"].last - Decimal("0.00001")
    change_unannounced(coordinator, tickers_but="BTCUSD")
    amount = Decimal("0.01")
    with written_states(hass) as written:
        stream_of(streaming).pushes.apply(
            DepthPush("BTCUSD", Side.BID, price, amount, amount, dt_util.utcnow())
        )
    assert written == [USD_BID_VOLUME]
    assert Decimal(state_of(hass, USD_BID_VOLUME)) == volume + amount


async def test_an_order_push_writes_the_open_orders_count(
    hass: HomeAssistant, streaming: MockConfigEntry
) -> None:
    """A placed order's push counts it at once; no price or balance is written.

    The engine also sends BTC/USD's ticker after the order, which reaches the
    portfolio value (it reads every balance).
    """
    assert state_of(hass, OPEN_ORDERS) == "0"
    change_unannounced(coordinator_of(streaming), tickers_but="BTCUSD")
    with written_states(hass) as written:
        await place_order(hass, streaming, side="buy", amount="0.5", price="100")
        await until(lambda: OPEN_ORDERS in written, "the count written")
    assert state_of(hass, OPEN_ORDERS) == "1"
    assert set(written) <= {OPEN_ORDERS, PORTFOLIO}
