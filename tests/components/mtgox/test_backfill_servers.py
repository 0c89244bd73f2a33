"""The history import against more than one server, and against the exchange's block."""

import time
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from typing import Final

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox.backfill import (
    REQUEST_SPACING,
    price_statistic_id,
)
from custom_components.mtgox.const import CONF_API_SECRET, CONF_HISTORY_DAYS
from mtgox_sandbox.faults import RateLimiter
from mtgox_sandbox.runner import Sandbox, running_sandbox

from . import setup_entry
from .history import assert_imported_hours, gaps, run_backfill

NOW: Final = "2026-11-29 12:00:05+00:00"
END: Final = datetime(2026, 11, 29, 12, tzinfo=UTC)
"""The last complete hour's end at NOW."""
PAIRS: Final = ("BTCUSD", "BTCEUR")
BLOCK_SECONDS: Final = 60.0

pytestmark = [
    pytest.mark.freeze_time(NOW),
    pytest.mark.parametrize("sandbox", [{"past_days": 2}], indirect=True),
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before the custom integrations are enabled."""


async def test_two_servers_keep_their_own_statistics(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Two entries on two servers: each pair's hours come from its own server."""
    async with running_sandbox(
        seed=2, cache_seconds=0, rate_limit=0, past_days=2
    ) as other:
        assert other.exchange.store.trades(
            "BTCUSD", 0
        ) != sandbox.exchange.store.trades("BTCUSD", 0)
        other_entry = MockConfigEntry(
            domain=mock_config_entry.domain,
            title="Mt.Gox elsewhere",
            unique_id="elsewhere",
            data={
                **mock_config_entry.data,
                CONF_URL: other.url,
                CONF_API_KEY: other.key,
                CONF_API_SECRET: other.secret,
            },
            options=mock_config_entry.options,
        )
        await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
        await setup_entry(hass, other_entry, options={CONF_HISTORY_DAYS: 1})
        await run_backfill(hass, freezer, sandbox)

        assert price_statistic_id(sandbox.url, "BTCUSD") != price_statistic_id(
            other.url, "BTCUSD"
        )
        for server in (sandbox, other):
            for pair in PAIRS:
                await assert_imported_hours(
                    hass, server, pair, END - timedelta(days=1), END
                )
        await hass.config_entries.async_unload(other_entry.entry_id)


class WatchedLimiter(RateLimiter):
    """The sandbox's limiter on the test's frozen clock, recording its answers."""

    def __init__(self) -> None:
        """Allow 2 requests in 15 s: the import and the entry's refresh collide."""
        # time.monotonic read at each call: freezegun's, while the test runs.
        super().__init__(2, window=15, block_seconds=BLOCK_SECONDS, clock=self._now)
        self.answers: list[float | None] = []

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def retry_after(self, client: Hashable) -> float | None:
        """Answer as the sandbox does, and remember the answer."""
        answer = super().retry_after(client)
        self.answers.append(answer)
        return answer


async def test_a_rate_limit_block_is_waited_out(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Blocked by the exchange: nothing is sent until the block ends, then it resumes.

    Every hour still arrives exactly once, the trades requests stay 10 s apart,
    and no request reaches the server during a block (each block answered is a
    new one: its full length, never the rest of one already running).
    """
    limiter = WatchedLimiter()
    sandbox.server.limiter = limiter
    await setup_entry(hass, mock_config_entry, options={CONF_HISTORY_DAYS: 1})
    stamps = await run_backfill(hass, freezer, sandbox, quiet_for=2 * BLOCK_SECONDS)

    backfill = mock_config_entry.runtime_data.backfill
    assert backfill.caught_up.is_set()
    assert backfill.blocks >= 1
    blocks = [answer for answer in limiter.answers if answer is not None]
    assert blocks
    assert set(blocks) == {BLOCK_SECONDS}
    # A block the entry's refresh ran into costs the import at most one attempt
    # the client refuses unsent; then it waits for the rest of the block.
    assert backfill.requests <= len(stamps) + len(blocks)
    assert min(gaps(stamps)) >= REQUEST_SPACING
    assert max(gaps(stamps)) >= BLOCK_SECONDS
    assert "Could not read the exchange's past trades" not in caplog.text
    for pair in PAIRS:
        await assert_imported_hours(hass, sandbox, pair, END - timedelta(days=1), END)
