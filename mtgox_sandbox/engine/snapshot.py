"""The JSON state of the sandbox before its database: import once, export for tests.

Version 1 of the state was one JSON object rewritten on every change.  A
``--state`` file still in that format is moved aside to
``<file>.json-backup`` and imported into a new database at its path, once.
:func:`export_state` writes the same format from a database, which makes a
whole exchange comparable in tests.
"""

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from mtgox_sandbox.store import Store

from .models import (
    STATE_VERSION,
    Account,
    HistoryEntry,
    HistoryTrade,
    Order,
    OrderFill,
    Trade,
    Wallet,
)

if TYPE_CHECKING:
    from mtgox_sandbox.exchange import Exchange

SQLITE_MAGIC: Final = b"SQLite format 3\0"
BACKUP_SUFFIX: Final = ".json-backup"


def is_database(path: str | Path) -> bool:
    """Return whether ``path`` is an SQLite file (an empty file counts as new)."""
    with Path(path).open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    return head in {SQLITE_MAGIC, b""}


def move_aside(path: Path) -> Path:
    """Rename a JSON state file to its backup name and return that."""
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    path.replace(backup)
    return backup


def import_file(path: Path) -> Store:
    """Replace the JSON state at ``path`` by a database holding it; keep a backup.

    An import that fails leaves the JSON file where it was, and no database.
    """
    state = load_json_state(path)
    backup = move_aside(path)
    store = Store(path)
    try:
        import_state(state, store)
    except BaseException:
        store.close()
        for leftover in ("", "-wal", "-shm"):
            path.with_name(path.name + leftover).unlink(missing_ok=True)
        backup.replace(path)
        raise
    return store


def load_json_state(path: Path) -> dict[str, Any]:
    """Return the JSON state object saved at ``path``."""
    state = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(state, dict):
        raise TypeError(f"{path} does not hold a state object")
    return state


def export_state(exchange: "Exchange") -> dict[str, Any]:
    """Commit, then return the whole exchange as a version 1 JSON state."""
    exchange.commit()
    store = exchange.store
    maker = exchange.recall("market_maker")
    return {
        "version": STATE_VERSION,
        "rng": maker["rng"],
        "ids": exchange.recall("ids"),
        "seed": exchange.recall("seed"),
        "last_stamp": exchange.recall("last_stamp"),
        "next_account_index": len(exchange.accounts) + 1,
        "house": exchange.recall("house"),
        "reference_prices": maker["reference_prices"],
        "last_prices": exchange.recall("last_prices"),
        "accounts": [_account(store, account) for account in exchange.accounts],
        "orders": [asdict(order) for order in store.orders()],
        "trades": {
            pair: [asdict(trade) for trade in store.trades(pair, -1)]
            for pair in exchange.pairs
        },
    }


def _account(store: Store, account: Account) -> dict[str, Any]:
    """Return an account with its wallets' kept history, oldest first."""
    data = asdict(account)
    for code, wallet in account.wallets.items():
        kept = min(wallet.operations, wallet.history_limit)
        entries = store.history(account.index, code, wallet.operations, kept)
        data["wallets"][code]["history"] = [asdict(entry) for entry in entries[::-1]]
    return data


def import_state(state: Mapping[str, Any], store: Store) -> None:
    """Write a version 1 JSON state into an empty ``store`` and commit."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"Unsupported state version {state.get('version')!r}")
    for data in state["accounts"]:
        wallets = {
            code: _wallet(store, data["index"], w)
            for code, w in data["wallets"].items()
        }
        account = Account(**{**data, "wallets": wallets})
        store.mark_account(account)
        store.mark_nonce(account)
        for wallet in wallets.values():
            store.mark_wallet(account.index, wallet)
    for data in state["orders"]:
        fills = [OrderFill(**fill) for fill in data["fills"]]
        order = Order(**{**data, "fills": fills})
        store.mark_order(order)
        for fill in fills:
            store.append_fill(order.oid, fill)
    for trades in state["trades"].values():
        for trade in trades:
            store.append_trade(Trade(**trade))
    # A state from before the database saved its id generator's whole state.
    store.set_meta("ids", state.get("ids", [state.get("id_rng"), 0]))
    store.set_meta("seed", state.get("seed", 0))
    for name in ("last_stamp", "house", "last_prices"):
        store.set_meta(name, state[name])
    store.set_meta(
        "market_maker",
        {"rng": state["rng"], "reference_prices": state["reference_prices"]},
    )
    store.commit()


def _wallet(store: Store, account_index: str, data: Mapping[str, Any]) -> Wallet:
    """Rebuild a wallet and write its history entries."""
    for entry in data["history"]:
        trade = entry["trade"]
        # A state file's "link" is the trade's, rebuilt from the trade when read.
        fields = {key: value for key, value in entry.items() if key != "link"}
        store.append_history(
            account_index,
            data["currency"],
            HistoryEntry(**{**fields, "trade": trade and HistoryTrade(**trade)}),
        )
    return Wallet(**{key: value for key, value in data.items() if key != "history"})
