"""The exchange database's tables and indexes, one migration per schema version.

A new database runs every migration; an existing one runs those past its
``user_version``.  Amounts are integers in the smallest unit, as in the
engine; times are Unix microseconds (``tid``, ``priority``, ``closed_us``) or
seconds (``date``).  Each table's primary key is the index its queries use.
"""

import json
from typing import Any, Final

from .engine.models import Account, HistoryEntry, HistoryTrade, Wallet

MIGRATIONS: Final = (
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE accounts (
        idx TEXT PRIMARY KEY, id TEXT NOT NULL, login TEXT NOT NULL,
        rights TEXT NOT NULL, language TEXT NOT NULL, created TEXT NOT NULL,
        last_login TEXT NOT NULL, trade_fee_bp INTEGER NOT NULL,
        key TEXT UNIQUE, secret TEXT, revoked INTEGER NOT NULL,
        house INTEGER NOT NULL, monthly_volume_int INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- high_water is decimal text: nonces go up to 2**63, one past SQLite's range
    CREATE TABLE nonces (
        account TEXT PRIMARY KEY, high_water TEXT NOT NULL,
        recent_tonces TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE wallets (
        account TEXT, currency TEXT, balance_int INTEGER NOT NULL,
        reserved_int INTEGER NOT NULL, history_limit INTEGER NOT NULL,
        next_history_index INTEGER NOT NULL, PRIMARY KEY (account, currency)
    ) WITHOUT ROWID;
    CREATE TABLE wallet_history (
        account TEXT, currency TEXT, idx INTEGER, date INTEGER NOT NULL,
        type TEXT NOT NULL, value_int INTEGER NOT NULL,
        balance_int INTEGER NOT NULL, info TEXT NOT NULL, trade_oid TEXT,
        trade_tid INTEGER, trade_amount_int INTEGER, trade_properties TEXT,
        PRIMARY KEY (account, currency, idx)
    ) WITHOUT ROWID;
    -- price_int has no type: a price beyond 64 bits (stored before numbers
    -- were bounded at the door) is kept exactly, as decimal text
    CREATE TABLE orders (
        oid TEXT PRIMARY KEY, account TEXT NOT NULL, pair TEXT NOT NULL,
        side TEXT NOT NULL, original_amount_int INTEGER NOT NULL,
        amount_int INTEGER NOT NULL, price_int, status TEXT NOT NULL,
        date INTEGER NOT NULL, priority INTEGER NOT NULL,
        reserved_int INTEGER NOT NULL, closed_us INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX orders_open ON orders (priority) WHERE status = 'open';
    CREATE INDEX orders_closed ON orders (closed_us) WHERE closed_us IS NOT NULL;
    CREATE TABLE fills (
        oid TEXT, tid INTEGER, date INTEGER NOT NULL, amount_int INTEGER NOT NULL,
        price_int INTEGER NOT NULL, spent_int INTEGER NOT NULL,
        properties TEXT NOT NULL, PRIMARY KEY (oid, tid)
    ) WITHOUT ROWID;
    CREATE TABLE trades (
        pair TEXT, tid INTEGER, date INTEGER NOT NULL, price_int INTEGER NOT NULL,
        amount_int INTEGER NOT NULL, trade_type TEXT NOT NULL,
        properties TEXT NOT NULL, "primary" TEXT NOT NULL,
        PRIMARY KEY (pair, tid)
    ) WITHOUT ROWID;
    """,
)
"""``MIGRATIONS[n]`` takes a database from schema version ``n`` to ``n + 1``."""

SCHEMA_VERSION: Final = len(MIGRATIONS)

INT64: Final = range(-(2**63), 2**63)
"""What SQLite stores as an integer."""


def wide_int(value: int | None) -> int | str | None:
    """Return ``value`` as SQLite can store it exactly: decimal text beyond 64 bits."""
    return value if value is None or value in INT64 else str(value)


def from_wide_int(value: int | str | None) -> int | None:
    """Return a :func:`wide_int` column's value as an integer."""
    return int(value) if isinstance(value, str) else value


def account_row(account: Account) -> tuple[Any, ...]:
    """Return the ``accounts`` row of an account."""
    a = account
    return (
        a.index,
        a.id,
        a.login,
        json.dumps(a.rights),
        a.language,
        a.created,
        a.last_login,
        a.trade_fee_bp,
        a.key,
        a.secret,
        int(a.revoked),
        int(a.house),
        a.monthly_volume_int,
    )


def account_from_row(
    row: tuple[Any, ...],
    wallets: dict[str, Wallet],
    nonces: tuple[int, list[int]] | None,
) -> Account:
    """Rebuild an ``accounts`` row with its wallets and its ``nonces`` row's values."""
    (index, uid, login, rights, language, created, last_login, fee_bp) = row[:8]
    key, secret, revoked, house, volume = row[8:]
    high_water, tonces = nonces or (0, [])
    return Account(
        index=index,
        id=uid,
        login=login,
        rights=json.loads(rights),
        language=language,
        created=created,
        last_login=last_login,
        trade_fee_bp=fee_bp,
        wallets=wallets,
        key=key,
        secret=secret,
        revoked=bool(revoked),
        house=bool(house),
        monthly_volume_int=volume,
        nonce_high_water=high_water,
        recent_tonces=tonces,
    )


def history_entry(row: tuple[Any, ...]) -> HistoryEntry:
    """Rebuild a wallet history row."""
    oid, tid, amount_int, properties = row[6:]
    trade = None if oid is None else HistoryTrade(oid, tid, amount_int, properties)
    index, date, kind, value_int, balance_int, info = row[:6]
    return HistoryEntry(index, date, kind, value_int, balance_int, info, trade)
