"""Apply the stream's pushes to what the coordinator shows.

A ticker replaces its pair's ticker; a depth change sets one level of a book
a sensor shows; the lag replaces the engine's lag while its sensor is enabled;
an order push updates the open orders and fires the order events through the
order tracker; a wallet push sets the wallet's balance, which it states
exactly.  Each push updates only the entities that show what it changed
(push_topics.py).  What a wallet holds for open orders moves without a
message of its own (placing and cancelling send none), so any change of an
order or a wallet reads the account once over HTTP, a second after the last
of a burst of such pushes; that read updates every entity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer

from .api import MtGoxError, Wallet
from .api.pushes import (
    DepthPush,
    LagPush,
    OrderGonePush,
    OrderPush,
    TickerPush,
    WalletPush,
)
from .const import LOGGER
from .push_topics import Part, Topic

if TYPE_CHECKING:
    from .api.pushes import Push
    from .coordinator import MtGoxData, MtGoxDataUpdateCoordinator
    from .orders import OrderUpdate

ACCOUNT_READ_DELAY: Final = 1.0
"""Seconds after the last order or wallet push before the account is read."""


class PushApplier:
    """Turn pushes into new coordinator data; count what was applied."""

    def __init__(
        self, hass: HomeAssistant, coordinator: MtGoxDataUpdateCoordinator
    ) -> None:
        """Apply pushes to ``coordinator``'s data."""
        self._coordinator = coordinator
        self.applied = 0
        """Pushes that changed what the entry shows."""
        self.account_reads = 0
        self._account_read = Debouncer(
            hass,
            LOGGER,
            cooldown=ACCOUNT_READ_DELAY,
            immediate=False,
            function=self._async_read_account,
        )

    @callback
    def apply(self, push: Push) -> None:
        """Show what ``push`` says, if it concerns what the entry shows."""
        coordinator = self._coordinator
        data = coordinator.data
        updates: tuple[OrderUpdate, ...] = ()
        match push:
            case TickerPush(ticker) if ticker.pair in coordinator.pairs:
                data = data._replace(tickers={**data.tickers, ticker.pair: ticker})
                changed = Topic(Part.TICKER, ticker.pair)
            case DepthPush() as depth if depth.pair in data.books:
                book = data.books[depth.pair].with_level(
                    depth.side, depth.price, depth.total_volume
                )
                data = data._replace(books={**data.books, depth.pair: book})
                changed = Topic(Part.BOOK, depth.pair)
            case LagPush(lag) if coordinator.read_lag:
                data = data._replace(lag=lag)
                changed = Topic(Part.LAG)
            case OrderPush(order) if coordinator.orders.pushed(order):
                others = [known for known in data.orders if known.oid != order.oid]
                data = data._replace(orders=(*others, order))
                changed = Topic(Part.ORDERS)
                self._read_account_soon()
            case OrderGonePush(oid) as gone:
                update = coordinator.orders.pushed_gone(oid, completed=gone.completed)
                updates = () if update is None else (update,)
                data = data._replace(
                    orders=tuple(o for o in data.orders if o.oid != oid)
                )
                changed = Topic(Part.ORDERS)
                self._read_account_soon()
            case WalletPush() as wallet:
                data = self._with_balance(data, wallet)
                changed = Topic(Part.WALLET, wallet.currency)
            case _:
                return
        self.applied += 1
        coordinator.async_apply_push(data, changed, updates)

    def _with_balance(self, data: MtGoxData, push: WalletPush) -> MtGoxData:
        """Set a wallet's new balance; a wallet not known yet is read with the rest."""
        self._read_account_soon()
        wallets = data.account.wallets
        known = wallets.get(push.currency)
        if known is None:
            return data
        wallet = Wallet(push.currency, push.balance, known.open_orders)
        return data._replace(
            account=data.account._replace(wallets={**wallets, push.currency: wallet}),
        )

    def _read_account_soon(self) -> None:
        self._coordinator.hass.async_create_task(
            self._account_read.async_call(), eager_start=True
        )

    async def _async_read_account(self) -> None:
        """Read the account: what open orders hold, wallets new to the account."""
        self.account_reads += 1
        try:
            account = await self._coordinator.client.account_info()
        except MtGoxError as err:
            LOGGER.debug(
                "Account not read after a push (the next refresh will): %s", err
            )
            return
        coordinator = self._coordinator
        # Every wallet and account figure may have moved: every listener runs.
        coordinator.async_apply_push(coordinator.data._replace(account=account), None)

    @callback
    def shutdown(self) -> None:
        """Drop an account read still waiting."""
        self._account_read.async_shutdown()
