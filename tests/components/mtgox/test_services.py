"""Tests of the Mt.Gox order actions, against the sandbox over loopback."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import selector
from homeassistant.helpers.service import async_get_all_descriptions
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    MockUser,
)

from custom_components.mtgox.api import MtGoxError
from custom_components.mtgox.compat import ATTR_CONFIG_ENTRY_ID
from custom_components.mtgox.const import CONF_API_VERSION, CONF_PAIRS, DOMAIN
from custom_components.mtgox.coordinator import MtGoxConfigEntry
from custom_components.mtgox.services import (
    SERVICE_CANCEL_ORDER,
    SERVICE_GET_ORDERS,
    SERVICE_GET_QUOTE,
    SERVICE_PLACE_ORDER,
)
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox
from mtgox_sandbox.server import SERVER_ERROR

from . import (
    LIMIT_BUY,
    ORDER_ADD,
    cancel_order,
    get_orders,
    open_sandbox_orders,
    place_order,
    run_requested_refresh,
    setup_entry,
)

ENGLISH: dict[str, Any] = json.loads(
    (
        Path(__file__).parents[3] / "custom_components/mtgox/translations/en.json"
    ).read_text(encoding="utf-8")
)


def assert_translated(
    err: HomeAssistantError,
    translation_key: str,
    placeholders: dict[str, str] | None = None,
) -> None:
    """Assert the error's translation, and that its English message is complete.

    ``placeholders`` None leaves them unchecked (texts of the client's errors).
    """
    assert err.translation_domain == DOMAIN
    assert err.translation_key == translation_key
    if placeholders is not None:
        assert err.translation_placeholders == placeholders
    template = ENGLISH["exceptions"][translation_key]["message"]
    assert str(err) == template.rstrip(".").format(
        **(err.translation_placeholders or {})
    )


EVERY_ACTION = pytest.mark.parametrize(
    ("service", "fields"),
    [
        (SERVICE_PLACE_ORDER, LIMIT_BUY),
        (SERVICE_CANCEL_ORDER, {"order_id": "490a214f-9a30-449f-acb8-780f9046502f"}),
        (SERVICE_GET_ORDERS, {}),
        (SERVICE_GET_QUOTE, {"side": "buy", "amount": "0.5"}),
    ],
)
"""Each action, with fields it would accept."""


async def call_action(
    hass: HomeAssistant,
    service: str,
    entry_id: str,
    fields: dict[str, Any],
    context: Context | None = None,
) -> None:
    """Call an action for an entry ID, asking for response data where it has any."""
    await hass.services.async_call(
        DOMAIN,
        service,
        {ATTR_CONFIG_ENTRY_ID: entry_id, **fields},
        blocking=True,
        return_response=True,
        context=context,
    )


async def test_actions_outlive_the_entries(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The actions are registered once for the domain, not per entry."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    for service in (SERVICE_PLACE_ORDER, SERVICE_CANCEL_ORDER, SERVICE_GET_ORDERS):
        assert hass.services.has_service(DOMAIN, service)


async def test_actions_are_documented(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Every field has a valid selector, a translated name and a description."""
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    translations = ENGLISH["services"]

    assert {
        service: (
            sorted(description["fields"]),
            description.get("response"),
        )
        for service, description in descriptions.items()
    } == {
        SERVICE_PLACE_ORDER: (
            ["amount", "config_entry_id", "pair", "price", "side"],
            {"optional": True},
        ),
        SERVICE_CANCEL_ORDER: (["config_entry_id", "order_id"], {"optional": True}),
        SERVICE_GET_ORDERS: (["config_entry_id"], {"optional": False}),
        SERVICE_GET_QUOTE: (
            ["amount", "config_entry_id", "pair", "side"],
            {"optional": False},
        ),
    }
    for service, description in descriptions.items():
        assert translations[service]["name"]
        assert translations[service]["description"]
        for field, field_description in description["fields"].items():
            selector.selector(field_description["selector"])
            assert translations[service]["fields"][field]["name"]
            assert translations[service]["fields"][field]["description"]
    side = descriptions[SERVICE_PLACE_ORDER]["fields"]["side"]["selector"]["select"]
    side_names = ENGLISH["selector"][side["translation_key"]]["options"]
    assert sorted(side_names) == sorted(side["options"]) == ["buy", "sell"]


@pytest.mark.parametrize(
    ("fields", "expected_response", "expected_order"),
    [
        (
            LIMIT_BUY,
            {
                "pair": "BTCUSD",
                "side": "buy",
                "amount": "0.50000000",
                "price": "100.00000",
            },
            ("BTCUSD", "bid", 50_000_000, 10_000_000),
        ),
        (
            # Numbers as the UI's number selector sends them; a pair in lower case.
            {"side": "sell", "amount": 0.25, "price": 5000.5, "pair": "btceur"},
            {
                "pair": "BTCEUR",
                "side": "sell",
                "amount": "0.25000000",
                "price": "5000.50000",
            },
            ("BTCEUR", "ask", 25_000_000, 500_050_000),
        ),
        (
            # Trailing zeros are no decimals.
            {"side": "buy", "amount": "0.5000000000", "price": "100.0000000"},
            {
                "pair": "BTCUSD",
                "side": "buy",
                "amount": "0.50000000",
                "price": "100.00000",
            },
            ("BTCUSD", "bid", 50_000_000, 10_000_000),
        ),
        (
            # The smallest order the exchange takes, at a price with all 5 decimals.
            {"side": "buy", "amount": "0.01", "price": "99.12345"},
            {
                "pair": "BTCUSD",
                "side": "buy",
                "amount": "0.01000000",
                "price": "99.12345",
            },
            ("BTCUSD", "bid", 1_000_000, 9_912_345),
        ),
        (
            # The configured maximum itself is allowed.
            {"side": "sell", "amount": "1", "price": "9000"},
            {
                "pair": "BTCUSD",
                "side": "sell",
                "amount": "1.00000000",
                "price": "9000.00000",
            },
            ("BTCUSD", "ask", 100_000_000, 900_000_000),
        ),
    ],
)
async def test_place_limit_order(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
    fields: dict[str, Any],
    expected_response: dict[str, Any],
    expected_order: tuple[str, str, int, int],
) -> None:
    """A limit order away from the market rests on the book, unfilled."""
    response = await place_order(hass, init_integration, **fields)

    (order,) = open_sandbox_orders(sandbox)
    assert (order.pair, order.side, order.amount_int, order.price_int) == (
        expected_order
    )
    assert response == {
        "order_id": order.oid,
        **expected_response,
        "status": "unfilled",
        "filled_amount": "0.00000000",
    }
    # The coordinator is refreshed once the 10 s floor has passed: the order
    # holds part of a wallet.
    await run_requested_refresh(hass)
    coordinator = init_integration.runtime_data.coordinator
    assert [held.oid for held in coordinator.data.orders] == [order.oid]


async def test_place_market_order(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MtGoxConfigEntry
) -> None:
    """A market order fills at once against the market makers."""
    response = await place_order(hass, init_integration, side="buy", amount="0.1")

    assert response == {
        "order_id": response["order_id"],
        "pair": "BTCUSD",
        "side": "buy",
        "amount": "0.10000000",
        "price": None,
        "status": "filled",
        "filled_amount": "0.10000000",
    }
    assert open_sandbox_orders(sandbox) == []
    # Bought 0.1 BTC, less the fee: the refreshed balance is the exchange's.
    btc_balance = sandbox.account.wallets["BTC"].balance_int
    assert btc_balance > 10 * 10**8
    await run_requested_refresh(hass)
    coordinator = init_integration.runtime_data.coordinator
    wallet = coordinator.data.account.wallets["BTC"]
    assert wallet.balance == Decimal(btc_balance) / 10**8


async def test_place_partially_filled_order(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A limit order that meets a smaller ask is filled in part and rests."""
    exchange = sandbox.exchange
    # 0.3 BTC offered at 800 USD, inside the market makers' spread.
    exchange.place_order(
        exchange.house_account("taker"), "BTCUSD", "ask", 30_000_000, 80_000_000
    )

    response = await place_order(
        hass, init_integration, side="buy", amount="0.5", price="800"
    )

    assert response["status"] == "partially_filled"
    assert response["filled_amount"] == "0.30000000"
    (order,) = open_sandbox_orders(sandbox)
    assert (order.oid, order.amount_int) == (response["order_id"], 20_000_000)


async def test_place_order_without_waiting_for_the_response(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """Automations may place an order without asking for response data."""
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_PLACE_ORDER,
        {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id, **LIMIT_BUY},
        blocking=True,
    )

    assert response is None
    assert len(open_sandbox_orders(sandbox)) == 1
    # Nobody asked how the order was filled, so the exchange was not asked either.
    assert sandbox.counters["1:order/result"] == 0


@pytest.mark.parametrize(
    ("fields", "translation_key", "placeholders"),
    [
        (
            {"amount": "lots"},
            "invalid_number",
            {"field": "amount", "value": "lots"},
        ),
        ({"amount": "NaN"}, "invalid_number", {"field": "amount", "value": "NaN"}),
        (
            {"amount": "sNaN"},
            "invalid_number",
            {"field": "amount", "value": "sNaN"},
        ),
        (
            {"price": "Infinity"},
            "invalid_number",
            {"field": "price", "value": "Infinity"},
        ),
        ({"price": "-inf"}, "invalid_number", {"field": "price", "value": "-inf"}),
        ({"amount": True}, "invalid_number", {"field": "amount", "value": "True"}),
        ({"amount": "0"}, "not_positive", {"field": "amount", "value": "0"}),
        ({"amount": -0.5}, "not_positive", {"field": "amount", "value": "-0.5"}),
        ({"price": "0.00"}, "not_positive", {"field": "price", "value": "0.00"}),
        ({"price": "-100"}, "not_positive", {"field": "price", "value": "-100"}),
        (
            {"amount": "0.123456789"},
            "too_many_decimals",
            {"field": "amount", "value": "0.123456789", "decimals": "8"},
        ),
        (
            {"amount": "1e-9"},
            "too_many_decimals",
            {"field": "amount", "value": "1e-9", "decimals": "8"},
        ),
        (
            {"price": "100.000001"},
            "too_many_decimals",
            {"field": "price", "value": "100.000001", "decimals": "5"},
        ),
        (
            {"price": "1e999999999"},
            "number_too_large",
            {"field": "price", "value": "1e999999999"},
        ),
        (
            {"amount": "1e12"},
            "number_too_large",
            {"field": "amount", "value": "1e12"},
        ),
        (
            {"amount": "0.00999999"},
            "amount_below_minimum",
            {"amount": "0.00999999", "minimum": "0.01"},
        ),
        (  # Decimal("0.00000001") prints as 1E-8 unless told otherwise
            {"amount": "0.00000001"},
            "amount_below_minimum",
            {"amount": "0.00000001", "minimum": "0.01"},
        ),
        (
            {"amount": "1.00000001"},
            "amount_above_maximum",
            {"amount": "1.00000001", "maximum": "1"},
        ),
        (  # and Decimal("1e1") as 1E+1
            {"amount": "1e1"},
            "amount_above_maximum",
            {"amount": "10", "maximum": "1"},
        ),
        (
            {"pair": "BTCGBP"},
            "pair_not_tracked",
            {"pair": "BTC/GBP", "tracked_pairs": "BTC/USD, BTC/EUR"},
        ),
    ],
)
async def test_place_order_refuses_invalid_requests(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    fields: dict[str, Any],
    translation_key: str,
    placeholders: dict[str, str],
) -> None:
    """Every bad amount, price or pair is refused before the exchange hears of it."""
    with pytest.raises(ServiceValidationError) as err:
        await place_order(hass, init_integration, **{**LIMIT_BUY, **fields})

    assert_translated(err.value, translation_key, placeholders)
    assert sandbox.counters[ORDER_ADD] == 0


async def test_place_order_with_a_price_in_yen(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """Prices get the quote currency's decimals: 3 for the yen, not 5."""
    await setup_entry(hass, mock_config_entry, options={CONF_PAIRS: ["BTCJPY"]})

    with pytest.raises(ServiceValidationError) as err:
        await place_order(
            hass, mock_config_entry, side="buy", amount="0.5", price="1000.0001"
        )
    assert_translated(
        err.value,
        "too_many_decimals",
        {"field": "price", "value": "1000.0001", "decimals": "3"},
    )

    response = await place_order(
        hass, mock_config_entry, side="buy", amount="0.5", price="1000.001"
    )

    assert response["pair"] == "BTCJPY"
    assert response["price"] == "1000.001"
    (order,) = open_sandbox_orders(sandbox)
    assert order.price_int == 1_000_001


@pytest.fixture
def key_without_trade_right(sandbox: Sandbox) -> None:
    """Take the trade right from the funded key before the entry is set up."""
    sandbox.exchange.set_rights(sandbox.key, ["get_info"])


@pytest.mark.usefixtures("key_without_trade_right")
async def test_place_order_needs_the_trade_right(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A key that may only read is told so instead of being sent to the exchange."""
    with pytest.raises(ServiceValidationError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY)

    assert_translated(
        err.value, "trade_right_missing", {"title": init_integration.title}
    )
    assert sandbox.counters[ORDER_ADD] == 0


async def test_place_order_rejected_by_the_exchange(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """An order the account cannot pay for is rejected with the exchange's words."""
    with pytest.raises(HomeAssistantError) as err:
        # 1 BTC at 20 000 USD; the account holds 10 000 USD.
        await place_order(hass, init_integration, side="buy", amount="1", price="20000")

    assert_translated(err.value, "order_rejected", {"message": "Insufficient funds"})
    assert open_sandbox_orders(sandbox) == []


@pytest.mark.parametrize(
    "fault", [FaultKind.EXECUTE_THEN_DROP, FaultKind.TRUNCATED_JSON]
)
async def test_place_order_with_unknown_outcome(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
    fault: FaultKind,
) -> None:
    """The exchange placed the order but the answer was lost: say so, never retry."""
    sandbox.faults.add(fault, path="1/*/order/add", count=1)

    with pytest.raises(HomeAssistantError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY)

    assert_translated(
        err.value,
        "order_outcome_unknown",
        {
            "side": "buy",
            "amount": "0.5",
            "pair": "BTC/USD",
        },
    )
    assert sandbox.counters[ORDER_ADD] == 1
    (order,) = open_sandbox_orders(sandbox)
    # The account is refreshed (once the 10 s floor has passed), so the order
    # the exchange placed shows, and it was still placed only once.
    await run_requested_refresh(hass)
    assert sandbox.counters[ORDER_ADD] == 1
    coordinator = init_integration.runtime_data.coordinator
    assert [held.oid for held in coordinator.data.orders] == [order.oid]


async def test_place_order_when_its_fills_cannot_be_read(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The order is placed even if reading its fills fails: no error, no retry."""
    sandbox.faults.add(FaultKind.DROP, path="1/*/order/result", count=1)

    response = await place_order(hass, init_integration, **LIMIT_BUY)

    (order,) = open_sandbox_orders(sandbox)
    assert response["order_id"] == order.oid
    assert response["status"] == "unknown"
    assert response["filled_amount"] is None
    (logged,) = [
        record for record in caplog.records if "could not read its fills" in record.msg
    ]
    assert logged.msg == "Placed order %s, but could not read its fills: %s"
    assert isinstance(logged.args, tuple)
    oid, error = logged.args
    assert oid == order.oid
    assert isinstance(error, MtGoxError)


async def test_place_order_status_is_not_from_the_cached_order_list(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """The exchange caches its order list for 10 s; the status never comes from it."""
    sandbox.server.cache_seconds = 10
    # Cache the account's empty list of open orders.
    assert await get_orders(hass, init_integration) == {"orders": []}

    response = await place_order(hass, init_integration, **LIMIT_BUY)

    assert response["status"] == "unfilled"
    assert await get_orders(hass, init_integration) == {"orders": []}
    (order,) = open_sandbox_orders(sandbox)
    assert response["order_id"] == order.oid


async def test_cancel_order_just_placed_with_the_cache_on(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """An order placed just now is cancelled though the cached order list lacks it."""
    sandbox.server.cache_seconds = 10
    placed = await place_order(hass, init_integration, **LIMIT_BUY)
    orders_read = sandbox.counters["1:orders"]

    response = await cancel_order(hass, init_integration, placed["order_id"])

    # Described as placed, though the exchange's cached list never showed it.
    assert response == {
        "order_id": placed["order_id"],
        "pair": "BTCUSD",
        "side": "buy",
        "amount": "0.50000000",
        "price": "100.00000",
        "currency": "USD",
    }
    assert open_sandbox_orders(sandbox) == []
    # Cancelled directly: the order list was not read again.
    assert sandbox.counters["1:orders"] == orders_read
    assert sandbox.counters["1:order/cancel"] == 1
    # Cancelled, it is no longer kept among the orders this entry placed.
    assert (
        placed["order_id"]
        not in init_integration.runtime_data.coordinator.orders.placed
    )


async def test_cancel_order_placed_elsewhere(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """An order this entry neither placed nor has seen yet is cancelled too."""
    order = sandbox.exchange.place_order(
        sandbox.account, "BTCEUR", "bid", 50_000_000, 10_000_000
    )

    response = await cancel_order(hass, init_integration, order.oid)

    # The exchange's reply names the order only: nothing more is claimed.
    assert response == {
        "order_id": order.oid,
        "pair": None,
        "side": None,
        "amount": None,
        "price": None,
        "currency": None,
    }
    assert open_sandbox_orders(sandbox) == []
    assert sandbox.counters["1:order/cancel"] == 1


async def test_cancel_order_placed_elsewhere_with_one_tracked_pair(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """An unknown order is cancelled on the one tracked pair."""
    await setup_entry(hass, mock_config_entry, options={CONF_PAIRS: ["BTCEUR"]})
    order = sandbox.exchange.place_order(
        sandbox.account, "BTCUSD", "bid", 50_000_000, 10_000_000
    )

    response = await cancel_order(hass, mock_config_entry, order.oid)

    assert response is not None
    assert response["order_id"] == order.oid
    assert open_sandbox_orders(sandbox) == []


async def test_cancel_order(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MtGoxConfigEntry
) -> None:
    """An open order is cancelled on its own pair, and described as last seen."""
    # Placed elsewhere, so only the refresh that saw it can describe it.
    order = sandbox.exchange.place_order(
        sandbox.account, "BTCEUR", "bid", 75_000_000, 10_000_000
    )
    coordinator = init_integration.runtime_data.coordinator
    await coordinator.async_refresh()
    assert [seen.oid for seen in coordinator.data.orders] == [order.oid]

    response = await cancel_order(hass, init_integration, order.oid)

    assert response == {
        "order_id": order.oid,
        "pair": "BTCEUR",
        "side": "buy",
        "amount": "0.75000000",
        "price": "100.00000",
        "currency": "EUR",
    }
    assert open_sandbox_orders(sandbox) == []
    assert sandbox.counters["1:order/cancel"] == 1
    await run_requested_refresh(hass)
    assert coordinator.data.orders == ()
    assert coordinator.data.account.wallets["EUR"].open_orders == 0


async def test_cancel_unknown_order(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """An order id the exchange does not know is refused.

    The one request is the cancel the exchange answers "Order not found" to,
    instead of reading the order list first.
    """
    orders_read = sandbox.counters["1:orders"]
    with pytest.raises(ServiceValidationError) as err:
        await cancel_order(
            hass, init_integration, "490a214f-9a30-449f-acb8-780f9046502f"
        )

    assert_translated(
        err.value,
        "order_not_found",
        {"order_id": "490a214f-9a30-449f-acb8-780f9046502f"},
    )
    assert sandbox.counters["1:order/cancel"] == 1
    assert sandbox.counters["1:orders"] == orders_read


async def test_cancel_order_refused_by_the_exchange(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """An error the exchange answers to a cancel comes back with its message."""
    placed = await place_order(hass, init_integration, **LIMIT_BUY)
    sandbox.faults.add(FaultKind.STATUS, path="1/*/order/cancel", count=1)

    with pytest.raises(HomeAssistantError) as err:
        await cancel_order(hass, init_integration, placed["order_id"])

    assert_translated(err.value, "action_api_error", {"message": SERVER_ERROR})
    assert len(open_sandbox_orders(sandbox)) == 1


async def test_get_orders(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """The open orders come back with exact amounts and prices as strings."""
    bid = await place_order(hass, init_integration, **LIMIT_BUY)
    ask = await place_order(
        hass, init_integration, side="sell", amount="0.12345678", price="9999.99999"
    )
    bid_date, ask_date = (
        datetime.fromtimestamp(order.date, UTC).isoformat()
        for order in open_sandbox_orders(sandbox)
    )

    response = await get_orders(hass, init_integration)

    assert response == {
        "orders": [
            {
                "order_id": bid["order_id"],
                "pair": "BTCUSD",
                "side": "buy",
                "amount": "0.50000000",
                "effective_amount": "0.50000000",
                "price": "100.00000",
                "currency": "USD",
                "status": "open",
                "date": bid_date,
            },
            {
                "order_id": ask["order_id"],
                "pair": "BTCUSD",
                "side": "sell",
                "amount": "0.12345678",
                "effective_amount": "0.12345678",
                "price": "9999.99999",
                "currency": "USD",
                "status": "open",
                "date": ask_date,
            },
        ]
    }


@pytest.mark.parametrize("api_version", [0, 1, 2])
async def test_order_round_trip_on_every_api_version(
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    api_version: int,
) -> None:
    """Place, list and cancel an order through each version of the API."""
    await setup_entry(hass, mock_config_entry, data={CONF_API_VERSION: api_version})

    placed = await place_order(hass, mock_config_entry, **LIMIT_BUY)
    listed = await get_orders(hass, mock_config_entry)
    assert (
        await cancel_order(
            hass, mock_config_entry, placed["order_id"], return_response=False
        )
        is None
    )

    assert placed["status"] == "unfilled"
    assert listed == {
        "orders": [
            {
                "order_id": placed["order_id"],
                "pair": "BTCUSD",
                "side": "buy",
                "amount": "0.50000000",
                "effective_amount": "0.50000000",
                "price": "100.00000",
                "currency": "USD",
                "status": "open",
                "date": ANY,
            }
        ]
    }
    assert open_sandbox_orders(sandbox) == []


async def test_v0_order_round_trip_with_the_real_reply_shape(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """A v0 reply without the new order's oid, as recorded from the real exchange."""
    await setup_entry(hass, mock_config_entry, data={CONF_API_VERSION: 0})
    sandbox.faults.add(FaultKind.OMIT_OID, path="0/buyBTC.php")

    placed = await place_order(hass, mock_config_entry, **LIMIT_BUY)

    assert placed["status"] == "unfilled"
    assert [order.oid for order in sandbox.exchange.open_orders(sandbox.account)] == [
        placed["order_id"]
    ]
    await cancel_order(hass, mock_config_entry, placed["order_id"])
    assert open_sandbox_orders(sandbox) == []


async def test_v0_order_placed_without_a_known_id(
    hass: HomeAssistant, sandbox: Sandbox, mock_config_entry: MockConfigEntry
) -> None:
    """A v0 market order that filled at once: placed, its id unknown, not an error."""
    await setup_entry(hass, mock_config_entry, data={CONF_API_VERSION: 0})
    sandbox.faults.add(FaultKind.OMIT_OID, path="0/buyBTC.php")

    placed = await place_order(
        hass, mock_config_entry, side="buy", amount="0.1", pair="BTCUSD"
    )

    assert placed["order_id"] is None
    assert placed["status"] == "unknown"
    assert placed["filled_amount"] is None
    assert sandbox.counters["0:buyBTC.php"] == 1
    assert sandbox.counters["1:order/result"] == 0  # no order to ask about


async def test_get_orders_without_any(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An account without open orders gets an empty list."""
    response = await get_orders(hass, init_integration)

    assert response == {"orders": []}


@pytest.mark.parametrize(
    ("fault", "translation_key"),
    [
        (FaultKind.DROP, "action_cannot_connect"),
        (FaultKind.MYSQL_ERROR, "action_invalid_response"),
        (FaultKind.STATUS, "action_api_error"),
    ],
)
async def test_get_orders_failures(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    fault: FaultKind,
    translation_key: str,
) -> None:
    """A failed request becomes a translated error."""
    sandbox.faults.add(fault, path="1/*/orders", count=1)

    with pytest.raises(HomeAssistantError) as err:
        await get_orders(hass, init_integration)

    assert_translated(err.value, translation_key)


async def test_actions_when_rate_limited(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """The exchange's anti-DDoS block is reported, with how long it lasts."""
    sandbox.server.limiter.limit = 1
    sandbox.server.limiter.block_seconds = 60
    await get_orders(hass, init_integration)

    with pytest.raises(HomeAssistantError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY)

    assert_translated(
        err.value,
        "action_rate_limited",
        {
            "error": "blocked by the exchange's anti-DDoS filter (HTTP 429) (retry after 60 s)"
        },
    )
    assert open_sandbox_orders(sandbox) == []


async def test_actions_with_a_revoked_key(
    hass: HomeAssistant, sandbox: Sandbox, init_integration: MockConfigEntry
) -> None:
    """A key the exchange no longer accepts places nothing."""
    sandbox.exchange.revoke_key(sandbox.key)

    with pytest.raises(HomeAssistantError) as err:
        await place_order(hass, init_integration, **LIMIT_BUY)

    assert_translated(err.value, "action_authentication_failed")


@EVERY_ACTION
async def test_actions_are_for_administrators(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    hass_read_only_user: MockUser,
    service: str,
    fields: dict[str, Any],
) -> None:
    """Users who are not administrators may not trade, cancel or look."""
    requests_before = sandbox.counters.copy()
    for context, error in (
        (Context(user_id=hass_read_only_user.id), Unauthorized),
        (Context(user_id="no-such-user"), UnknownUser),
    ):
        with pytest.raises(error):
            await call_action(
                hass, service, init_integration.entry_id, fields, context=context
            )

    assert sandbox.counters == requests_before


async def test_place_order_as_administrator(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """An administrator's call goes through."""
    response = await place_order(
        hass,
        init_integration,
        context=Context(user_id=hass_admin_user.id),
        **LIMIT_BUY,
    )

    assert [order.oid for order in open_sandbox_orders(sandbox)] == [
        response["order_id"]
    ]


@EVERY_ACTION
async def test_actions_need_a_loaded_mtgox_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    service: str,
    fields: dict[str, Any],
) -> None:
    """A missing, foreign or unloaded config entry is refused."""
    foreign_entry = MockConfigEntry(domain="other")
    foreign_entry.add_to_hass(hass)
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    for entry_id, translation_key, placeholders in (
        (
            "no-such-entry",
            "config_entry_not_found",
            {"config_entry_id": "no-such-entry"},
        ),
        (
            foreign_entry.entry_id,
            "config_entry_not_found",
            {"config_entry_id": foreign_entry.entry_id},
        ),
        (
            init_integration.entry_id,
            "config_entry_not_loaded",
            {"title": init_integration.title},
        ),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call_action(hass, service, entry_id, fields)
        assert_translated(err.value, translation_key, placeholders)
