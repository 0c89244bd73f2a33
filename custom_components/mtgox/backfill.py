"""Long-term statistics of each tracked pair, read from the exchange's past trades.

Each pair gets two external statistics (README, "History from day one", says
why external ones): ``mtgox:<pair>_price_<server>``, the hourly mean, min and
max of its trade prices, and ``mtgox:<pair>_volume_<server>``, the BTC traded,
as a sum (``<server>``: the host and any port other than the default).
They resume from the last hour the recorder holds, so a restart after any gap
(Home Assistant stopped, the server down) imports exactly the missing hours.

One background task per entry (cancelled when it unloads) starts
:data:`SETTLE_DELAY` after Home Assistant has started, so that neither Home
Assistant's start nor the entry's setup waits on the import's requests and
database reads. It reads, pair after pair, ``trades/fetch`` from the first
missing hour on, at most one request per :data:`REQUEST_SPACING`, and imports the complete hours of each page before
asking for the next: memory stays that of one page. Then it waits for the
next hour and does it again. Prices are summed exactly (Decimal); only the
figures handed to the recorder become floats.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.core import callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util
from yarl import URL

from .api import MtGoxError, MtGoxRateLimitError
from .compat import statistic_metadata
from .const import BITCOIN, DOMAIN, LOGGER
from .helpers import pair_label

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .api import MtGoxClient, PublicTrade

HOUR: Final = timedelta(hours=1)
ARITHMETIC: Final = StatisticMeanType.ARITHMETIC
NO_MEAN: Final = StatisticMeanType.NONE
REQUEST_SPACING: Final = 10.0
"""Seconds between two trade requests: Mt.Gox blocked clients asking faster."""
RETRY_DELAY: Final = timedelta(minutes=5)
"""How long to wait after the exchange could not be read before trying again."""
SETTLE_DELAY: Final = timedelta(seconds=10)
"""How long after Home Assistant started (or the entry's setup) the import begins."""
NEXT_HOUR_MARGIN: Final = timedelta(seconds=30)
"""How long after an hour ends it is read, so its last trades are listed."""


def server_name(url: str) -> str:
    """Return the host of the server at ``url``, with its port unless the default."""
    parsed = URL(url)
    host = parsed.host or ""
    return host if parsed.is_default_port() else f"{host}:{parsed.port}"


def price_statistic_id(url: str, pair: str) -> str:
    """Return the statistic id of a pair's hourly prices at the server at ``url``."""
    return _statistic_id(url, pair, "price")


def volume_statistic_id(url: str, pair: str) -> str:
    """Return the statistic id of a pair's hourly volume at the server at ``url``."""
    return _statistic_id(url, pair, "volume")


def _statistic_id(url: str, pair: str, figure: str) -> str:
    # Each server its own market, so its own ids: ``mtgox:btcusd_price_data_mtgox_com``.
    server = re.sub(r"[^0-9a-z]+", "_", server_name(url).lower()).strip("_")
    return f"{DOMAIN}:{pair.lower()}_{figure}_{server}"


@dataclass
class HourFigures:
    """The running figures of one hour's trades."""

    start: datetime
    price_sum: Decimal = Decimal(0)
    count: int = 0
    low: Decimal | None = None
    high: Decimal | None = None
    volume: Decimal = Decimal(0)

    def add(self, trade: PublicTrade) -> None:
        """Count one trade of this hour."""
        self.price_sum += trade.price
        self.count += 1
        self.low = trade.price if self.low is None else min(self.low, trade.price)
        self.high = trade.price if self.high is None else max(self.high, trade.price)
        self.volume += trade.amount


class PairHistory:
    """Turns one pair's trades, oldest first, into hourly statistics rows.

    An hour without trades repeats the last price (as the price sensor would
    show it) with no volume; hours before the first trade get no row.
    """

    def __init__(self, first_hour: datetime, volume_sum: Decimal) -> None:
        """Start at ``first_hour`` with the volume summed before it."""
        self._hour = HourFigures(first_hour)
        self._last_price: Decimal | None = None
        self.volume_sum = volume_sum
        self.prices: list[StatisticData] = []
        self.volumes: list[StatisticData] = []

    @property
    def next_hour(self) -> datetime:
        """Return the start of the hour being counted."""
        return self._hour.start

    def add(self, trade: PublicTrade) -> None:
        """Count a trade, closing the hours before its own."""
        self.close_until(_hour_of(trade.date))
        self._hour.add(trade)
        self._last_price = trade.price

    def close_until(self, end: datetime) -> None:
        """Close every hour that starts before ``end``."""
        while self._hour.start < end:
            self._close(self._hour)
            self._hour = HourFigures(self._hour.start + HOUR)

    def take_rows(self) -> tuple[list[StatisticData], list[StatisticData]]:
        """Return the closed hours' rows (prices, volumes) and forget them."""
        rows = (self.prices, self.volumes)
        self.prices, self.volumes = [], []
        return rows

    def _close(self, hour: HourFigures) -> None:
        if hour.low is not None and hour.high is not None:
            mean = hour.price_sum / hour.count
            low, high = hour.low, hour.high
        elif self._last_price is not None:
            mean = low = high = self._last_price
        else:
            return
        self.volume_sum += hour.volume
        self.prices.append(
            StatisticData(
                start=hour.start, mean=float(mean), min=float(low), max=float(high)
            )
        )
        self.volumes.append(StatisticData(start=hour.start, sum=float(self.volume_sum)))


class Backfill:
    """Imports the missing hours of every tracked pair, then keeps them current."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: MtGoxClient,
        url: str,
        pairs: tuple[str, ...],
        days: int,
    ) -> None:
        """Prepare the import of ``days`` of ``pairs``' history at the server at ``url``."""
        self._hass = hass
        self._client = client
        self._url = url
        self._pairs = pairs
        self._depth = timedelta(days=days)
        self._last_request: float | None = None
        self.requests = 0
        self.blocks = 0
        """Requests refused by the exchange's anti-DDoS block (waited out)."""
        self.caught_up = asyncio.Event()
        """Set once every pair has been brought up to the last complete hour."""

    @callback
    def async_start(self, entry: ConfigEntry[Any]) -> None:
        """Run the import as the entry's background task once Home Assistant started."""

        @callback
        def start(hass: HomeAssistant) -> None:
            entry.async_create_background_task(
                hass, self.async_run_forever(), f"{DOMAIN} history backfill"
            )

        entry.async_on_unload(async_at_started(self._hass, start))

    async def async_run_forever(self) -> None:
        """Wait for the setups to settle; import what is missing, then every hour."""
        await asyncio.sleep(SETTLE_DELAY.total_seconds())
        while True:
            try:
                for pair in self._pairs:
                    await self.async_import_pair(pair, _hour_of(dt_util.utcnow()))
            except MtGoxError as err:
                LOGGER.warning(
                    "Could not read the exchange's past trades (%s); retrying in %s",
                    err,
                    RETRY_DELAY,
                )
                await asyncio.sleep(RETRY_DELAY.total_seconds())
                continue
            self.caught_up.set()
            now = dt_util.utcnow()
            wait = _hour_of(now) + HOUR + NEXT_HOUR_MARGIN - now
            await asyncio.sleep(wait.total_seconds())

    async def async_import_pair(self, pair: str, end: datetime) -> None:
        """Import the pair's complete hours from the first missing one to ``end``."""
        first_hour, volume_sum = await self._async_resume_point(pair)
        if first_hour >= end:
            return
        history = PairHistory(first_hour, volume_sum)
        since = _microseconds(first_hour) - 1
        page_number = 0
        while history.next_hour < end:
            trades = await self._async_page(pair, since)
            page_number += 1
            for trade in trades:
                if trade.date >= end:
                    break
                if trade.primary:
                    history.add(trade)
            # An empty page, one past the end or one that does not move on
            # (a server ignoring ``since``) ends the pair's import.
            if not trades or trades[-1].date >= end or trades[-1].tid <= since:
                history.close_until(end)
            else:
                since = trades[-1].tid
                history.close_until(_hour_of(trades[-1].date))
            self._import(pair, history)
            LOGGER.info(
                "%s history: page %d (%d trades) imported up to %s",
                pair_label(pair),
                page_number,
                len(trades),
                history.next_hour.isoformat(),
            )

    async def _async_resume_point(self, pair: str) -> tuple[datetime, Decimal]:
        """Return the first hour to import and the volume summed before it."""
        earliest = _hour_of(dt_util.utcnow() - self._depth)
        statistic_id = volume_statistic_id(self._url, pair)
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, statistic_id, False, {"sum"}
        )
        rows = last.get(statistic_id)
        if not rows:
            return earliest, Decimal(0)
        row = rows[0]
        resume = dt_util.utc_from_timestamp(row["start"]) + HOUR
        return max(resume, earliest), Decimal(str(row.get("sum") or 0))

    async def _async_page(self, pair: str, since: int) -> tuple[PublicTrade, ...]:
        """Read one page, no sooner than REQUEST_SPACING after the last request."""
        loop = asyncio.get_running_loop()
        while True:
            if self._last_request is not None:
                wait = self._last_request + REQUEST_SPACING - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            self._last_request = loop.time()
            self.requests += 1
            try:
                return await self._client.trades(pair, since)
            except MtGoxRateLimitError as err:
                # Blocked: the client sends nothing until the block is over.
                self.blocks += 1
                wait = err.retry_after or REQUEST_SPACING
                LOGGER.info("%s history: blocked, waiting %.0f s", pair, wait)
                await asyncio.sleep(wait)

    def _import(self, pair: str, history: PairHistory) -> None:
        prices, volumes = history.take_rows()
        if not prices:
            return
        label, url = pair_label(pair), self._url
        # The price has a mean (and min, max), the volume a sum.
        for statistic_id, name, unit, mean_type, rows in (
            (price_statistic_id(url, pair), "price", pair[3:], ARITHMETIC, prices),
            (volume_statistic_id(url, pair), "volume", BITCOIN, NO_MEAN, volumes),
        ):
            metadata = statistic_metadata(
                statistic_id=statistic_id,
                name=f"{label} {name} ({server_name(url)})",
                unit=unit,
                mean_type=mean_type,
                has_sum=mean_type is NO_MEAN,
            )
            async_add_external_statistics(self._hass, metadata, rows)


def _hour_of(moment: datetime) -> datetime:
    """Return the start of the hour ``moment`` falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def _microseconds(moment: datetime) -> int:
    """Return a time as a trade id: microseconds since 1970."""
    return int(moment.timestamp()) * 1_000_000
