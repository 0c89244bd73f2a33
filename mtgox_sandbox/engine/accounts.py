"""Accounts, their API keys and rights, and the house accounts' money supply.

The house bank, fee collector, market maker and crossing trader are ordinary
accounts funded once, when the exchange opens; user funds are transfers from
the bank, so the per-currency totals never change after that.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from mtgox_sandbox import money
from mtgox_sandbox.store import Store

from .ledger import Ledger
from .models import (
    BASE,
    BTC_MULTIPLIER,
    DEFAULT_TRADE_FEE_BP,
    DEMO_FUNDS,
    HISTORY_LIMIT,
    HOUSE_FUNDING_BTC,
    HOUSE_HISTORY_LIMIT,
    MICROSECONDS,
    START_PRICES,
    WALLET_CURRENCIES,
    Account,
    HouseRole,
    Wallet,
)


def format_time(stamp_us: int) -> str:
    """Format a µs timestamp the way ``Created``/``Last_Login`` are shown."""
    moment = datetime.fromtimestamp(stamp_us // MICROSECONDS, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Accounts:
    """Every account, by index and by API key."""

    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        clock: Callable[[], int],
        new_id: Callable[[], str],
        house: dict[str, str],
    ) -> None:
        """Keep accounts in ``store``; ``house`` maps each role to its account index."""
        self.by_index: dict[str, Account] = {}
        self._keys: dict[str, str] = {}
        self._store = store
        self._ledger = ledger
        self._clock = clock
        self._new_id = new_id
        self._house = house

    def load(self, accounts: Iterable[Account]) -> None:
        """Take accounts read from the store."""
        for account in accounts:
            self.by_index[account.index] = account
            if account.key is not None:
                self._keys[account.key] = account.index

    def open_house(self) -> None:
        """Open and fund the house accounts (the only money ever created)."""
        date = self._clock() // MICROSECONDS
        for role, btc in HOUSE_FUNDING_BTC.items():
            account = self._create(f"house-{role}", [], house=True)
            self._house[role] = account.index
            funds = {BASE: btc * BTC_MULTIPLIER}
            for pair, price in START_PRICES.items():
                funds[money.pair_currencies(pair)[1]] = btc * price
            for code, amount_int in funds.items():
                if amount_int:
                    self._ledger.post(
                        account, code, amount_int, "deposit", "Opening balance", date
                    )

    def add(
        self,
        key: str,
        secret: str,
        rights: Iterable[str],
        login: str | None,
        funds: Mapping[str, int] | None,
    ) -> Account:
        """Open an account for an API key, funded by the bank (default DEMO_FUNDS)."""
        if key in self._keys:
            raise ValueError(f"API key {key!r} already has an account")
        account = self._create(login, rights, key=key, secret=secret)
        self._keys[key] = account.index
        for code, amount_int in (DEMO_FUNDS if funds is None else funds).items():
            self.deposit(account, code, amount_int)
        return account

    def deposit(self, account: Account, currency: str, amount_int: int) -> None:
        """Move money from the house bank into an account (a ``deposit`` entry)."""
        bank = self.house("bank")
        if currency not in account.wallets or amount_int <= 0:
            raise ValueError(f"Cannot deposit {amount_int} {currency}")
        if bank.wallets[currency].available_int < amount_int:
            raise ValueError(f"The bank cannot fund {amount_int} {currency}")
        self._ledger.transfer(bank, account, currency, amount_int, self._clock())

    def for_key(self, key: str) -> Account | None:
        """Return the account of a live (not revoked) API key."""
        index = self._keys.get(key)
        if index is None or self.by_index[index].revoked:
            return None
        return self.by_index[index]

    def revoke(self, key: str) -> bool:
        """Revoke an API key; return whether a live key was revoked."""
        account = self.for_key(key)
        if account is None:
            return False
        account.revoked = True
        self._ledger.save_account(account)
        return True

    def set_rights(self, key: str, rights: Iterable[str]) -> Account:
        """Replace the rights of a key's account; raise ``KeyError`` if unknown."""
        account = self.by_index[self._keys[key]]
        account.rights = list(rights)
        self._ledger.save_account(account)
        return account

    def house(self, role: HouseRole) -> Account:
        """Return one of the house accounts."""
        return self.by_index[self._house[role]]

    def totals(self) -> dict[str, int]:
        """Return every currency's total balance over every account."""
        totals = dict.fromkeys(WALLET_CURRENCIES, 0)
        for account in self.by_index.values():
            for code, wallet in account.wallets.items():
                totals[code] += wallet.balance_int
        return totals

    def _create(
        self,
        login: str | None,
        rights: Iterable[str],
        *,
        house: bool = False,
        key: str | None = None,
        secret: str | None = None,
    ) -> Account:
        """Open an empty account with the next index."""
        index = str(len(self.by_index) + 1)
        opened = format_time(self._clock())
        limit = HOUSE_HISTORY_LIMIT if house else HISTORY_LIMIT
        account = Account(
            index=index,
            id=self._new_id(),
            login=login or f"user{index}",
            rights=list(rights),
            language="en_US",
            created=opened,
            last_login=opened,
            trade_fee_bp=0 if house else DEFAULT_TRADE_FEE_BP,
            wallets={
                code: Wallet(code, history_limit=limit) for code in WALLET_CURRENCIES
            },
            key=key,
            secret=secret,
            house=house,
        )
        self.by_index[index] = account
        self._store.mark_account(account)
        for wallet in account.wallets.values():
            self._store.mark_wallet(index, wallet)
        return account
