"""The private channel (idkey) and signed calls over the socket (reference §8)."""

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from mtgox_sandbox.runner import Sandbox
from mtgox_sandbox.stream.channels import channel_uuid
from mtgox_sandbox.stream.idkeys import (
    IDKEY_LIFETIME_US,
    account_for_idkey,
    make_idkey,
)

from .helpers import Caller, assert_currency_object, assert_order, fresh_nonce
from .stream_client import (
    ENVELOPE_KEYS,
    TRANSPORTS,
    StreamClient,
    connect,
    signed_payload,
)

AWAY_PRICE = 200_000_000

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


def kind(name: str) -> Any:
    """Return a predicate for channel messages of one kind."""
    return lambda message: message.get("private") == name


async def join_private(client: StreamClient, idkey: str) -> str:
    """Subscribe with an id key; return the private channel's UUID."""
    await client.send({"op": "mtgox.subscribe", "key": idkey})
    answer = await client.receive()
    assert answer["op"] == "subscribe", answer
    channel: str = answer["channel"]
    return channel


@pytest.mark.parametrize("idkey_path", ["1/generic/idkey", "2/money/idkey"])
async def test_own_orders_wallets_and_trades_arrive_on_the_private_channel(
    sandbox: Sandbox, transport: str, caller: Caller, idkey_path: str
) -> None:
    idkey = await caller.data(idkey_path)
    async with connect(sandbox, transport, "Channel=trade.BTC") as client:
        await client.answers(1)
        channel = await join_private(client, idkey)
        oid = await caller.data(
            "2/BTCUSD/money/order/add",
            {"type": "ask", "amount_int": 1_000_000, "price_int": AWAY_PRICE},
        )
        opened = await client.until(kind("user_order"))
        assert set(opened) == {*ENVELOPE_KEYS, "user_order"}
        assert opened["channel"] == channel
        assert_order(opened["user_order"])
        assert "price" in opened["user_order"]
        assert (opened["user_order"]["oid"], opened["user_order"]["status"]) == (
            oid,
            "open",
        )
        # Someone else takes it (the only ask left): a passive fill, paid to us.
        maker = sandbox.exchange.house_account("maker")
        for resting in sandbox.exchange.open_orders(maker):
            sandbox.exchange.cancel_order(maker, resting.oid)
        other = sandbox.exchange.add_account("taker-key", "c2VjcmV0", ["trade"])
        sandbox.exchange.place_order(other, "BTCUSD", "bid", 1_000_000, None)
        seen = [await client.receive()]
        while "reason" not in seen[-1].get("user_order", {}):
            seen.append(await client.receive())
    kinds = [message["private"] for message in seen]
    assert kinds.count("trade") == 2  # the public one and ours
    own_trade = next(
        m for m in seen if m["private"] == "trade" and m["channel"] == channel
    )
    assert own_trade["trade"]["amount_int"] == "1000000"
    assert seen[-1]["user_order"] == {"oid": oid, "reason": "completed_passive"}
    filled = next(m for m in seen if m["private"] == "user_order")
    assert filled["user_order"]["amount"]["value_int"] == "0"
    wallets = [m["wallet"] for m in seen if m["private"] == "wallet"]
    assert [(w["op"], w["amount"]["currency"]) for w in wallets] == [
        ("out", "BTC"),
        ("earned", "USD"),
        ("fee", "USD"),
    ]
    for wallet in wallets:
        assert set(wallet) == {"op", "amount", "info", "ref", "balance"}
        assert_currency_object(wallet["amount"])
        assert_currency_object(wallet["balance"])
        assert wallet["ref"] == own_trade["trade"]["tid"]
    balance = sandbox.account.wallets["USD"].balance_int
    assert wallets[-1]["balance"]["value_int"] == str(balance)


async def test_removal_reasons_requested_and_completed_active(
    sandbox: Sandbox, transport: str, caller: Caller
) -> None:
    idkey = await caller.data("2/money/idkey")
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        await join_private(client, idkey)
        exchange, account = sandbox.exchange, sandbox.account
        resting = exchange.place_order(account, "BTCUSD", "ask", 1_000_000, AWAY_PRICE)
        exchange.cancel_order(account, resting.oid)
        removed = [
            (await client.until(kind("user_order")))["user_order"] for _ in range(2)
        ]
        assert removed[1] == {"oid": resting.oid, "reason": "requested"}
        taker = exchange.place_order(account, "BTCUSD", "bid", 1_000_000, None)
        while (message := await client.until(kind("user_order")))["user_order"].get(
            "status"
        ):
            pass
        assert message["user_order"] == {"oid": taker.oid, "reason": "completed_active"}


async def test_a_bad_or_revoked_idkey_is_refused(
    sandbox: Sandbox, transport: str, caller: Caller
) -> None:
    idkey = await caller.data("2/money/idkey")
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        await client.send({"op": "mtgox.subscribe", "key": idkey[:-2] + "AA", "id": 1})
        refused = await client.receive()
        assert (refused["op"], refused["message"]) == (
            "remark",
            "Invalid or expired key",
        )
        sandbox.exchange.revoke_key(sandbox.key)
        await client.send({"op": "mtgox.subscribe", "key": idkey})
        assert (await client.receive())["op"] == "remark"


def test_an_idkey_expires_after_24_hours(sandbox: Sandbox, transport: str) -> None:
    now = sandbox.exchange.now()
    idkey = make_idkey(sandbox.account, now)
    accounts = sandbox.exchange.accounts
    assert len(idkey) == 75
    assert account_for_idkey(idkey, accounts, now + IDKEY_LIFETIME_US - 1)
    assert account_for_idkey(idkey, accounts, now + IDKEY_LIFETIME_US) is None


async def test_signed_calls_answer_like_http(sandbox: Sandbox, transport: str) -> None:
    key, secret = sandbox.key, sandbox.secret
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        info = await client.call(key, secret, "private/info", request_id="info")
        assert info["op"] == "result"
        assert info["result"]["Wallets"]["BTC"]["Balance"]["currency"] == "BTC"
        add = await client.call(
            key,
            secret,
            "order/add",
            {"type": "ask", "amount_int": 1_000_000, "price_int": AWAY_PRICE},
            request_id="add",
        )
        oid = add["result"]
        orders = await client.call(key, secret, "private/orders", request_id="orders")
        assert [order["oid"] for order in orders["result"]] == [oid]
        cancel = await client.call(
            key, secret, "order/cancel", {"oid": oid}, request_id="cancel"
        )
        assert cancel["result"]["oid"] == oid
        idkey = await client.call(key, secret, "private/idkey", request_id="idkey")
        assert account_for_idkey(
            idkey["result"], sandbox.exchange.accounts, sandbox.exchange.now()
        )
        lag = await client.call(key, secret, "order/lag", request_id="lag")
        assert lag == {
            "op": "result",
            "id": "lag",
            "result": {"lag": 0, "lag_secs": 0, "lag_text": "0 seconds", "length": "0"},
        }
    assert sandbox.counters["stream:call"] == 6


async def test_a_tonce_is_accepted(sandbox: Sandbox, transport: str) -> None:
    inner = json.dumps(
        {"id": "t", "call": "private/info", "params": {}, "tonce": fresh_nonce()}
    ).encode()
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        payload = signed_payload(sandbox.key, sandbox.secret, inner)
        await client.send({"op": "call", "id": "t", "call": payload})
        assert (await client.until(lambda m: m.get("id") == "t"))["op"] == "result"


def remark(answer: Any) -> tuple[str, str | None]:
    """Return a refusal's message and token, after checking its shape."""
    assert answer["op"] == "remark", answer
    assert answer["success"] is False
    return answer["message"], answer.get("token")


IDENTIFICATION = "Identification required to access private API"


async def test_each_refusal_reason(sandbox: Sandbox, transport: str) -> None:
    key, secret = sandbox.key, sandbox.secret
    reader = sandbox.exchange.add_account(
        "0b6f4a1e-7a52-4b55-9c57-2f4c8a1b2c3d",
        sandbox.secret,
        ["get_info"],
    )
    assert reader.key
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        wrong = await client.call(key, secret, "private/info", signing_secret="AAAA")
        assert remark(wrong) == (IDENTIFICATION, "login_error_invalid_rest_sign")
        nonce = fresh_nonce()
        await client.call(key, secret, "private/info", nonce=nonce)
        stale = await client.call(key, secret, "private/info", nonce=nonce)
        assert remark(stale) == (IDENTIFICATION, "login_error_invalid_nonce")
        rights = await client.call(
            reader.key, secret, "order/add", {"type": "bid", "amount_int": 1_000_000}
        )
        assert remark(rights) == (IDENTIFICATION, "login_error_insufficient_rights")
        unknown = await client.call(
            "11111111-2222-3333-4444-555555555555", secret, "private/info"
        )
        assert remark(unknown) == (IDENTIFICATION, "login_error_invalid_rest_key")
        missing = await client.call(
            key, secret, "order/cancel", {"oid": "4e9d6b0c-0000-4000-8000-000000000000"}
        )
        assert remark(missing) == ("Order not found", "unknown_error")
        small = await client.call(
            key, secret, "order/add", {"type": "bid", "amount_int": 1, "price_int": 1}
        )
        assert remark(small)[0] == "Order amount is too low"
        strange = await client.call(key, secret, "money/bitcoin/send_simple")
        assert remark(strange) == ("Invalid call", None)
        for payload in ("not base64!", "AAAA", 42):
            await client.send({"op": "call", "id": "x", "call": payload})
            assert remark(await client.receive()) == ("Invalid call", None)


async def test_malformed_signed_calls_are_invalid_calls(
    sandbox: Sandbox, transport: str
) -> None:
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        base = {"id": "m", "call": "private/info", "nonce": fresh_nonce()}
        inners = [
            b"not json",
            b"[1, 2]",
            json.dumps(base | {"currency": "AUD"}).encode(),
            json.dumps(base | {"params": [1]}).encode(),
        ]
        for inner in inners:
            payload = signed_payload(sandbox.key, sandbox.secret, inner)
            await client.send({"op": "call", "id": "m", "call": payload})
            assert remark(await client.receive()) == ("Invalid call", None)
        bad_type = await client.call(
            sandbox.key, sandbox.secret, "order/add", {"type": "sideways"}
        )
        assert remark(bad_type)[0].startswith('Invalid parameter "amount_int"')


async def test_the_private_channel_can_be_left_and_switched(
    sandbox: Sandbox, transport: str, caller: Caller
) -> None:
    mine = await caller.data("2/money/idkey")
    other = sandbox.exchange.add_account(
        "0b6f4a1e-7a52-4b55-9c57-2f4c8a1b2c3d", sandbox.secret, ["get_info"]
    )
    assert other.key
    theirs = await Caller(caller.session, sandbox.url, other.key, sandbox.secret).data(
        "2/money/idkey"
    )
    async with connect(sandbox, transport, "Channel=trade.lag") as client:
        await client.answers(1)
        first = await join_private(client, mine)
        await client.send({"op": "mtgox.subscribe", "key": theirs})
        second = channel_uuid(f"private.{other.index}")
        assert await client.answers(2) == [
            {"op": "unsubscribe", "channel": first},
            {"op": "subscribe", "channel": second},
        ]
        await client.send({"op": "unsubscribe", "channel": second})
        assert await client.receive() == {"op": "unsubscribe", "channel": second}
        sandbox.exchange.place_order(other, "BTCUSD", "ask", 1_000_000, AWAY_PRICE)
        assert (await client.receive())["private"] == "lag"
