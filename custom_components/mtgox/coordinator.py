"""Data update coordinator for the Mt.Gox integration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NoReturn, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    AccountInfo,
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxClient,
    MtGoxConnectionError,
    MtGoxError,
    MtGoxRateLimitError,
    Order,
    OrderResult,
    Side,
    Ticker,
)
from .api.money import decimal_places
from .const import (
    BITCOIN,
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

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from homeassistant.core import HomeAssistant

    from .nonce import NonceStore

type MtGoxConfigEntry = ConfigEntry[MtGoxRuntimeData]

ORDER_FILLED: Final = "filled"
ORDER_CANCELLED: Final = "cancelled"
# Refreshes in a row that may fail to read the fills of a closed order before
# the integration gives up on reporting it.
MAX_ORDER_RESULT_ATTEMPTS: Final = 5
# Orders placed by the entry whose pair and side cancel_order remembers.
MAX_PLACED_ORDERS: Final = 100
# What order/result answers for an order the exchange does not know (any more).
ORDER_NOT_FOUND: Final = "Order not found"


@dataclass(frozen=True)
class MtGoxData:
    """What one refresh read from the exchange.

    ``tickers`` holds only the pairs whose ticker could be read this time: a
    pair missing from it has unavailable entities while everything else stays.
    """

    account: AccountInfo
    tickers: Mapping[str, Ticker]
    orders: tuple[Order, ...]

    def portfolio_value(self, currency: str) -> Decimal | None:
        """Value every wallet at the last price, in ``currency``.

        Bitcoin is valued at the BTC<currency> last price and any other
        currency through the bitcoin cross rate. When a wallet holding money
        has no rate (its pair untracked or its ticker failing) the value is
        unknown (None) rather than silently too low. Rounded to the smallest
        unit Mt.Gox counts ``currency`` in.
        """
        total = Decimal(0)
        for wallet_currency, wallet in self.account.wallets.items():
            if not wallet.balance:
                continue
            if (rate := self.rate(wallet_currency, currency)) is None:
                return None
            total += wallet.balance * rate
        return total.quantize(Decimal(1).scaleb(-decimal_places(currency)))

    def unvalued_currencies(self, currency: str) -> list[str]:
        """Return the currencies held without a last price in ``currency``."""
        return [
            wallet_currency
            for wallet_currency, wallet in sorted(self.account.wallets.items())
            if wallet.balance and self.rate(wallet_currency, currency) is None
        ]

    def rate(self, source: str, target: str) -> Decimal | None:
        """Return the last price of one ``source`` in ``target``, if known."""
        if source == target:
            return Decimal(1)
        source_per_bitcoin = self._bitcoin_price(source)
        target_per_bitcoin = self._bitcoin_price(target)
        if source_per_bitcoin is None or target_per_bitcoin is None:
            return None
        return target_per_bitcoin / source_per_bitcoin

    def _bitcoin_price(self, currency: str) -> Decimal | None:
        """Return the last price of a bitcoin in ``currency``, if known."""
        if currency == BITCOIN:
            return Decimal(1)
        ticker = self.tickers.get(f"{BITCOIN}{currency}")
        # A pair that never traded has no price, not a price of zero.
        return ticker.last if ticker and ticker.last else None


@dataclass(frozen=True)
class OrderUpdate:
    """An open order that left the book between two refreshes.

    ``event_type`` is ``filled`` or ``cancelled``; ``amount`` is what was still
    open when the integration last saw the order, ``filled_amount`` what the
    order traded over its whole life (from the exchange's order result).
    """

    event_type: str
    order: Order
    amount: Decimal
    filled_amount: Decimal


@dataclass
class _TrackedOrder:
    """An open order as the refreshes saw it.

    ``first_amount`` is the amount open when first seen: an order whose fills
    reach it was filled rather than cancelled.  ``attempts`` counts the
    refreshes that could not read the fills of an order gone from the book.
    """

    order: Order
    first_amount: Decimal
    attempts: int = 0


@dataclass
class MtGoxRuntimeData:
    """The objects a loaded config entry keeps."""

    client: MtGoxClient
    coordinator: MtGoxDataUpdateCoordinator
    nonce_store: NonceStore
    server_page: str | None = None  # the devices' "Visit" link (server_page.py)


class RateLimitedUpdateFailed(UpdateFailed):
    """A refresh refused by the exchange's anti-DDoS block.

    ``retry_after`` is set as an attribute: Home Assistant 2025.4's
    ``UpdateFailed`` has no such keyword, newer versions read the attribute
    to delay the next refresh.
    """

    retry_after: float | None


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
        self._open_orders: dict[str, _TrackedOrder] = {}
        self._closed_orders: dict[str, _TrackedOrder] = {}
        self.order_updates: tuple[OrderUpdate, ...] = ()
        """The orders that filled or were cancelled since the refresh before."""
        self.placed_orders: dict[str, tuple[str, Side]] = {}
        """Pair and side of the orders this entry placed, by order id.

        The exchange's order list is cached for 10 s: an order placed just now
        may be missing from it and from the last refresh, yet can be cancelled.
        """
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=timedelta(seconds=interval),
            # Requested refreshes (actions, update_entity) coalesce; the
            # floor against every fetch is kept by async_request_refresh.
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=MIN_UPDATE_INTERVAL, immediate=True
            ),
        )

    def remember_placed_order(self, oid: str, pair: str, side: Side) -> None:
        """Keep the pair and side of an order this entry placed, the newest few."""
        self.placed_orders[oid] = (pair, side)
        while len(self.placed_orders) > MAX_PLACED_ORDERS:
            del self.placed_orders[next(iter(self.placed_orders))]

    @override
    async def async_request_refresh(self) -> None:
        """Refresh now, or when MIN_UPDATE_INTERVAL has passed since the last fetch.

        The debouncer only spaces requested refreshes from each other; a
        request right after a scheduled refresh would fetch again at once.
        Inside the window the request is deferred to its end, and requests
        deferred together make one refresh.
        """
        if (wait := self._seconds_until_next_fetch()) > 0:
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

    def _seconds_until_next_fetch(self) -> float:
        """Return how long the floor still forbids a fetch."""
        if self._last_fetch_started is None:
            return 0
        elapsed = (dt_util.utcnow() - self._last_fetch_started).total_seconds()
        return MIN_UPDATE_INTERVAL - elapsed

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

    @override
    async def _async_update_data(self) -> MtGoxData:
        """Fetch every tracked ticker, the account and its open orders at once."""
        self._last_fetch_started = dt_util.utcnow()
        self._cancel_deferred_refresh()
        if (wait := (self._blocked_until - dt_util.utcnow()).total_seconds()) > 0:
            # Still blocked: asking again would only extend the block. Newer
            # Home Assistant versions also postpone the refresh themselves.
            raise _rate_limited(wait)

        # Private calls queue on the client's nonce lock; tickers are public.
        private, public = await asyncio.gather(
            asyncio.gather(
                self.client.account_info(),
                self.client.open_orders(),
                return_exceptions=True,
            ),
            asyncio.gather(
                *(self.client.ticker(pair) for pair in self.pairs),
                return_exceptions=True,
            ),
        )
        account, orders = private
        # A rejected key, a block or a bug fails the whole refresh; any other
        # ticker error only takes down the pair it happened to.
        ticker_blockers = [
            ticker
            for ticker in public
            if isinstance(ticker, BaseException) and not _hurts_only_its_pair(ticker)
        ]
        if (
            isinstance(account, BaseException)
            or isinstance(orders, BaseException)
            or ticker_blockers
        ):
            failures = [r for r in (account, orders) if isinstance(r, BaseException)]
            self._raise_failure(min([*failures, *ticker_blockers], key=_severity))

        tickers: dict[str, Ticker] = {}
        for pair, ticker in zip(self.pairs, public, strict=True):
            if isinstance(ticker, Ticker):
                self._pair_recovered(pair)
                tickers[pair] = ticker
            else:
                self._pair_failed(pair, ticker)
        data = MtGoxData(account=account, tickers=tickers, orders=tuple(orders))
        self._log_unvalued_currencies(data)
        self.order_updates = await self._async_order_updates(data.orders)
        return data

    async def _async_order_updates(
        self, orders: tuple[Order, ...]
    ) -> tuple[OrderUpdate, ...]:
        """Tell which orders open at the last refresh are gone now, and how.

        Only when an order has left the book does this spend a request: its
        ``order/result`` tells a fill from a cancellation.  Orders closed while
        Home Assistant was not running, or opened and closed between two
        refreshes, are never seen and never reported.
        """
        current = {order.oid: order for order in orders}
        for oid, tracked in self._open_orders.items():
            if oid not in current:
                self._closed_orders[oid] = tracked
        self._open_orders = {
            oid: _TrackedOrder(
                order,
                first_amount=(
                    self._open_orders[oid].first_amount
                    if oid in self._open_orders
                    else order.amount
                ),
            )
            for oid, order in current.items()
        }
        updates: list[OrderUpdate] = []
        for oid, tracked in list(self._closed_orders.items()):
            result: OrderResult | None
            try:
                result = await self.client.order_result(tracked.order.side, oid)
            except MtGoxApiError as err:
                if err.message.casefold() != ORDER_NOT_FOUND.casefold():
                    self._order_result_failed(oid, tracked, err)
                    continue
                # The exchange forgets an order closed without a single fill.
                result = None
            except MtGoxError as err:
                self._order_result_failed(oid, tracked, err)
                continue
            del self._closed_orders[oid]
            updates.append(_order_update(tracked, result))
        return tuple(updates)

    def _order_result_failed(
        self, oid: str, tracked: _TrackedOrder, err: MtGoxError
    ) -> None:
        """Try a closed order again at the next refresh, a few times only."""
        tracked.attempts += 1
        if tracked.attempts < MAX_ORDER_RESULT_ATTEMPTS:
            LOGGER.debug("Could not read the result of order %s yet: %s", oid, err)
            return
        del self._closed_orders[oid]
        LOGGER.warning(
            "Order %s left the book, but its result could not be read in %d "
            "refreshes (%s); no filled or cancelled event is sent for it",
            oid,
            tracked.attempts,
            err,
        )

    def _raise_failure(self, err: BaseException) -> NoReturn:
        """Turn the error that matters most into what the coordinator expects."""
        if isinstance(err, MtGoxAuthenticationError):
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        if isinstance(err, MtGoxRateLimitError):
            retry_after = float(err.retry_after or MIN_UPDATE_INTERVAL)
            self._blocked_until = dt_util.utcnow() + timedelta(seconds=retry_after)
            raise _rate_limited(retry_after) from err
        if isinstance(err, MtGoxConnectionError):
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="connection_error"
            ) from err
        if isinstance(err, MtGoxApiError):
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="api_error",
                translation_placeholders={"message": _api_error_message(err)},
            ) from err
        if isinstance(err, MtGoxError):
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="invalid_response"
            ) from err
        raise err

    def _log_unvalued_currencies(self, data: MtGoxData) -> None:
        """Say once why the portfolio value is unknown, and what fixes it."""
        unvalued = data.unvalued_currencies(self.valuation_currency)
        if unvalued and unvalued != self._unvalued_currencies:
            LOGGER.warning(
                "Portfolio value unknown: no %s price for %s; track their pairs "
                "in the options",
                self.valuation_currency,
                ", ".join(unvalued),
            )
        self._unvalued_currencies = unvalued

    def _pair_failed(self, pair: str, err: BaseException) -> None:
        """Log once that a pair went unavailable."""
        if pair not in self._failed_pairs:
            self._failed_pairs.add(pair)
            LOGGER.warning("Ticker of %s unavailable: %s", pair, err)

    def _pair_recovered(self, pair: str) -> None:
        """Log once that a pair is back."""
        if pair in self._failed_pairs:
            self._failed_pairs.discard(pair)
            LOGGER.info("Ticker of %s recovered", pair)


def _order_update(tracked: _TrackedOrder, result: OrderResult | None) -> OrderUpdate:
    """Describe a closed order: filled once its fills reach what was first open.

    An order partly filled before the integration first saw it, then cancelled,
    counts as filled when its fills reach the amount first seen open.
    """
    filled_amount = Decimal(0) if result is None else result.total_amount
    return OrderUpdate(
        event_type=(
            ORDER_FILLED
            if filled_amount and filled_amount >= tracked.first_amount
            else ORDER_CANCELLED
        ),
        order=tracked.order,
        amount=tracked.order.amount,
        filled_amount=filled_amount,
    )


def _api_error_message(err: MtGoxApiError) -> str:
    """Say what the exchange reported, never nothing.

    An error document without a message falls back to its token, then to the
    HTTP status when the error carries one.
    """
    if message := err.message.strip():
        return message
    if err.token:
        return err.token
    if (status := getattr(err, "status", None)) is not None:
        return f"HTTP {status}"
    return "no message"


def _rate_limited(retry_after: float) -> RateLimitedUpdateFailed:
    """Build the failure of a refresh blocked for ``retry_after`` seconds."""
    err = RateLimitedUpdateFailed(
        translation_domain=DOMAIN,
        translation_key="rate_limited",
        translation_placeholders={"retry_after": str(round(retry_after))},
    )
    err.retry_after = retry_after
    return err


def _hurts_only_its_pair(err: BaseException) -> bool:
    """Tell whether a ticker error leaves the rest of the refresh usable."""
    return isinstance(err, MtGoxError) and not isinstance(
        err, MtGoxAuthenticationError | MtGoxRateLimitError
    )


def _severity(err: BaseException) -> int:
    """Rank errors so a refresh reports the one that matters most first."""
    for rank, kind in enumerate(
        (MtGoxAuthenticationError, MtGoxRateLimitError, MtGoxError)
    ):
        if isinstance(err, kind):
            return rank
    # Not ours: a bug, surfaced as is.
    return -1
