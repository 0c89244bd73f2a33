"""The client against the sandbox exchange over loopback: real HTTP, signatures, nonces.

Faults are switched on in the sandbox, never patched into responses. Every
method is exercised on API v0, v1 and v2.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxClient,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxOrderPlacedError,
    MtGoxOrderRejectedError,
    MtGoxOrderUnknownError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    MtGoxTimeoutError,
    NonceSource,
    Side,
)
from custom_components.mtgox.api.money import from_int_units
from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.engine.models import (
    now_us,
)
from mtgox_sandbox.faults import FaultKind

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable

    from mtgox_sandbox.runner import Sandbox

ALL_VERSIONS = pytest.mark.parametrize("version", list(ApiVersion))
# Far from the sandbox's starting BTCUSD price of 800, so these never fill.
RESTING_BID_PRICE = Decimal("100.5")
RESTING_ASK_PRICE = Decimal("5000")
ORDER_ADD_METHODS = {
    ApiVersion.V0: "0:buyBTC.php",
    ApiVersion.V1: "1:order/add",
    ApiVersion.V2: "2:order/add",
}
ORDER_ADD_PATHS = {
    ApiVersion.V0: "0/buyBTC.php",
    ApiVersion.V1: "1/BTCUSD/order/add",
    ApiVersion.V2: "2/BTCUSD/money/order/add",
}
INFO_METHODS = {
    ApiVersion.V0: "0:info.php",
    ApiVersion.V1: "1:info",
    ApiVersion.V2: "2:info",
}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain aiohttp session, as Home Assistant would share one."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def make_client(
    sandbox: Sandbox,
    session: aiohttp.ClientSession,
    version: ApiVersion,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    nonce_source: NonceSource | None = None,
    request_timeout: float = 10.0,
) -> MtGoxClient:
    return MtGoxClient(
        session,
        base_url=sandbox.url,
        api_key=sandbox.key if api_key is None else api_key,
        api_secret=sandbox.secret if api_secret is None else api_secret,
        api_version=version,
        nonce_source=nonce_source,
        request_timeout=request_timeout,
    )


def assert_hides_credentials(error: BaseException, sandbox: Sandbox) -> None:
    text = f"{error!s} {error!r}"
    assert sandbox.secret not in text
    assert "nonce=" not in text


# Every method, every version -------------------------------------------------------


@ALL_VERSIONS
@pytest.mark.parametrize("pair", ["BTCUSD", "BTCJPY"])
async def test_ticker_matches_the_engine(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion, pair: str
) -> None:
    client = make_client(sandbox, session, version)

    ticker = await client.ticker(pair)

    figures = sandbox.exchange.ticker(pair)
    quote = pair[3:]
    assert (ticker.pair, ticker.item, ticker.currency) == (pair, "BTC", quote)
    assert ticker.last == from_int_units(figures.last, quote)
    assert ticker.bid == from_int_units(figures.buy, quote)
    assert ticker.ask == from_int_units(figures.sell, quote)
    assert ticker.high == from_int_units(figures.high, quote)
    assert ticker.low == from_int_units(figures.low, quote)
    assert ticker.average == from_int_units(figures.avg, quote)
    assert ticker.vwap == from_int_units(figures.vwap, quote)
    assert ticker.volume == from_int_units(figures.vol, "BTC")
    assert ticker.bid < ticker.ask
    assert (ticker.updated is None) == (version is ApiVersion.V0)


@ALL_VERSIONS
async def test_account_info_matches_the_engine(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    client = make_client(sandbox, session, version)
    await client.add_order("BTCUSD", Side.BID, Decimal("2"), RESTING_BID_PRICE)

    info = await client.account_info()

    account = sandbox.account
    assert info.account_id == account.id
    assert info.login == account.login
    assert info.rights == frozenset({"get_info", "trade", "deposit"})
    assert info.trade_fee == Decimal("0.6")
    assert info.wallets.keys() == account.wallets.keys()
    for code, wallet in account.wallets.items():
        assert info.wallets[code].balance == from_int_units(wallet.balance_int, code)
        assert info.wallets[code].open_orders == from_int_units(
            wallet.reserved_int, code
        )
    assert info.wallets["USD"].open_orders == Decimal("201")
    assert info.wallets["USD"].available == Decimal("10000") - Decimal("201")


@ALL_VERSIONS
async def test_add_list_and_cancel_limit_orders(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    client = make_client(sandbox, session, version)

    bid = await client.add_order("BTCUSD", Side.BID, Decimal("0.25"), RESTING_BID_PRICE)
    ask = await client.add_order("BTCUSD", Side.ASK, Decimal("0.01"), RESTING_ASK_PRICE)
    listed = {order.oid: order for order in await client.open_orders()}

    engine = {
        order.oid: order for order in sandbox.exchange.open_orders(sandbox.account)
    }
    assert listed.keys() == engine.keys() == {bid, ask}
    assert (engine[bid].side, engine[bid].amount_int, engine[bid].price_int) == (
        "bid",
        25_000_000,
        10_050_000,
    )
    assert (engine[ask].side, engine[ask].amount_int) == ("ask", 1_000_000)
    assert (listed[bid].side, listed[bid].pair, listed[bid].status) == (
        Side.BID,
        "BTCUSD",
        "open",
    )
    assert listed[bid].amount == listed[bid].effective_amount == Decimal("0.25")
    assert listed[bid].price == RESTING_BID_PRICE
    assert listed[ask].side is Side.ASK
    assert listed[ask].price == RESTING_ASK_PRICE

    await client.cancel_order("BTCUSD", bid)

    assert [order.oid for order in await client.open_orders()] == [ask]
    assert [order.oid for order in sandbox.exchange.open_orders(sandbox.account)] == [
        ask
    ]


@ALL_VERSIONS
async def test_market_order_and_its_result(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    client = make_client(sandbox, session, version)
    best_ask = (await client.ticker("BTCUSD")).ask

    oid = await client.add_order("BTCUSD", Side.BID, Decimal("0.5"))
    result = await client.order_result(Side.BID, oid)

    assert result.order_id == oid
    assert result.total_amount == Decimal("0.5")
    assert result.total_spent == sum(trade.spent for trade in result.trades)
    assert result.trades[0].price == best_ask
    assert result.trades[0].currency == "USD"
    assert result.average_cost == best_ask
    assert await client.open_orders() == []


@ALL_VERSIONS
async def test_cancelling_an_unknown_order_is_an_api_error(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    client = make_client(sandbox, session, version)

    with pytest.raises(MtGoxApiError, match="Order not found"):
        await client.cancel_order("BTCUSD", "00000000-0000-4000-8000-000000000000")


async def test_base_url_without_trailing_slash(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    client = MtGoxClient(
        session,
        base_url=sandbox.url.rstrip("/"),
        api_key=sandbox.key,
        api_secret=sandbox.secret,
    )

    assert (await client.account_info()).account_id == sandbox.account.id


async def test_public_calls_use_no_nonce(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    nonces = NonceSource()
    client = make_client(sandbox, session, ApiVersion.V2, nonce_source=nonces)

    await client.ticker("BTCEUR")
    await client.ticker("BTCUSD")

    assert nonces.high_water == 0
    assert sandbox.account.nonce_high_water == 0


# Authentication -------------------------------------------------------------------


@ALL_VERSIONS
async def test_wrong_secret_is_an_authentication_error(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    _, other_secret = new_credentials()
    client = make_client(sandbox, session, version, api_secret=other_secret)

    with pytest.raises(MtGoxAuthenticationError) as caught:
        await client.account_info()

    if version is ApiVersion.V0:
        # v0 errors carry no token, but only a stale nonce's mentions the nonce.
        assert caught.value.token is None
    else:
        assert caught.value.token == "login_error_invalid_rest_sign"
    # Not mistaken for a stale nonce: no retry.
    assert sandbox.counters[INFO_METHODS[version]] == 1
    assert_hides_credentials(caught.value, sandbox)
    assert other_secret not in str(caught.value)


@ALL_VERSIONS
async def test_unknown_key_is_an_authentication_error(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    unknown_key, secret = new_credentials()
    client = make_client(
        sandbox, session, version, api_key=unknown_key, api_secret=secret
    )

    with pytest.raises(MtGoxAuthenticationError) as caught:
        await client.open_orders()

    if version is not ApiVersion.V0:
        assert caught.value.token == "login_error_invalid_rest_key"


@ALL_VERSIONS
async def test_add_order_without_trade_right_is_an_authentication_error(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    key, secret = new_credentials()
    viewer = sandbox.exchange.add_account(key, secret, ["get_info"])
    client = make_client(sandbox, session, version, api_key=key, api_secret=secret)

    with pytest.raises(MtGoxAuthenticationError) as caught:
        await client.add_order("BTCUSD", Side.BID, Decimal("1"), RESTING_BID_PRICE)

    if version is not ApiVersion.V0:
        assert caught.value.token == "login_error_insufficient_rights"
    assert sandbox.exchange.open_orders(viewer) == []
    assert (await client.account_info()).rights == frozenset({"get_info"})


# Orders the exchange refuses --------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "amount", "price", "message"),
    [
        (Side.BID, Decimal("0.001"), RESTING_BID_PRICE, "Order amount is too low"),
        (Side.ASK, Decimal("11"), RESTING_ASK_PRICE, "Insufficient funds"),
    ],
)
@ALL_VERSIONS
async def test_order_refused_by_the_exchange_is_rejected(
    sandbox: Sandbox,
    session: aiohttp.ClientSession,
    version: ApiVersion,
    side: Side,
    amount: Decimal,
    price: Decimal,
    message: str,
) -> None:
    client = make_client(sandbox, session, version)

    with pytest.raises(MtGoxOrderRejectedError, match=message):
        await client.add_order("BTCUSD", side, amount, price)

    assert sandbox.exchange.open_orders(sandbox.account) == []


async def test_precision_beyond_the_units_is_refused_before_sending(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    client = make_client(sandbox, session, ApiVersion.V1)

    with pytest.raises(ValueError, match="8 decimal places"):
        await client.add_order("BTCUSD", Side.BID, Decimal("0.123456789"))
    with pytest.raises(ValueError, match="5 decimal places"):
        await client.add_order("BTCUSD", Side.BID, Decimal("1"), Decimal("100.000001"))
    with pytest.raises(ValueError, match="3 decimal places"):
        await client.add_order("BTCJPY", Side.BID, Decimal("1"), Decimal("80000.0001"))
    with pytest.raises(ValueError, match="positive"):
        await client.add_order("BTCUSD", Side.ASK, Decimal("-1"), RESTING_ASK_PRICE)
    with pytest.raises(ValueError, match="pair"):
        await client.add_order("btc/usd", Side.ASK, Decimal("1"), RESTING_ASK_PRICE)

    assert sandbox.counters["1:order/add"] == 0


async def test_malformed_arguments_are_refused_before_sending(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    client = make_client(sandbox, session, ApiVersion.V0)

    with pytest.raises(ValueError, match="v0 only trades BTC"):
        await client.ticker("LTCUSD")
    with pytest.raises(ValueError, match="v0 only trades BTC"):
        await client.add_order("LTCUSD", Side.BID, Decimal("1"), Decimal("1"))

    assert sum(sandbox.counters.values()) == 0


# Nonces ------------------------------------------------------------------------------


@ALL_VERSIONS
async def test_stale_nonce_recovers_with_one_retry(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    # Another client of the key used a nonce 5 s ahead of our clock.
    other_clients_nonce = now_us() + 5_000_000
    sandbox.account.nonce_high_water = other_clients_nonce
    nonces = NonceSource()
    client = make_client(sandbox, session, version, nonce_source=nonces)

    oid = await client.add_order("BTCUSD", Side.BID, Decimal("1"), RESTING_BID_PRICE)

    if version is ApiVersion.V0:
        # v0 reads the open orders first: that call meets the stale nonce.
        assert sandbox.counters["0:getOrders.php"] == 2
        assert sandbox.counters[ORDER_ADD_METHODS[version]] == 1
    else:
        assert sandbox.counters[ORDER_ADD_METHODS[version]] == 2
    assert [order.oid for order in sandbox.exchange.open_orders(sandbox.account)] == [
        oid
    ]
    assert nonces.high_water == sandbox.account.nonce_high_water
    assert nonces.high_water > other_clients_nonce


@ALL_VERSIONS
async def test_a_second_stale_nonce_is_an_authentication_error(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    sandbox.faults.add(FaultKind.STALE_NONCE, count=2)
    client = make_client(sandbox, session, version)

    with pytest.raises(MtGoxAuthenticationError):
        await client.account_info()

    assert sandbox.counters[INFO_METHODS[version]] == 2


async def test_concurrent_calls_of_clients_sharing_a_key_keep_nonces_in_order(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    nonces = NonceSource()
    clients = [
        make_client(sandbox, session, version, nonce_source=nonces)
        for version in ApiVersion
    ]
    calls: list[Awaitable[object]] = [
        client.account_info() for client in clients for _ in range(5)
    ]
    calls += [client.open_orders() for client in clients for _ in range(5)]

    results = await asyncio.gather(*calls)

    assert len(results) == 30
    assert sandbox.account.nonce_high_water == nonces.high_water


async def test_restarted_client_continues_above_the_persisted_nonce(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    persisted: list[int] = []
    first = NonceSource(clock_us=lambda: 10**15, on_change=persisted.append)
    await make_client(sandbox, session, ApiVersion.V1, nonce_source=first).open_orders()

    # The same frozen clock after a restart: only the persisted mark helps.
    second = NonceSource(persisted[-1], clock_us=lambda: 10**15)
    await make_client(
        sandbox, session, ApiVersion.V1, nonce_source=second
    ).open_orders()

    assert sandbox.counters["1:orders"] == 2
    assert sandbox.account.nonce_high_water == 10**15 + 1


# Rate limit and faults ---------------------------------------------------------------


async def test_rate_limit_block(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    sandbox.server.limiter.limit = 2
    sandbox.server.limiter.block_seconds = 42
    client = make_client(sandbox, session, ApiVersion.V2)
    await client.ticker("BTCUSD")
    await client.ticker("BTCUSD")

    with pytest.raises(MtGoxRateLimitError) as caught:
        await client.ticker("BTCUSD")

    assert caught.value.retry_after == 42


async def test_rate_limited_order_is_not_unknown(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    # The limiter counts per key and address: the key's second call is blocked.
    sandbox.server.limiter.limit = 1
    client = make_client(sandbox, session, ApiVersion.V1)
    await client.open_orders()

    with pytest.raises(MtGoxRateLimitError):
        await client.add_order("BTCUSD", Side.BID, Decimal("1"), RESTING_BID_PRICE)

    assert sandbox.exchange.open_orders(sandbox.account) == []


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [
        (FaultKind.DROP, None, MtGoxConnectionError),
        (FaultKind.STATUS, 503, MtGoxApiError),
        (FaultKind.HTML, 502, MtGoxConnectionError),
        (FaultKind.HTML, 200, MtGoxResponseError),
        (FaultKind.TRUNCATED_JSON, None, MtGoxResponseError),
        (FaultKind.MYSQL_ERROR, None, MtGoxResponseError),
    ],
)
@ALL_VERSIONS
async def test_faults_become_typed_errors(
    sandbox: Sandbox,
    session: aiohttp.ClientSession,
    version: ApiVersion,
    fault: FaultKind,
    status: int | None,
    error: type[MtGoxError],
) -> None:
    # Until removed: aiohttp itself retries a GET once on a dropped connection.
    sandbox.faults.add(fault, status=status)
    client = make_client(sandbox, session, version)

    with pytest.raises(error) as public:
        await client.ticker("BTCUSD")
    with pytest.raises(error) as private:
        await client.open_orders()

    assert public.type is private.type
    assert_hides_credentials(private.value, sandbox)
    sandbox.faults.clear()
    assert await client.open_orders() == []


@ALL_VERSIONS
async def test_no_reply_within_the_timeout(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    sandbox.faults.add(FaultKind.TIMEOUT, count=1)
    client = make_client(sandbox, session, version, request_timeout=0.2)

    with pytest.raises(MtGoxTimeoutError, match="0.2 s"):
        await client.account_info()


async def test_connection_refused(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    # Bind then close a port, so nothing listens there.
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    _, secret = new_credentials()
    client = MtGoxClient(
        session,
        base_url=f"http://127.0.0.1:{port}/api/",
        api_key="key",
        api_secret=secret,
    )

    with pytest.raises(MtGoxConnectionError):
        await client.ticker("BTCUSD")
    # Nothing was sent, so the order's outcome is known: not placed.
    with pytest.raises(MtGoxConnectionError) as caught:
        await client.add_order("BTCUSD", Side.BID, Decimal("1"), RESTING_BID_PRICE)
    assert not isinstance(caught.value, MtGoxOrderUnknownError)


# Orders whose outcome is lost ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "placed"),
    [
        (FaultKind.EXECUTE_THEN_DROP, 1),
        (FaultKind.EXECUTE_THEN_HANG, 1),
        (FaultKind.TRUNCATED_JSON, 1),
        (FaultKind.DROP, 0),
        (FaultKind.HTML, 0),
    ],
)
@ALL_VERSIONS
async def test_lost_order_reply_is_unknown_and_never_retried(
    sandbox: Sandbox,
    session: aiohttp.ClientSession,
    version: ApiVersion,
    fault: FaultKind,
    placed: int,
) -> None:
    sandbox.faults.add(fault, path=ORDER_ADD_PATHS[version], count=1)
    client = make_client(sandbox, session, version, request_timeout=0.3)

    with pytest.raises(MtGoxOrderUnknownError) as caught:
        await client.add_order("BTCUSD", Side.BID, Decimal("1"), RESTING_BID_PRICE)

    assert len(sandbox.exchange.open_orders(sandbox.account)) == placed
    assert sandbox.counters[ORDER_ADD_METHODS[version]] == 1
    assert isinstance(caught.value.__cause__, MtGoxConnectionError | MtGoxResponseError)
    assert_hides_credentials(caught.value, sandbox)


# Logging -------------------------------------------------------------------------------


async def test_debug_log_shows_method_path_status_only(
    sandbox: Sandbox, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.mtgox.api")
    sandbox.faults.add(FaultKind.STALE_NONCE, count=1)
    client = make_client(sandbox, session, ApiVersion.V2)

    await client.add_order("BTCUSD", Side.BID, Decimal("1"), RESTING_BID_PRICE)

    assert "POST 2/BTCUSD/money/order/add -> HTTP 403" in caplog.text
    assert "POST 2/BTCUSD/money/order/add -> HTTP 200" in caplog.text
    assert sandbox.secret not in caplog.text
    assert "nonce=" not in caplog.text
    assert "amount_int" not in caplog.text


# v0 orders as the real exchange answered them ------------------------------------


async def test_v0_order_reply_without_oid_is_identified_from_the_open_orders(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    # The recorded real buyBTC.php reply: status and every open order, no oid.
    sandbox.faults.add(FaultKind.OMIT_OID, path="0/*BTC.php")
    client = make_client(sandbox, session, ApiVersion.V0)

    bid = await client.add_order("BTCUSD", Side.BID, Decimal("0.25"), RESTING_BID_PRICE)
    # The open orders read before this one may come from the 10 s cache (no
    # bid yet): the new order is then told by its side, amount and price.
    ask = await client.add_order("BTCUSD", Side.ASK, Decimal("0.01"), RESTING_ASK_PRICE)

    engine = {
        order.oid: order for order in sandbox.exchange.open_orders(sandbox.account)
    }
    assert engine.keys() == {bid, ask}
    assert (engine[bid].side, engine[bid].amount_int) == ("bid", 25_000_000)
    assert (engine[ask].side, engine[ask].amount_int) == ("ask", 1_000_000)
    assert sandbox.counters["0:buyBTC.php"] == sandbox.counters["0:sellBTC.php"] == 1


async def test_v0_order_placed_but_not_identifiable_says_so(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    # A market order fills at once: the reply's list never shows it.
    sandbox.faults.add(FaultKind.OMIT_OID, path="0/buyBTC.php")
    client = make_client(sandbox, session, ApiVersion.V0)
    btc_before = sandbox.account.wallets["BTC"].balance_int

    with pytest.raises(MtGoxOrderPlacedError, match="was placed"):
        await client.add_order("BTCUSD", Side.BID, Decimal("0.5"))

    assert sandbox.counters["0:buyBTC.php"] == 1
    assert sandbox.account.wallets["BTC"].balance_int > btc_before


async def test_v0_cancel_sends_the_orders_type(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    client = make_client(sandbox, session, ApiVersion.V0)
    bid = await client.add_order("BTCUSD", Side.BID, Decimal("0.25"), RESTING_BID_PRICE)

    # The sandbox checks a given type: an ask of that oid does not exist.
    with pytest.raises(MtGoxApiError, match="Order not found"):
        await client.cancel_order("BTCUSD", bid, Side.ASK)
    assert [o.oid for o in sandbox.exchange.open_orders(sandbox.account)] == [bid]

    await client.cancel_order("BTCUSD", bid, Side.BID)

    assert sandbox.exchange.open_orders(sandbox.account) == []


@pytest.mark.parametrize("version", [ApiVersion.V1, ApiVersion.V2])
async def test_cancel_with_a_side_on_v1_and_v2(
    sandbox: Sandbox, session: aiohttp.ClientSession, version: ApiVersion
) -> None:
    client = make_client(sandbox, session, version)
    ask = await client.add_order("BTCUSD", Side.ASK, Decimal("0.01"), RESTING_ASK_PRICE)

    await client.cancel_order("BTCUSD", ask, Side.ASK)

    assert sandbox.exchange.open_orders(sandbox.account) == []


async def test_v0_repeated_login_errors_do_not_move_the_nonce_mark(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    nonces = NonceSource()
    _, other_secret = new_credentials()
    client = make_client(
        sandbox, session, ApiVersion.V0, api_secret=other_secret, nonce_source=nonces
    )

    for _ in range(3):
        with pytest.raises(MtGoxAuthenticationError):
            await client.account_info()

    assert sandbox.counters["0:info.php"] == 3
    assert nonces.high_water < now_us() + 1_000_000
