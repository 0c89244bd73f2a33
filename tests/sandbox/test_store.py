"""The SQLite store: schema versions, transactions, reopening, the JSON import."""

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from mtgox_sandbox.engine.models import rng_state, seeded_rng
from mtgox_sandbox.engine.snapshot import BACKUP_SUFFIX
from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.schema import SCHEMA_VERSION
from mtgox_sandbox.store import Store

from .helpers import memory_exchange

BTC = 100_000_000
USD = 100_000


def test_a_new_database_is_in_wal_mode_at_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(ValueError, match="newer schema"):
        Store(path)


def test_reopening_carries_on_where_the_last_commit_left(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    exchange = Exchange.open(path, seed=3)
    alice = exchange.add_account("alice", "secret", ["trade"])
    exchange.place_order(alice, "BTCUSD", "bid", BTC, 700 * USD)
    exchange.step_market()
    exchange.commit()
    state = exchange.to_state()
    exchange.store.close()
    reopened = Exchange.open(path, seed=99)
    assert reopened.to_state() == state
    reopened.store.close()


def test_uncommitted_changes_are_not_in_the_database(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    exchange = Exchange.open(path)
    exchange.add_account("alice", "secret", ["trade"])
    exchange.store.close()  # as a crash before the commit would
    reopened = Exchange.open(path)
    assert reopened.account_for_key("alice") is None
    with memory_exchange() as fresh:
        assert reopened.totals() == fresh.totals()
    reopened.store.close()


def test_a_json_state_is_imported_once_and_kept_as_a_backup(tmp_path: Path) -> None:
    with memory_exchange(seed=4) as old:
        alice = old.add_account("alice", "secret", ["trade"])
        old.place_order(alice, "BTCUSD", "ask", BTC, 900 * USD)
        state = old.to_state()
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    imported = Exchange.open(path)
    assert imported.to_state() == state
    assert [o.price_int for o in imported.open_orders(alice)] == [900 * USD]
    imported.store.close()
    backup = tmp_path / f"state.json{BACKUP_SUFFIX}"
    assert json.loads(backup.read_text()) == state
    again = Exchange.open(path)  # now a database: nothing imported twice
    assert again.to_state() == state
    again.store.close()


def test_a_json_era_history_link_is_read_again_from_its_trade(tmp_path: Path) -> None:
    with memory_exchange(seed=4) as old:
        bob = old.add_account("bob", "secret", ["trade"])
        bid = old.place_order(bob, "BTCUSD", "bid", BTC, 900 * USD)  # buys at once
        state = old.to_state()
    # The JSON era saved each entry's link beside the trade it was made from.
    traded = [
        entry
        for account in state["accounts"]
        for wallet in account["wallets"].values()
        for entry in wallet["history"]
        if entry["trade"]
    ]
    assert traded
    for entry in traded:
        entry["link"] = ["stale", "Money_Trade", "0"]
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    imported = Exchange.open(path)
    account = imported.account_for_key("bob")
    assert account is not None
    spent = [e for e in imported.wallet_history(account, "USD", 1).result if e.trade]
    assert len(spent) == 1
    assert spent[0].trade is not None
    assert spent[0].link == [bid.oid, "Money_Trade", str(spent[0].trade.tid)]
    imported.store.close()


def test_a_state_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("[1, 2]")
    with pytest.raises(TypeError, match="state object"):
        Exchange.open(path)


def test_old_trades_and_closed_orders_are_deleted(tmp_path: Path) -> None:
    now = [1_390_000_000_000_000]
    exchange = Exchange.open(tmp_path / "sandbox.db", clock_us=lambda: now[0])
    alice = exchange.add_account("alice", "secret", ["trade"])
    ask = exchange.place_order(alice, "BTCUSD", "ask", BTC, 500 * USD)
    exchange.place_order(alice, "BTCUSD", "bid", BTC, 500 * USD)
    assert exchange.trades("BTCUSD", None)
    now[0] += 24 * 3600 * 1_000_000 + 1
    exchange.step_market()
    assert exchange.order(ask.oid) is None
    assert exchange.store.trades("BTCUSD", 0)[0].tid > ask.priority
    exchange.store.close()


def test_a_state_of_the_json_era_carries_on_with_its_id_generator(
    tmp_path: Path,
) -> None:
    with memory_exchange(seed=4) as old:
        state = old.to_state()
    del state["ids"], state["seed"]  # what the JSON era saved instead:
    state["id_rng"] = rng_state(seeded_rng("ids:legacy"))
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    imported = Exchange.open(path)
    alice = imported.add_account("alice", "secret", ["trade"])
    expected = uuid.UUID(int=seeded_rng("ids:legacy").getrandbits(128), version=4)
    assert alice.id == str(expected)
    imported.store.close()


def test_a_price_beyond_64_bits_is_kept_exactly(tmp_path: Path) -> None:
    """Stored before numbers were bounded at the door: kept, not a crash."""
    path = tmp_path / "sandbox.db"
    exchange = Exchange.open(path)
    alice = exchange.add_account("alice", "secret", ["trade"])
    huge = 10**400
    exchange.place_order(alice, "BTCUSD", "ask", BTC, huge)
    exchange.place_order(alice, "BTCUSD", "ask", BTC, 2**63 - 1)
    exchange.commit()
    exchange.store.close()
    reopened = Exchange.open(path)
    prices = [order.price_int for order in reopened.open_orders(alice)]
    assert prices == [huge, 2**63 - 1]
    reopened.store.close()


def test_a_failed_import_leaves_the_json_state_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    text = json.dumps({"version": 0})
    path.write_text(text)
    with pytest.raises(ValueError, match="version"):
        Exchange.open(path)
    assert path.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
