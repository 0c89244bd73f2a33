"""Data update coordinator for the Mt.Gox integration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from math import inf
from typing import TYPE_CHECKING, NamedTuple, NoReturn, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import (
    AccountInfo,
    MtGoxClient,
    MtGoxError,
    MtGoxRateLimitError,
    OrderBook,
    Ticker,
)
from .api.valuation import portfolio_value, unvalued_currencies
from .book import BookPairs
from .const import (
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_UPDATE_INTERVAL,
    CONF_VALUATION_CURRENCY,
    DEFAULT_MAX_ORDER_AMOUNT,
    DEFAULT_PAIRS,
    DEFAULT_UPDATE_INTERVAL,
    DEFAULT_VALUATION_CURRENCY,
    DOMAIN,
    LOGGER,
    MIN_UPDATE_INTERVAL,
)
from .helpers import hurts_only_its_pair, rate_limited, refresh_failure, severity
from .orders import OrderTracker
from .push_topics import PushListeners

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from homeassistant.core import HomeAssistant

    from .api import Order
    from .backfill import Backfill
    from .nonce import NonceStore
    from .orders import OrderUpdate
    from .push_topics import Topic
    from .stream import EntryStream

type MtGoxConfigEntry = ConfigEntry[MtGoxRuntimeData]


class MtGoxData(NamedTuple):
    """What one refresh read from the exchange.

    ``tickers`` holds only the pairs whose ticker could be read this time: a
    pair missing from it has unavailable entities while everything else stays.
    """

    account: AccountInfo
    tickers: Mapping[str, Ticker]
    orders: tuple[Order, ...]
    lag: Decimal | None = None
    """The engine's lag in seconds; None when not read (its sensor is disabled)."""
    books: Mapping[str, OrderBook] = field(default_factory=dict)
    """The order books read, by pair: those with a book sensor enabled (book.py)."""

    def portfolio_value(self, currency: str) -> Decimal | None:
        """Value every wallet at the last prices, in ``currency``; None if unknown."""
        return portfolio_value(self.account.wallets, self.tickers, currency)


@dataclass
class MtGoxRuntimeData:
    """The objects a loaded config entry keeps."""

    client: MtGoxClient
    coordinator: MtGoxDataUpdateCoordinator
    nonce_store: NonceStore
    server_page: str | None = None  # the devices' "Visit" link (server_page.py)
    traded_pairs: tuple[str, ...] | None = None  # None: not asked; (): unreadable
    backfill: Backfill | None = None  # the statistics import, while it runs
    stream: EntryStream | None = None  # None: streaming is off in the options


class MtGoxDataUpdateCoordinator(DataUpdateCoordinator[MtGoxData]):
    """Read tickers, account and open orders in one refresh, whatever the entities."""

    config_entry: MtGoxConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: MtGoxConfigEntry, client: MtGoxClient
    ) -> None:
        """Initialize the coordinator for one account."""
        self.client = client
        options = entry.options
        self.pairs: tuple[str, ...] = tuple(options.get(CONF_PAIRS, DEFAULT_PAIRS))
        self.valuation_currency: str = options.get(
            CONF_VALUATION_CURRENCY, DEFAULT_VALUATION_CURRENCY
        )
        # Options are JSON: the amount is stored as a string to stay exact.
        self.max_order_amount = Decimal(
            str(options.get(CONF_MAX_ORDER_AMOUNT, DEFAULT_MAX_ORDER_AMOUNT))
        )
        interval = max(
            MIN_UPDATE_INTERVAL,
            int(options.get(CONF_UPDATE_INTERVAL, DEFAULT_UPDATE_INTERVAL)),
        )
        self.polling_interval = timedelta(seconds=interval)
        """The interval of the options; a healthy stream lengthens it."""
        self._failed_pairs: set[str] = set()
        self._unvalued_currencies: list[str] = []
        self._blocked_until = dt_util.utcnow()
        # When the last fetch started, whatever triggered it: none starts
        # closer than MIN_UPDATE_INTERVAL to it.
        self._last_fetch_started: datetime | None = None
        self._unsub_deferred_refresh: CALLBACK_TYPE | None = None
        self._deferred_refresh_job = HassJob(
            self._async_deferred_refresh,
            f"{DOMAIN} deferred refresh",
            cancel_on_shutdown=True,
        )
        self.orders = OrderTracker(client)
        self.read_lag = False
        """Set by the lag sensor while it is enabled; see _async_read_lag."""
        self.book_pairs = BookPairs(hass)
        self.order_updates: tuple[OrderUpdate, ...] = ()
        """The orders that filled or were cancelled since the refresh before."""
        self.push_listeners = PushListeners()
        """The entities to update when a push changes what they show."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=self.polling_interval,
            # Requested refreshes (actions, update_entity) coalesce; the
            # floor against every fetch is kept by async_request_refresh.
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=MIN_UPDATE_INTERVAL, immediate=True
            ),
        )

    @override
    async def async_request_refresh(self) -> None:
        """Refresh now, or when MIN_UPDATE_INTERVAL has passed since the last fetch.

        The debouncer only spaces requested refreshes from each other; a
        request right after a scheduled refresh would fetch again at once.
        Inside the window the request is deferred to its end, and requests
        deferred together make one refresh.
        """
        last = self._last_fetch_started
        elapsed = inf if last is None else (dt_util.utcnow() - last).total_seconds()
        if (wait := MIN_UPDATE_INTERVAL - elapsed) > 0:
            if self._unsub_deferred_refresh is None:
                self._unsub_deferred_refresh = async_call_later(
                    self.hass, wait, self._deferred_refresh_job
                )
            return
        await super().async_request_refresh()

    async def _async_deferred_refresh(self, _now: datetime) -> None:
        """Run a refresh requested inside the window, now that it is over."""
        self._unsub_deferred_refresh = None
        await super().async_request_refresh()

    def _cancel_deferred_refresh(self) -> None:
        """Drop a deferred request: a fetch starting now answers it."""
        if self._unsub_deferred_refresh is not None:
            self._unsub_deferred_refresh()
            self._unsub_deferred_refresh = None

    @override
    async def async_shutdown(self) -> None:
        """Cancel a deferred refresh with the rest."""
        self._cancel_deferred_refresh()
        await super().async_shutdown()

    @callback
    def async_apply_push(
        self,
        data: MtGoxData,
        changed: Topic | None,
        order_updates: tuple[OrderUpdate, ...] = (),
    ) -> None:
        """Show what a push changed at once, leaving the refresh schedule as it is.

        Only the listeners of ``changed`` run; None (the account read again)
        runs every listener. Unlike async_set_updated_data, the safety net's
        next full refresh keeps its time however often pushes arrive.
        """
        self.order_updates = order_updates
        self.data = data
        if changed is None:
            self.async_update_listeners()
        else:
            self.push_listeners.notify(changed)

    @override
    async def _async_update_data(self) -> MtGoxData:
        """Fetch every tracked ticker, the account and its open orders at once."""
        self._last_fetch_started = dt_util.utcnow()
        self._cancel_deferred_refresh()
        if (wait := (self._blocked_until - dt_util.utcnow()).total_seconds()) > 0:
            # Still blocked: asking again would only extend the block. Newer
            # Home Assistant versions also postpone the refresh themselves.
            raise rate_limited(wait)

        # Private calls queue on the client's nonce lock; tickers are public.
        private, public, lag, books = await asyncio.gather(
            asyncio.gather(
                self.client.account_info(),
                self.client.open_orders(),
                return_exceptions=True,
            ),
            asyncio.gather(
                *(self.client.ticker(pair) for pair in self.pairs),
                return_exceptions=True,
            ),
            self._async_read_lag(),
            self._async_read_books(),
        )
        account, orders = private
        # A rejected key, a block or a bug fails the whole refresh; any other
        # ticker error only takes down the pair it happened to.
        ticker_blockers = [
            ticker
            for ticker in public
            if isinstance(ticker, BaseException) and not hurts_only_its_pair(ticker)
        ]
        if (
            isinstance(account, BaseException)
            or isinstance(orders, BaseException)
            or ticker_blockers
            or isinstance(lag, BaseException)
            or isinstance(books, BaseException)
        ):
            failures = [
                r for r in (account, orders, lag, books) if isinstance(r, BaseException)
            ]
            self._raise_failure(min([*failures, *ticker_blockers], key=severity))

        for pair, ticker in zip(self.pairs, public, strict=True):
            self._log_pair_change(pair, ticker)
        tickers = {
            pair: ticker
            for pair, ticker in zip(self.pairs, public, strict=True)
            if isinstance(ticker, Ticker)
        }
        data = MtGoxData(
            account=account, tickers=tickers, orders=tuple(orders), lag=lag, books=books
        )
        self._log_unvalued_currencies(data)
        self.order_updates = await self.orders.async_updates(data.orders)
        return data

    async def _async_read_lag(self) -> Decimal | MtGoxError | None:
        """Read the engine's lag, if its sensor wants it, in the refresh's window.

        Read with the tickers, so never faster than the refresh (at least 10 s,
        the exchange's cache) and only while the diagnostic sensor is enabled:
        by default it costs no request. A failed read takes down only that
        sensor; a block or a rejected key is returned, to fail the refresh.
        """
        if not self.read_lag:
            return None
        try:
            return await self.client.engine_lag()
        except MtGoxError as err:
            if not hurts_only_its_pair(err):
                return err
            LOGGER.debug("Engine lag unavailable: %s", err)
            return None

    async def _async_read_books(self) -> dict[str, OrderBook] | BaseException:
        """Read the order books that enabled sensors show, one request each.

        Read with the tickers, so at most once per refresh. A failed book takes
        down only its pair's book sensors; a block or a rejected key is
        returned, to fail the refresh.
        """
        # The entities' unique ids hold the account id; the first refresh has
        # only the entry's, which the config flow made the account id.
        account = self.data.account.account_id if self.data else None
        pairs = self.book_pairs.choose(
            self.pairs,
            account or self.config_entry.unique_id,
            len(self.pairs) + int(self.read_lag),
        )
        replies = await asyncio.gather(
            *(self.client.depth(pair) for pair in pairs), return_exceptions=True
        )
        books: dict[str, OrderBook] = {}
        for pair, reply in zip(pairs, replies, strict=True):
            if isinstance(reply, OrderBook):
                books[pair] = reply
            elif hurts_only_its_pair(reply):
                LOGGER.debug("Order book of %s unavailable: %s", pair, reply)
            else:
                return reply
        return books

    def _raise_failure(self, err: BaseException) -> NoReturn:
        """Fail the refresh with the error that matters most; remember a block."""
        if not isinstance(err, MtGoxError):
            raise err  # Not ours: a bug, surfaced as is.
        if isinstance(err, MtGoxRateLimitError):
            retry_after = float(err.retry_after or MIN_UPDATE_INTERVAL)
            self._blocked_until = dt_util.utcnow() + timedelta(seconds=retry_after)
        raise refresh_failure(err) from err

    def _log_unvalued_currencies(self, data: MtGoxData) -> None:
        """Say once why the portfolio value is unknown, and what fixes it.

        Not at setup, nor while a ticker fails: the entry may be about to get
        its options, and a failing pair is reported on its own.
        """
        if self.data is None or self._failed_pairs:
            return
        unvalued = unvalued_currencies(
            data.account.wallets, data.tickers, self.valuation_currency
        )
        if unvalued and unvalued != self._unvalued_currencies:
            LOGGER.warning(
                "Portfolio value unknown: no %s price for %s; track their pairs "
                "in the options",
                self.valuation_currency,
                ", ".join(unvalued),
            )
        self._unvalued_currencies = unvalued

    def _log_pair_change(self, pair: str, ticker: Ticker | BaseException) -> None:
        """Log once that a pair went unavailable, and once that it is back."""
        if isinstance(ticker, Ticker) and pair in self._failed_pairs:
            self._failed_pairs.discard(pair)
            LOGGER.info("Ticker of %s recovered", pair)
        elif not isinstance(ticker, Ticker) and pair not in self._failed_pairs:
            self._failed_pairs.add(pair)
            LOGGER.warning("Ticker of %s unavailable: %s", pair, ticker)
