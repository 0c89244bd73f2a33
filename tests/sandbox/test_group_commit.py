"""Group commit: answers wait for the one commit their requests share.

The mechanism (:mod:`mtgox_sandbox.group_commit`) on a real engine and
store; then over real HTTP against ``python -m mtgox_sandbox`` on a file,
where the test holds SQLite's write lock from its own connection, so the
server's commit cannot happen: no answer may arrive meanwhile, and a SIGKILL
then loses only the requests nobody was answered; and a streaming frame that
tells of a change waits for its commit too (or, should it fail, never
leaves: the client is dropped).
"""

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import aiohttp
import pytest

from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.engine.models import OPEN, Account
from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.group_commit import MAX_TURNS, GroupCommit
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller, memory_exchange, saved_exchange
from .stream_client import TIMEOUT, connect
from .test_kill import sandbox_process

PAIR: Final = "BTCUSD"
RESTING_BID: Final = 50_000_000
"""500 USD: far below the book, so the order rests."""
AMOUNT: Final = 1_000_000
CLOSING: Final = {
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
}
HELD_SECONDS: Final = 0.5
"""How long the test holds the write lock: well under the server's 5 s busy wait."""


def recorded(exchange: Exchange, log: list[str]) -> GroupCommit:
    """Return a group commit for ``exchange`` that notes each commit in ``log``."""

    def commit() -> None:
        exchange.commit()
        log.append("commit")

    return GroupCommit(commit, lambda: exchange.store.has_changes)


@contextlib.contextmanager
def trading(log: list[str]) -> Iterator[tuple[Exchange, Account, GroupCommit]]:
    """Yield an exchange in memory, a trading account, and a group noting into ``log``."""
    with memory_exchange(seed=1) as exchange:
        account = exchange.add_account(*new_credentials(), ["trade"])
        exchange.commit()
        yield exchange, account, recorded(exchange, log)


async def turns_later(count: int) -> None:
    """Return ``count`` turns of the event loop later."""
    for _ in range(count):
        await asyncio.sleep(0)


def rest_bid(exchange: Exchange, account: Account) -> str:
    """Place a resting bid directly on the engine; return its oid."""
    return exchange.place_order(account, PAIR, "bid", AMOUNT, RESTING_BID).oid


async def test_calls_handled_together_share_one_commit_before_any_answer() -> None:
    log: list[str] = []
    with trading(log) as (exchange, account, group):

        async def call(name: str) -> None:
            rest_bid(exchange, account)
            await group.durable()
            log.append(name)

        await asyncio.gather(call("a"), call("b"), call("c"))
        assert log == ["commit", "a", "b", "c"]
        assert not exchange.store.has_changes
        await call("d")  # a later call: a commit of its own
        assert log[4:] == ["commit", "d"]
        assert group.commits == 2


async def test_calls_arriving_while_the_group_grows_join_its_commit() -> None:
    log: list[str] = []
    with trading(log) as (exchange, account, group):

        async def call(name: str, turn: int) -> None:
            await turns_later(turn)
            rest_bid(exchange, account)
            await group.durable()
            log.append(name)

        # a and b in one turn (the group grew), c and d in the turns after
        await asyncio.gather(call("a", 0), call("b", 0), call("c", 1), call("d", 2))
        assert log == ["commit", "a", "b", "c", "d"]
        await call("e", 0)  # alone: committed in the next turn, by itself
        assert log[5:] == ["commit", "e"]


async def test_a_group_that_keeps_growing_still_commits_in_bounded_turns() -> None:
    with trading([]) as (exchange, account, group):
        joined: list[int] = []

        async def call(turn: int) -> int:
            """Join the group ``turn`` turns on; return how many had joined."""
            await turns_later(turn)
            rest_bid(exchange, account)
            joined.append(turn)
            await group.durable()
            return len(joined)

        # Two in the first turn (the group grows), then one more every turn.
        turns = [0, *range(4 * MAX_TURNS)]
        answered_after = await asyncio.gather(*(call(turn) for turn in turns))
        # Its commit came MAX_TURNS turns after the first: 2 + MAX_TURNS had
        # joined then, and one more in that turn, before its answer ran.
        assert answered_after[0] == MAX_TURNS + 3, "the first answer waited unbounded"
        assert group.commits > 1
        assert not exchange.store.has_changes


async def test_nothing_uncommitted_means_no_commit_and_no_wait() -> None:
    log: list[str] = []
    with memory_exchange(seed=1) as exchange:
        group = recorded(exchange, log)
        await group.durable()
        assert (log, group.commits) == ([], 0)


async def test_a_waiter_gone_does_not_cancel_the_others_commit() -> None:
    log: list[str] = []
    with trading(log) as (exchange, account, group):
        rest_bid(exchange, account)
        gone = asyncio.create_task(group.durable())
        staying = asyncio.create_task(group.durable())
        await asyncio.sleep(0)  # both wait now
        gone.cancel()
        await staying
        assert gone.cancelled()
        assert log == ["commit"]
        assert not exchange.store.has_changes


async def test_a_failed_commit_fails_every_answer_of_its_group() -> None:
    with memory_exchange(seed=1) as exchange:
        account = exchange.add_account(*new_credentials(), ["trade"])
        exchange.commit()
        rest_bid(exchange, account)
        exchange.store.close()  # the commit cannot happen
        # (A closed store cannot say whether it has changes: it has.)
        group = GroupCommit(exchange.commit, lambda: True)
        first, second = await asyncio.gather(
            group.durable(), group.durable(), return_exceptions=True
        )
        assert isinstance(first, sqlite3.ProgrammingError)
        assert second is first


async def place(caller: Caller) -> str:
    """Place a resting bid over v2; return its oid."""
    params = {"type": "bid", "amount_int": AMOUNT, "price_int": RESTING_BID}
    oid: str = await caller.data(f"2/{PAIR}/money/order/add", params)
    return oid


def open_oids(path: Path, key: str) -> set[str]:
    """Return the oids of the key's open orders in the database at ``path``."""
    with saved_exchange(path) as exchange:
        account = exchange.account_for_key(key)
        assert account is not None
        return {order.oid for order in exchange.open_orders(account)}


async def test_no_answer_before_its_commit_and_a_kill_loses_only_unanswered(
    tmp_path: Path, socket_enabled: None
) -> None:
    path = tmp_path / "state.db"
    key, secret = new_credentials()
    account = f"{key}:{secret}:get_info,trade"
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with sandbox_process(path, [account]) as running:
            caller = Caller(session, running.url, key, secret)
            answered = await place(caller)
            lock = sqlite3.connect(path, isolation_level=None)
            try:
                lock.execute("BEGIN IMMEDIATE")  # the server cannot commit now
                held = [asyncio.create_task(place(caller)) for _ in range(3)]
                done, _ = await asyncio.wait(held, timeout=HELD_SECONDS)
                assert not done, "answered before its commit"
                running.process.kill()
                await running.process.wait()
            finally:
                lock.close()
            for task in held:
                with pytest.raises(aiohttp.ClientError):
                    await task
        assert open_oids(path, key) == {answered}

        async with sandbox_process(path, [account]) as running:
            caller.url = running.url
            lock = sqlite3.connect(path, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
            held = [asyncio.create_task(place(caller)) for _ in range(3)]
            done, _ = await asyncio.wait(held, timeout=HELD_SECONDS)
            assert not done, "answered before its commit"
            lock.close()  # the commit goes through: the answers follow
            oids = set(await asyncio.gather(*held))
            running.process.kill()
        assert open_oids(path, key) == {answered, *oids}


async def test_a_stream_frame_waits_for_the_commit_of_what_it_tells(
    sandbox: Sandbox,
) -> None:
    # Nothing but the stream's writer commits here: the order is placed on the
    # engine directly, as no HTTP request would leave it.
    store = sandbox.exchange.store
    async with connect(sandbox, "websocket", "Currency=USD") as client:
        await client.answers(3)
        oid = rest_bid(sandbox.exchange, sandbox.account)
        assert sandbox.exchange.store.has_changes
        depth = await client.until(lambda message: message.get("private") == "depth")
        assert not store.has_changes, "a frame told of an uncommitted change"
        assert depth["depth"]["price_int"] == str(RESTING_BID)
        order = sandbox.exchange.order(oid)
        assert order is not None
        assert order.status == OPEN


async def test_a_stream_client_is_dropped_when_the_commit_fails(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    database = sandbox.exchange.store._db
    async with connect(sandbox, "websocket", "Currency=USD") as client:
        await client.answers(3)
        database.execute("PRAGMA query_only = ON")  # every write fails now
        try:
            rest_bid(sandbox.exchange, sandbox.account)
            message = await client.ws.receive(TIMEOUT)
        finally:
            database.execute("PRAGMA query_only = OFF")
        assert message.type in CLOSING, message
    assert "Commit failed; streaming client dropped" in caplog.text
