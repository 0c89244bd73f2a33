"""The fault matrix: every way the exchange failed, injected by the sandbox.

For each fault switched on for every request, the entities go unavailable
instead of showing old values as live, the coordinator logs exactly one line
when the data goes down and one when it comes back, and the first scheduled
refresh after the fault is switched off brings everything back by itself.
Faults that the integration rides out (a stale nonce, a skewed server clock)
must leave the entities available and log nothing.

Each test asks for ``freezer`` before ``init_integration``: the clock must be
frozen before the first refresh schedules the next one.  Frozen, the clock also
stands still for asyncio, so a request the sandbox holds times out only when a
test moves the clock past the client's request timeout.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mtgox.api import ApiVersion, MtGoxClient, NonceSource
from custom_components.mtgox.compat import ATTR_CONFIG_ENTRY_ID
from custom_components.mtgox.const import CONF_API_SECRET, DOMAIN
from custom_components.mtgox.coordinator import MtGoxConfigEntry
from custom_components.mtgox.services import SERVICE_PLACE_ORDER
from mtgox_sandbox.faults import RateLimiter
from mtgox_sandbox.runner import Sandbox

from . import (
    CLIENT_TIMEOUT,
    LIMIT_BUY,
    REFRESH,
    REFRESH_REQUESTS,
    assert_reauth_started,
    state_of,
    tick,
    wait_for_requests,
)

PRICE: Final = "sensor.bitcoin_usd_price"
BALANCE: Final = "sensor.mt_gox_btc_balance"
LIVE_PRICE: Final = "800.00000"
LIVE_BALANCE: Final = "10.00000000"

PRIVATE_CALLS: Final = ("1:info", "1:orders")
"""The private requests of one refresh, in the order the nonce lock sends them."""
TICKERS: Final = ("1:ticker",)

COORDINATOR_LOGGER: Final = "custom_components.mtgox"


def coordinator_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the lines the integration logged at INFO or above since the last clear.

    Debug lines (timings, the requests) are not what a user reads in the log.
    The entry holds currencies it does not track: the one warning about its
    portfolio value, at its first complete refresh after setup, is
    test_sensor's concern.
    """
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == COORDINATOR_LOGGER
        and record.levelno >= logging.INFO
        and not record.getMessage().startswith("Portfolio value unknown")
    ]


def entity_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the state of every enabled entity of the entry."""
    registry = er.async_get(hass)
    return {
        entity.entity_id: state_of(hass, entity.entity_id)
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if not entity.disabled
    }


def assert_all_unavailable(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Assert that no entity of the entry shows a value."""
    states = entity_states(hass, entry)
    assert len(states) > 10
    assert {
        entity_id: state
        for entity_id, state in states.items()
        if state != STATE_UNAVAILABLE
    } == {}


def assert_live(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Assert that every entity of the entry shows a value, and the known ones."""
    states = entity_states(hass, entry)
    assert STATE_UNAVAILABLE not in states.values()
    assert states[PRICE] == LIVE_PRICE
    assert states[BALANCE] == LIVE_BALANCE


async def tick_through_held_requests(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sandbox: Sandbox
) -> None:
    """Run one refresh whose every request the sandbox holds without answering.

    The public tickers and the first private call go out at once, the second
    private call only once the first has given up (the nonce lock): move the
    clock past the client's timeout each time the sandbox holds what is due.
    """
    before = sandbox.counters.copy()
    freezer.tick(timedelta(seconds=REFRESH))
    async_fire_time_changed(hass)
    for counter in PRIVATE_CALLS:
        await wait_for_requests(sandbox, counter, before[counter] + 1)
        await wait_for_requests(sandbox, "1:ticker", before["1:ticker"] + 2)
        freezer.tick(timedelta(seconds=CLIENT_TIMEOUT + 1))
    await hass.async_block_till_done(wait_background_tasks=True)


FAILURES: Final[dict[str, tuple[dict[str, Any], str]]] = {
    "timeout": ({"kind": "timeout"}, "Could not reach the exchange"),
    "dropped connection": ({"kind": "drop"}, "Could not reach the exchange"),
    "HTTP 500 with an error body": (
        {"kind": "status", "status": 500},
        "The exchange reported an error: Internal server error",
    ),
    "HTTP 503 with an error body": (
        {"kind": "status", "status": 503},
        "The exchange reported an error: Internal server error",
    ),
    "HTML error page": (
        {"kind": "html", "status": 502},
        "Could not reach the exchange",
    ),
    "truncated JSON": (
        {"kind": "truncated_json"},
        "The exchange sent a response that could not be understood",
    ),
    "MySQL error with HTTP 200": (
        {"kind": "mysql_error"},
        "The exchange sent a response that could not be understood",
    ),
}


@pytest.mark.parametrize(
    ("fault", "reason"), list(FAILURES.values()), ids=list(FAILURES)
)
async def test_fault_takes_entities_down_and_they_come_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
    fault: dict[str, Any],
    reason: str,
) -> None:
    """Unavailable while the exchange fails, one line each way, back by itself."""
    assert_live(hass, init_integration)
    caplog.clear()
    held = fault["kind"] == "timeout"

    async def refresh() -> None:
        if held:
            await tick_through_held_requests(hass, freezer, sandbox)
        else:
            await tick(hass, freezer)

    sandbox.faults.add(**fault)
    for _ in range(3):
        await refresh()
        assert_all_unavailable(hass, init_integration)
    assert coordinator_lines(caplog) == [f"Error fetching mtgox data: {reason}"]

    caplog.clear()
    sandbox.faults.clear()
    await tick(hass, freezer)
    assert_live(hass, init_integration)
    await tick(hass, freezer)
    assert_live(hass, init_integration)
    assert coordinator_lines(caplog) == ["Fetching mtgox data recovered"]


async def test_stale_nonce_heals_itself(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
) -> None:
    """Another client of the key went ahead: one retry past it, nothing goes down.

    The other client is real: it signs with the same key, its clock a little
    ahead of ours at our next refresh, so the exchange refuses that refresh's
    first nonce as stale.
    """
    caplog.clear()
    ours = init_integration.runtime_data.nonce_store.source
    next_refresh_us = int(
        (dt_util.utcnow() + timedelta(seconds=REFRESH)).timestamp() * 10**6
    )
    ahead_us = max(next_refresh_us, ours.high_water) + 5 * 10**6
    other = MtGoxClient(
        async_get_clientsession(hass),
        base_url=sandbox.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=ApiVersion.V1,
        nonce_source=NonceSource(clock_us=lambda: ahead_us),
    )
    await other.account_info()
    assert sandbox.account.nonce_high_water > ours.high_water

    sandbox.counters.clear()
    await tick(hass, freezer)

    assert_live(hass, init_integration)
    # The refused call was sent again once, above the other client's nonce.
    assert sandbox.counters == REFRESH_REQUESTS | {"1:info": 2}
    assert ours.high_water == sandbox.account.nonce_high_water
    assert coordinator_lines(caplog) == []
    assert init_integration.runtime_data.coordinator.last_update_success

    # The next refresh needs no retry.
    sandbox.counters.clear()
    await tick(hass, freezer)
    assert sandbox.counters == REFRESH_REQUESTS


async def test_injected_stale_nonce_costs_one_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MockConfigEntry,
) -> None:
    """The sandbox's stale-nonce fault on each private call: one retry each."""
    caplog.clear()
    for counter in PRIVATE_CALLS:
        method = counter.removeprefix("1:")
        sandbox.faults.add("stale_nonce", path=f"1/generic/{method}", count=1)
        sandbox.counters.clear()
        await tick(hass, freezer)
        assert_live(hass, init_integration)
        assert sandbox.counters == REFRESH_REQUESTS | {counter: 2}
    assert coordinator_lines(caplog) == []


async def test_skewed_server_clock_does_not_matter(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
) -> None:
    """A server clock far off refuses tonces; our nonces do not depend on it."""
    caplog.clear()
    ours = init_integration.runtime_data.nonce_store.source
    high_water = sandbox.account.nonce_high_water
    for skew in (3600, -3600):
        fault = sandbox.faults.add("clock_skew", seconds=skew)
        await tick(hass, freezer)
        assert_live(hass, init_integration)
        sandbox.faults.remove(fault.id)
    # Both refreshes were signed with nonces (never a tonce) and accepted.
    assert sandbox.account.nonce_high_water == ours.high_water > high_water
    assert sandbox.account.recent_tonces == []
    assert coordinator_lines(caplog) == []


def frozen_clock() -> Callable[[], float]:
    """Return a monotonic clock that follows Home Assistant's (frozen) time."""
    return lambda: dt_util.utcnow().timestamp()


@pytest.mark.parametrize("block_seconds", [45, 100])
async def test_block_is_waited_out_not_hammered(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
    block_seconds: int,
) -> None:
    """The anti-DDoS block: down until its Retry-After has passed, then back.

    The sandbox's limiter runs on the test's frozen clock, so the block ends
    exactly when the server said it would; nothing is asked before, neither by
    the scheduled refreshes nor by an order action.
    """
    coordinator = init_integration.runtime_data.coordinator
    caplog.clear()
    # One request per client and minute: the public tickers (no key) and the
    # private calls (the key) each get one through.
    sandbox.server.limiter = RateLimiter(
        1, window=60, block_seconds=block_seconds, clock=frozen_clock()
    )
    sandbox.counters.clear()
    await tick(hass, freezer)
    assert_all_unavailable(hass, init_integration)
    error = coordinator.last_exception
    assert error is not None
    assert getattr(error, "retry_after", None) == block_seconds
    # At most one refresh's requests: the order list, queued behind the account,
    # is not even sent if the block was known by then.
    assert sandbox.counters["1:ticker"] == 2
    assert sandbox.counters["1:info"] == 1
    assert sandbox.counters["1:orders"] <= 1
    blocked_at = dt_util.utcnow()

    # Nothing is asked while blocked, whatever the schedule says, nor by an action.
    sandbox.counters.clear()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            SERVICE_PLACE_ORDER,
            {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id, **LIMIT_BUY},
            blocking=True,
        )
    assert err.value.translation_key == "action_rate_limited"
    assert not sandbox.counters
    while dt_util.utcnow() + timedelta(seconds=REFRESH) < blocked_at + timedelta(
        seconds=block_seconds
    ):
        await tick(hass, freezer)
        assert not sandbox.counters
        assert_all_unavailable(hass, init_integration)
    assert coordinator_lines(caplog) == [
        f"Error fetching mtgox data: The exchange is blocking requests for "
        f"{block_seconds} seconds"
    ]

    # The first refresh after the block asks again, within the limit again.
    caplog.clear()
    sandbox.server.limiter.limit = 10
    await tick(hass, freezer)
    assert_live(hass, init_integration)
    assert sandbox.counters == REFRESH_REQUESTS
    assert coordinator_lines(caplog) == ["Fetching mtgox data recovered"]


async def test_key_revoked_while_running(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
) -> None:
    """A revoked key: down with one line, reauth asked, no polling; a key brings it back."""
    caplog.clear()
    account = sandbox.account
    assert sandbox.exchange.revoke_key(sandbox.key)
    await tick(hass, freezer)

    assert_all_unavailable(hass, init_integration)
    assert coordinator_lines(caplog) == [
        "Authentication failed while fetching mtgox data: "
        "The exchange rejected the API key"
    ]
    reauth = assert_reauth_started(hass, init_integration)

    # A rejected key is not tried again and again.
    sandbox.counters.clear()
    for _ in range(3):
        await tick(hass, freezer)
    assert not sandbox.counters
    assert_all_unavailable(hass, init_integration)

    # The user enables the key again and confirms it: the entry comes back.
    account.revoked = False
    result = await hass.config_entries.flow.async_configure(
        reauth["flow_id"],
        {CONF_API_KEY: sandbox.key, CONF_API_SECRET: sandbox.secret},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert_live(hass, init_integration)
