"""``info`` kept rendered per account: reused while nothing changed, never stale.

Over loopback HTTP with the 10-second cache off (the fixture's default), so
every answer must describe the account as it is when the call is made.
"""

import random
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest

from mtgox_sandbox.api import shapes
from mtgox_sandbox.auth import new_credentials
from mtgox_sandbox.engine.models import Account
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller
from .test_faults import admin_headers

BTC = 100_000_000
USD = 100_000
PRICES = {"bid": 500 * USD, "ask": 600 * USD}
"""Apart, so the caller's orders rest until the other account takes one."""
SEED = 20261129
STEPS = 40


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


async def answer(caller: Caller, path: str) -> object:
    """Return what an ``info`` call answers, without its version's envelope."""
    if path.startswith("0/"):
        return (await caller.signed(path)).json
    return await caller.data(path)


def account_of(sandbox: Sandbox, caller: Caller) -> Account:
    """Return the engine's account behind ``caller``'s key."""
    account = sandbox.exchange.account_for_key(caller.key)
    assert account is not None
    return account


async def test_a_render_is_reused_until_the_account_changes(
    caller: Caller, sandbox: Sandbox
) -> None:
    """A change the feed does not announce stays hidden; an order shows at once."""
    before = await caller.data("1/generic/info")
    # Not an engine change (nothing announces it): only a kept render hides it.
    account_of(sandbox, caller).login = "renamed behind the engine's back"
    assert await caller.data("1/generic/info") == before
    bid = {"type": "bid", "amount_int": BTC, "price_int": PRICES["bid"]}
    await caller.data("1/BTCUSD/order/add", bid)
    after = await caller.data("1/generic/info")
    assert after["Login"] == "renamed behind the engine's back"
    assert (
        after["Wallets"]["USD"]["Open_Orders"]
        != before["Wallets"]["USD"]["Open_Orders"]
    )


async def test_a_wallet_opened_or_closed_on_the_account_shows_at_once(
    caller: Caller, sandbox: Sandbox
) -> None:
    """The engine never does it, so no event says so: the wallet set is in the key."""
    account = account_of(sandbox, caller)
    before = await caller.data("1/generic/info")
    pound = account.wallets.pop("GBP")
    assert "GBP" not in (await caller.data("1/generic/info"))["Wallets"]
    account.wallets["GBP"] = pound
    assert await caller.data("1/generic/info") == before


async def test_each_version_and_envelope_has_its_own_render(
    caller: Caller, sandbox: Sandbox
) -> None:
    """v1, v1 ``?raw``, v2 and v0 answers are never served for one another."""
    account = account_of(sandbox, caller)
    expected = shapes.account_info(account)
    for _ in range(2):
        assert await caller.data("1/generic/info") == expected
        raw = await caller.signed("1/generic/info?raw")
        assert raw.json == expected
        assert await caller.data("2/money/info") == expected
        assert (await caller.signed("0/info.php")).json == expected
        funds = (await caller.signed("0/getFunds.php")).json
        assert set(funds) == {"usds", "btcs"}


async def test_no_change_over_http_is_ever_hidden_by_a_render(
    caller: Caller, sandbox: Sandbox
) -> None:
    """Random orders, cancels, trades, rights and deposits: info is always current."""
    exchange = sandbox.exchange
    maker = exchange.house_account("maker")
    for quote in exchange.open_orders(maker):  # only the two accounts below trade
        exchange.cancel_order(maker, quote.oid)
    key, secret = new_credentials()
    other = exchange.add_account(key, secret, ["get_info", "trade"])
    account = account_of(sandbox, caller)
    rights = ["get_info", "trade", "deposit"]
    rng = random.Random(SEED)  # noqa: S311 - a reproducible walk, not a secret
    for step in range(STEPS):
        action = rng.choice(("bid", "ask", "cancel", "cross", "rights", "deposit"))
        open_oids = [order.oid for order in exchange.open_orders(account)]
        if action in {"bid", "ask"}:
            amount = rng.randint(1, 5) * BTC // 100
            order = {"type": action, "amount_int": amount, "price_int": PRICES[action]}
            await caller.data("2/BTCUSD/money/order/add", order)
        elif action == "cancel" and open_oids:
            await caller.data("2/money/order/cancel", {"oid": rng.choice(open_oids)})
        elif action == "cross" and open_oids:
            mine = exchange.open_orders(account)[0]
            side = "ask" if mine.side == "bid" else "bid"
            exchange.place_order(other, "BTCUSD", side, mine.amount_int, mine.price_int)
            exchange.commit()
        elif action == "rights":
            rights = (
                ["get_info", "trade"] if "deposit" in rights else [*rights, "deposit"]
            )
            async with caller.session.post(
                f"{sandbox.url[: -len('api/')]}admin/accounts/{caller.key}/rights",
                json={"rights": rights},
                headers=admin_headers(sandbox),
            ) as reply:
                assert reply.status == 200
        elif action == "deposit":
            exchange.deposit(account, "USD", rng.randint(1, 100) * USD)
            exchange.commit()
        current = shapes.account_info(account)
        for path in ("1/generic/info", "2/money/info", "0/info.php"):
            assert await answer(caller, path) == current, (step, action, path)
        funds = (await caller.signed("0/getFunds.php")).json
        btc = Decimal(repr(funds["btcs"])) * BTC
        assert btc == account.wallets["BTC"].balance_int, (step, action)
    assert account.monthly_volume_int > 0, (
        "no trade happened: the seed tests too little"
    )
