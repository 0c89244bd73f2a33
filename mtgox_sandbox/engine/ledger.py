"""Wallet postings: every balance change is a history entry, saved and published.

A posting changes a wallet's ``balance_int`` and appends the movement to the
wallet's history in the store; a reserve change moves money between a
wallet's available and reserved parts without a history entry.  Both mark
the wallet for the transaction's commit and publish a :class:`WalletEvent`.
An account's own record (rights, monthly volume) is saved here too, with an
:class:`AccountEvent`.
"""

from mtgox_sandbox.store import Store

from .feed import AccountEvent, Feed, WalletEvent
from .models import (
    HISTORY_PAGE_SIZE,
    MICROSECONDS,
    Account,
    ExchangeError,
    HistoryEntry,
    HistoryPage,
    HistoryTrade,
    Wallet,
)


class Ledger:
    """Posts to wallets on behalf of the engine."""

    def __init__(self, store: Store, feed: Feed) -> None:
        """Write through ``store`` and announce on ``feed``."""
        self._store = store
        self._feed = feed

    def post(
        self,
        account: Account,
        code: str,
        delta: int,
        kind: str,
        info: str,
        date: int,
        trade: HistoryTrade | None = None,
    ) -> None:
        """Change a balance by ``delta`` and record the movement in its history."""
        wallet = account.wallets[code]
        wallet.balance_int += delta
        entry = HistoryEntry(
            index=wallet.next_history_index,
            date=date,
            type=kind,
            value_int=abs(delta),
            balance_int=wallet.balance_int,
            info=info,
            trade=trade,
        )
        wallet.next_history_index += 1
        self._store.append_history(account.index, code, entry)
        self._changed(account, wallet, entry)

    def history_page(self, account: Account, code: str, page: int) -> HistoryPage:
        """Return one page (1-based, newest first) of a wallet's kept history."""
        wallet = account.wallets.get(code)
        if wallet is None:
            raise ExchangeError(f"Invalid currency {code!r}")
        records = min(wallet.operations, wallet.history_limit)
        current = max(1, page)
        newest = wallet.operations - (current - 1) * HISTORY_PAGE_SIZE
        # Entry indexes are consecutive: a page is an index range, read by key
        # (a page past the last is an empty range).
        count = min(HISTORY_PAGE_SIZE, newest - (wallet.operations - records))
        return HistoryPage(
            records=records,
            result=self._store.history(account.index, code, newest, count),
            current_page=current,
            max_page=max(1, -(-records // HISTORY_PAGE_SIZE)),
        )

    def reserve(self, account: Account, code: str, amount_int: int) -> None:
        """Hold ``amount_int`` of a wallet for an order (negative: give it back)."""
        wallet = account.wallets[code]
        wallet.reserved_int += amount_int
        self._changed(account, wallet)

    def transfer(
        self, source: Account, target: Account, code: str, amount_int: int, now_us: int
    ) -> None:
        """Move money from ``source`` (the bank) to ``target`` as a deposit."""
        date = now_us // MICROSECONDS
        self.post(
            source, code, -amount_int, "withdraw", f"Funding {target.login}", date
        )
        self.post(target, code, amount_int, "deposit", "Deposit", date)

    def save_account(self, account: Account) -> None:
        """Save the account's own record with the transaction and tell the feed."""
        self._store.mark_account(account)
        if self._feed.wants(AccountEvent):
            self._feed.publish(AccountEvent(account.index))

    def _changed(
        self, account: Account, wallet: Wallet, entry: HistoryEntry | None = None
    ) -> None:
        """Save the wallet with the transaction and tell the feed."""
        self._store.mark_wallet(account.index, wallet)
        if self._feed.wants(WalletEvent):
            self._feed.publish(
                WalletEvent(
                    account.index,
                    wallet.currency,
                    wallet.balance_int,
                    wallet.reserved_int,
                    entry,
                )
            )
