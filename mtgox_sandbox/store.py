"""The exchange's database: SQLite (the standard library's ``sqlite3``) in WAL mode.

The engine keeps in memory what matching needs (accounts and balances, the
open orders) and tells this store what changed: rows it *marks* (a wallet, an
order, an account, a nonce) are written once per transaction however often
they changed, rows it *appends* (wallet history, fills, trades) are inserted
at once.  :meth:`Store.commit` writes the marked rows and commits; the server
calls it before it answers a state-changing request, so an answered request
is in the database.

Durability (``journal_mode=WAL``, ``synchronous=NORMAL``): a commit is in the
write-ahead log, in the operating system's cache, when ``commit`` returns, so
it survives the sandbox process being killed (SIGKILL included).  The log is
fsynced at checkpoints, not at every commit, so a power cut or kernel crash
can lose the last commits (never tear the database: SQLite rolls back to the
last synced commit).  A running server checkpoints every second from another
thread (:meth:`Store.checkpoint`), so the fsyncs stay off the request path
and a power cut loses at most about a second.

History is read by its primary keys (wallet history by account, currency and
entry index; trades by pair and tid; fills by oid), never by loading it all.
The schema (:mod:`mtgox_sandbox.schema`) carries its version in SQLite's
``user_version``; opening an older database migrates it.
"""

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

from .engine.models import (
    OPEN,
    Account,
    HistoryEntry,
    Order,
    OrderFill,
    Trade,
    Wallet,
)
from .schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    account_from_row,
    account_row,
    from_wide_int,
    history_entry,
    history_row,
    order_row,
)

FALLBACK_CHECKPOINT_PAGES: Final = 10_000
"""While checkpoints run elsewhere, the writer still checkpoints itself once
the log holds this many pages (about 40 MB), should they fall behind."""


class Store:
    """One exchange's database; ``path`` None keeps it in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        """Open (creating and migrating as needed) the database at ``path``."""
        self.path = None if path is None else Path(path)
        self._db = sqlite3.connect(
            ":memory:" if path is None else path, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()
        self._checkpointer: sqlite3.Connection | None = None
        self._wallets: dict[tuple[str, str], Wallet] = {}
        self._orders: dict[str, Order] = {}
        self._accounts: dict[str, Account] = {}
        self._nonces: dict[str, Account] = {}
        self._meta: dict[str, Any] = {}

    def _migrate(self) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION`, one step per transaction."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise ValueError(f"{self.path} has a newer schema ({version})")
        for step in range(version, SCHEMA_VERSION):
            self._db.executescript(
                f"BEGIN; {MIGRATIONS[step]}; PRAGMA user_version = {step + 1}; COMMIT;"
            )

    def checkpoint_elsewhere(self) -> None:
        """Leave checkpoints to :meth:`checkpoint`, called from another thread."""
        if self.path is not None and self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute(f"PRAGMA wal_autocheckpoint = {FALLBACK_CHECKPOINT_PAGES}")

    def checkpoint(self) -> None:
        """Copy committed pages from the log into the database file, fsyncing both.

        Meant for a thread of its own: it has its own connection, and a passive
        checkpoint never blocks the writer.
        """
        if self._checkpointer is not None:
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Close the database (uncommitted changes are lost)."""
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._db.close()

    @property
    def is_empty(self) -> bool:
        """Return whether no exchange has been saved here yet."""
        return self._db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None

    # Changes --------------------------------------------------------------------

    @property
    def has_changes(self) -> bool:
        """Return whether anything is marked, appended or written but not committed."""
        return self._db.in_transaction or bool(
            self._wallets
            or self._orders
            or self._accounts
            or self._nonces
            or self._meta
        )

    def mark_wallet(self, account_index: str, wallet: Wallet) -> None:
        """Write this wallet's balances at the next commit."""
        self._wallets[account_index, wallet.currency] = wallet

    def mark_order(self, order: Order) -> None:
        """Write this order (or delete it, closed without fills) at the next commit."""
        self._orders[order.oid] = order

    def mark_account(self, account: Account) -> None:
        """Write this account's row (not its wallets) at the next commit."""
        self._accounts[account.index] = account

    def mark_nonce(self, account: Account) -> None:
        """Write this account's nonce high-water mark and tonces at the next commit."""
        self._nonces[account.index] = account

    def set_meta(self, name: str, value: Any) -> None:
        """Write a JSON value under ``name`` at the next commit."""
        self._meta[name] = value

    def append_history(
        self, account_index: str, code: str, entry: HistoryEntry
    ) -> None:
        """Record a wallet movement."""
        self._db.execute(
            "INSERT INTO wallet_history VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            history_row(account_index, code, entry),
        )

    def append_fill(self, oid: str, fill: OrderFill) -> None:
        """Record one trade of one order."""
        self._db.execute(
            "INSERT INTO fills VALUES (?,?,?,?,?,?,?)",
            (
                oid,
                fill.tid,
                fill.date,
                fill.amount_int,
                fill.price_int,
                fill.spent_int,
                fill.properties,
            ),
        )

    def append_trade(self, trade: Trade) -> None:
        """Record a public trade."""
        self.append_trades((trade,))

    def append_trades(self, trades: Iterable[Trade]) -> None:
        """Record public trades, many in one statement (a made-up past)."""
        self._db.executemany(
            "INSERT INTO trades VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    t.pair,
                    t.tid,
                    t.date,
                    t.price_int,
                    t.amount_int,
                    t.trade_type,
                    t.properties,
                    t.primary,
                )
                for t in trades
            ],
        )

    def forget_before(
        self, orders_before_us: int, trades_before_us: int, pairs: Iterable[str]
    ) -> None:
        """Delete orders closed before one time and trades before another (by index)."""
        self.flush()
        self._db.execute(
            "DELETE FROM fills WHERE oid IN"
            " (SELECT oid FROM orders WHERE closed_us < ?)",
            (orders_before_us,),
        )
        self._db.execute("DELETE FROM orders WHERE closed_us < ?", (orders_before_us,))
        self._db.executemany(
            "DELETE FROM trades WHERE pair = ? AND tid < ?",
            [(pair, trades_before_us) for pair in pairs],
        )

    def commit(self) -> None:
        """Write every marked row and commit the transaction."""
        self.flush()
        self._db.commit()

    def flush(self) -> None:
        """Write every marked row into the open transaction."""
        db = self._db
        if self._accounts:
            db.executemany(
                "INSERT OR REPLACE INTO accounts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [account_row(account) for account in self._accounts.values()],
            )
        if self._nonces:
            db.executemany(
                "INSERT OR REPLACE INTO nonces VALUES (?,?,?)",
                [
                    (a.index, str(a.nonce_high_water), _json_list(a.recent_tonces))
                    for a in self._nonces.values()
                ],
            )
        if self._wallets:
            self._write_wallets()
        if self._orders:
            self._write_orders()
        if self._meta:
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?,?)",
                [(name, json.dumps(value)) for name, value in self._meta.items()],
            )
        for pending in (self._accounts, self._nonces, self._wallets, self._orders):
            pending.clear()
        self._meta.clear()

    def _write_wallets(self) -> None:
        """Write the marked wallets and drop history beyond each one's limit."""
        rows = [
            (
                index,
                code,
                w.balance_int,
                w.reserved_int,
                w.history_limit,
                w.next_history_index,
            )
            for (index, code), w in self._wallets.items()
        ]
        self._db.executemany(
            "INSERT OR REPLACE INTO wallets VALUES (?,?,?,?,?,?)", rows
        )
        beyond_limits = [
            (index, code, w.next_history_index - 1 - w.history_limit)
            for (index, code), w in self._wallets.items()
            if w.next_history_index - 1 > w.history_limit
        ]
        if beyond_limits:
            self._db.executemany(
                "DELETE FROM wallet_history"
                " WHERE account = ? AND currency = ? AND idx <= ?",
                beyond_limits,
            )

    def _write_orders(self) -> None:
        """Write the marked orders; closed ones without fills are forgotten."""
        kept = [o for o in self._orders.values() if o.status == OPEN or o.fills]
        gone = [
            (o.oid,) for o in self._orders.values() if o.status != OPEN and not o.fills
        ]
        if kept:
            self._db.executemany(
                "INSERT OR REPLACE INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [order_row(order) for order in kept],
            )
        if gone:
            self._db.executemany("DELETE FROM orders WHERE oid = ?", gone)

    # Reading --------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """Return every saved value of :meth:`set_meta`."""
        rows = self._db.execute("SELECT name, value FROM meta")
        return {name: json.loads(value) for name, value in rows}

    def accounts(self) -> Iterator[Account]:
        """Yield every account with its wallets and nonces, in opening order."""
        wallets: dict[str, dict[str, Wallet]] = {}
        for index, code, *numbers in self._db.execute("SELECT * FROM wallets"):
            wallets.setdefault(index, {})[code] = Wallet(code, *numbers)
        nonces = {
            index: (int(high), json.loads(tonces))
            for index, high, tonces in self._db.execute("SELECT * FROM nonces")
        }
        rows = self._db.execute("SELECT * FROM accounts ORDER BY CAST(idx AS INTEGER)")
        for row in rows:
            index = row[0]
            yield account_from_row(row, wallets.get(index, {}), nonces.get(index))

    def open_orders(self) -> list[Order]:
        """Return every open order with its fills, in priority order."""
        rows = self._db.execute(
            "SELECT * FROM orders WHERE status = 'open' ORDER BY priority"
        ).fetchall()
        return [self._order(row) for row in rows]

    def orders(self) -> list[Order]:
        """Return every saved order, open or closed, in priority order."""
        self.flush()
        rows = self._db.execute("SELECT * FROM orders ORDER BY priority").fetchall()
        return [self._order(row) for row in rows]

    def order(self, oid: str) -> Order | None:
        """Return one saved order with its fills, or None."""
        self.flush()
        row = self._db.execute("SELECT * FROM orders WHERE oid = ?", (oid,)).fetchone()
        return None if row is None else self._order(row)

    def _order(self, row: tuple[Any, ...]) -> Order:
        """Rebuild an order row and its fills."""
        fills = [
            OrderFill(*fill)
            for fill in self._db.execute(
                "SELECT tid, date, amount_int, price_int, spent_int, properties"
                " FROM fills WHERE oid = ? ORDER BY tid",
                (row[0],),
            )
        ]
        oid, account, pair, side, original, amount, price, status = row[:8]
        date, priority, reserved, closed_us = row[8:]
        return Order(
            oid=oid,
            account_index=account,
            pair=pair,
            side=side,
            original_amount_int=original,
            amount_int=amount,
            price_int=from_wide_int(price),
            status=status,
            date=date,
            priority=priority,
            reserved_int=reserved,
            fills=fills,
            closed_us=closed_us,
        )

    def trades(self, pair: str, after_tid: int, limit: int = -1) -> list[Trade]:
        """Return the pair's trades with a tid above ``after_tid``, oldest first.

        At most ``limit`` of them (-1: all).
        """
        rows = self._db.execute(
            "SELECT tid, date, pair, price_int, amount_int, trade_type, properties,"
            ' "primary" FROM trades WHERE pair = ? AND tid > ? ORDER BY tid LIMIT ?',
            (pair, after_tid, limit),
        )
        return [Trade(*row) for row in rows]

    def history_size(self, account_index: str, code: str) -> int:
        """Return how many history entries of one wallet the database holds."""
        self.flush()
        (count,) = self._db.execute(
            "SELECT count(*) FROM wallet_history WHERE account = ? AND currency = ?",
            (account_index, code),
        ).fetchone()
        return int(count)

    def history(
        self, account_index: str, code: str, newest: int, count: int
    ) -> list[HistoryEntry]:
        """Return up to ``count`` entries from index ``newest`` down, newest first."""
        rows = self._db.execute(
            "SELECT idx, date, type, value_int, balance_int, info, trade_oid,"
            " trade_tid, trade_amount_int, trade_properties FROM wallet_history"
            " WHERE account = ? AND currency = ? AND idx <= ? AND idx > ?"
            " ORDER BY idx DESC",
            (account_index, code, newest, newest - count),
        )
        return [history_entry(row) for row in rows]


def _json_list(values: list[int]) -> str:
    """Return a list of integers as JSON (most often empty: no tonces)."""
    return json.dumps(values) if values else "[]"
