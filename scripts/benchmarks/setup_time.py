"""Config entry setup time, against one signed round trip to the sandbox."""

import statistics
import time
from typing import Final

from .harness import ALL_PAIRS, Bench
from .report import Report, Row

ROUND_TRIPS: Final = 20


async def setup_time(bench: Bench, report: Report) -> None:
    """Time config entry setups; compare with one signed round trip."""
    setups: int = bench.options.setups
    pairs = ALL_PAIRS[:5]
    times = []
    round_trips = []
    for index in range(setups + 1):
        async with bench.loaded_entry(pairs) as (entry, took):
            times.append(took)
            if index == setups:
                client = entry.runtime_data.client
                for _ in range(ROUND_TRIPS):
                    start = time.perf_counter()
                    await client.account_info()
                    round_trips.append(time.perf_counter() - start)
    cold, warm = times[0], times[1:]
    median = statistics.median(warm)
    trip = statistics.median(round_trips)
    report.rows.append(
        Row(
            "Config entry setup (5 pairs, 10 wallets)",
            f"{median * 1000:.1f} ms median of {setups} (first, cold: "
            f"{cold * 1000:.0f} ms)",
            "—",
            f"{median / trip:.1f} x one round trip",
        )
    )
    report.rows.append(
        Row(
            "One sandbox round trip (signed v1 `generic/info`)",
            f"{trip * 1000:.2f} ms median of {ROUND_TRIPS}",
            "—",
            "—",
        )
    )
    report.how.append(
        "Setup: `MockConfigEntry(...).add_to_hass(hass)`, then "
        "`hass.config_entries.async_setup(entry_id)` + `async_block_till_done()` "
        f"timed with `perf_counter`, entry removed after; {setups + 1} setups, the "
        "first (cold: imports, translations) reported apart, median of the rest. "
        "It includes the first refresh (5 tickers, 5 books, info, orders), the nonce store "
        "and the sensor platform. Round trip: median of "
        f"{ROUND_TRIPS} `client.account_info()` calls (signed v1 `generic/info`) "
        "through the entry's own client and Home Assistant's aiohttp session."
    )
