"""HTTP requests per refresh for 1, 5 and 16 pairs, from the sandbox's counters."""

from typing import Final

from mtgox_sandbox.exchange import Exchange

from .harness import ALL_PAIRS, PUBLIC_BUDGET, Bench, coordinator_of
from .report import Report, Row

PAIR_COUNTS: Final = (1, 5, 16)
REFRESHES: Final = 5
"""Counts do not vary between refreshes: a few suffice."""


def describe_counts(counts: dict[str, float]) -> str:
    """Return ``ticker 5, info 1, orders 1`` from per-refresh counters."""
    return ", ".join(
        f"{name.split(':', 1)[1]} {value:g}"
        for name, value in sorted(counts.items(), key=lambda item: -item[1])
    )


async def requests_per_refresh(bench: Bench, report: Report) -> None:
    """Count the sandbox's requests per refresh for 1, 5 and 16 pairs.

    By default (no book sensor enabled, so no book read: the baseline), then
    for 5 pairs with every book volume sensor enabled: what the books add.
    """
    runs = [(count, False) for count in PAIR_COUNTS] + [(5, True)]
    for count, books in runs:
        pairs = ALL_PAIRS[:count]
        polling = bench.loaded_entry(pairs, books=books, streaming=False)
        async with polling as (entry, _):
            coordinator = coordinator_of(entry)
            await bench.admin("DELETE", "counters")
            for _ in range(REFRESHES):
                await coordinator.async_refresh()
            await bench.hass.async_block_till_done()
            counters = (await bench.admin("GET", "counters"))["counters"]
        per_refresh = {name: value / REFRESHES for name, value in counters.items()}
        total = sum(per_refresh.values())
        # One ticker and, within the unsigned requests' budget, one book a pair.
        book_count = min(count, max(0, PUBLIC_BUDGET - count)) if books else 0
        target = count + book_count + 2
        traded = sum(pair in Exchange.pairs for pair in pairs)
        report.rows.append(
            Row(
                f"HTTP requests per refresh, {count} pair{'s' * (count > 1)}"
                + ("" if traded == count else f" ({traded} traded)")
                + (", book volume sensors enabled" if books else ""),
                f"{total:g} ({describe_counts(per_refresh)})",
                f"tickers + books + 1 + open orders = {target}",
                "met" if total <= target else f"{total - target:g} over",
            )
        )
    report.how.append(
        f"Requests per refresh: a config entry (API v1) tracking the first 1, 5 and "
        f"16 of {', '.join(ALL_PAIRS[:16])}; admin `DELETE /admin/counters`, then "
        f"{REFRESHES} x `await coordinator.async_refresh()`, then `GET "
        f"/admin/counters`, divided by {REFRESHES}. The sandbox trades only "
        f"{', '.join(Exchange.pairs)} (`Exchange.pairs`; its constructor takes no "
        "other pairs): the other pairs' tickers are still one request each, "
        "answered with the API's error, and only their sensors go unavailable. "
        "By default no book sensor is enabled (the spread is the ticker's), so "
        "no book is read; the last row is 5 pairs with their two book volume "
        "sensors registered enabled before setup, so each pair's book is read "
        f"while tickers and books stay within {PUBLIC_BUDGET} unsigned requests. Streaming "
        "is off: these are polling's figures (the streaming section has its own)."
    )
