"""Rest-Key / Rest-Sign, nonce and tonce over loopback HTTP (reference §1).

Only the tonce window's edges are tested on the check itself, at a known µs.
"""

import base64
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from mtgox_sandbox.auth import (
    TONCE_WINDOW_US,
    AuthError,
    LoginError,
    consume_nonce,
    new_credentials,
)
from mtgox_sandbox.engine.models import Account
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox

from .helpers import FORM, Caller, Reply, fresh_nonce, memory_exchange, rest_sign

IDENTIFICATION_REQUIRED = "Identification required to access private API"


@pytest.fixture
async def caller(sandbox: Sandbox) -> AsyncIterator[Caller]:
    """Return a caller for the sandbox's funded key."""
    async with aiohttp.ClientSession() as session:
        yield Caller(session, sandbox.url, sandbox.key, sandbox.secret)


def assert_login_error(reply: Reply, token: str) -> None:
    """Check the 403 answer of a rejected private call."""
    assert reply.status == 403
    assert reply.json == {
        "result": "error",
        "error": IDENTIFICATION_REQUIRED,
        "token": token,
    }


async def test_missing_key(caller: Caller) -> None:
    """No Rest-Key: the attested error."""
    reply = await caller.request(
        "POST", "1/generic/info", body=b"nonce=1", headers=FORM
    )
    assert_login_error(reply, "login_error_missing_rest_key")


async def test_unknown_key(caller: Caller) -> None:
    """A key the exchange does not know."""
    reply = await caller.signed(
        "1/generic/info", key="00000000-0000-4000-8000-000000000000"
    )
    assert_login_error(reply, "login_error_invalid_rest_key")


async def test_revoked_key(caller: Caller, sandbox: Sandbox) -> None:
    """A revoked key is an unknown key."""
    sandbox.exchange.revoke_key(sandbox.key)
    assert_login_error(
        await caller.signed("2/money/info"), "login_error_invalid_rest_key"
    )


@pytest.mark.parametrize("signature", ["AAAA", "not base64!", ""])
async def test_wrong_signature(
    caller: Caller, sandbox: Sandbox, signature: str
) -> None:
    """A wrong or malformed signature is refused and consumes no nonce."""
    nonce = fresh_nonce()
    reply = await caller.signed(
        "1/generic/info", nonce=nonce, rest_sign_value=signature or " "
    )
    assert_login_error(reply, "login_error_invalid_rest_sign")
    assert sandbox.account.nonce_high_water < nonce
    assert (await caller.signed("1/generic/info", nonce=nonce)).status == 200


@pytest.mark.parametrize("inserted", ["!", "*", ".", "-", "_"])
async def test_signature_with_a_character_outside_base64(
    caller: Caller, inserted: str
) -> None:
    """A right signature with a character that base64 lacks is not decoded leniently."""
    body = f"nonce={fresh_nonce()}".encode()
    signature = rest_sign(caller.secret, body)
    broken = f"{signature[:40]}{inserted}{signature[40:]}"
    reply = await caller.signed("1/generic/info", body=body, rest_sign_value=broken)
    assert_login_error(reply, "login_error_invalid_rest_sign")


async def test_missing_signature(caller: Caller, sandbox: Sandbox) -> None:
    """A known key without any Rest-Sign header is refused like a wrong signature."""
    headers = {"Rest-Key": sandbox.key, **FORM}
    reply = await caller.request(
        "POST",
        "1/generic/info",
        body=f"nonce={fresh_nonce()}".encode(),
        headers=headers,
    )
    assert_login_error(reply, "login_error_invalid_rest_sign")


async def test_stale_nonce_fault_is_the_nonce_error(
    caller: Caller, sandbox: Sandbox
) -> None:
    """The stale-nonce fault answers as a stale nonce would, and consumes nothing."""
    sandbox.faults.add(FaultKind.STALE_NONCE, path="1/generic/info", count=1)
    nonce = fresh_nonce()
    reply = await caller.signed("1/generic/info", nonce=nonce)
    assert_login_error(reply, "login_error_invalid_nonce")
    assert (await caller.signed("1/generic/info", nonce=nonce)).status == 200


def test_the_demo_key_is_a_uuid_with_a_64_byte_secret(sandbox: Sandbox) -> None:
    """A sandbox started without accounts makes a key shaped like Mt.Gox's."""
    assert uuid.UUID(sandbox.key).version == 4
    assert len(base64.b64decode(sandbox.secret, validate=True)) == 64


async def test_signature_with_another_secret(caller: Caller) -> None:
    """A well-formed signature made with the wrong secret is refused."""
    body = f"nonce={fresh_nonce()}".encode()
    wrong = rest_sign("c2VjcmV0", body)
    reply = await caller.signed("1/generic/info", body=body, rest_sign_value=wrong)
    assert_login_error(reply, "login_error_invalid_rest_sign")


@pytest.mark.parametrize("separator", [" ", "\t", " \t "])
async def test_whitespace_inside_rest_sign(caller: Caller, separator: str) -> None:
    """Finance::MtGox's folded signature is accepted.

    Perl's ``encode_base64`` ends lines after 76 characters and at the end;
    LWP turns each newline of a header value into a space before sending.
    """
    body = f"nonce={fresh_nonce()}".encode()
    signature = rest_sign(caller.secret, body)
    perl = f"{signature[:76]}\n{signature[76:]}\n"
    as_sent = perl.replace("\n", separator)
    reply = await caller.signed("1/generic/info", body=body, rest_sign_value=as_sent)
    assert reply.status == 200


async def test_raw_unencoded_body(caller: Caller) -> None:
    """The signature covers the body exactly as sent, even if not URL-encoded."""
    body = f"nonce={fresh_nonce()}&type=bid&amount=0.01&price=1 000".encode()
    reply = await caller.signed("1/BTCUSD/order/add", body=body)
    assert reply.json["result"] == "error"
    assert reply.json["error"] != IDENTIFICATION_REQUIRED


async def test_v1_signature_on_a_v2_call(caller: Caller) -> None:
    """v2 signs the path too, so a body-only signature is refused."""
    body = f"nonce={fresh_nonce()}".encode()
    reply = await caller.signed(
        "2/money/info", body=body, rest_sign_value=rest_sign(caller.secret, body)
    )
    assert_login_error(reply, "login_error_invalid_rest_sign")


async def test_v2_signature_covers_the_pair(caller: Caller) -> None:
    """A v2 signature for one path does not authorise another."""
    body = f"nonce={fresh_nonce()}".encode()
    other = rest_sign(caller.secret, b"BTCEUR/money/info\0" + body)
    reply = await caller.signed("2/BTCUSD/money/info", body=body, rest_sign_value=other)
    assert_login_error(reply, "login_error_invalid_rest_sign")


async def test_replayed_nonce(caller: Caller) -> None:
    """The same nonce twice: the second is stale."""
    nonce = fresh_nonce()
    assert (await caller.signed("1/generic/info", nonce=nonce)).status == 200
    assert_login_error(
        await caller.signed("1/generic/info", nonce=nonce), "login_error_invalid_nonce"
    )
    assert_login_error(
        await caller.signed("2/money/info", nonce=nonce - 1),
        "login_error_invalid_nonce",
    )


@pytest.mark.parametrize("nonce", ["", "abc", "-5", str(2**63 + 1)])
async def test_malformed_nonce(caller: Caller, nonce: str) -> None:
    """Missing, non-numeric, negative and over-64-bit nonces are refused."""
    reply = await caller.signed("1/generic/info", body=f"nonce={nonce}".encode())
    assert_login_error(reply, "login_error_invalid_nonce")


async def test_any_increasing_nonce_works(caller: Caller, sandbox: Sandbox) -> None:
    """Only monotonicity matters (JV used System.nanoTime())."""
    high = sandbox.account.nonce_high_water
    assert (await caller.signed("1/generic/info", nonce=high + 1)).status == 200
    assert (await caller.signed("1/generic/info", nonce=2**63)).status == 200
    assert sandbox.account.nonce_high_water == 2**63


async def test_rejected_request_keeps_the_high_water_mark(
    caller: Caller, sandbox: Sandbox
) -> None:
    """A request refused for missing rights does not consume its nonce."""
    sandbox.exchange.set_rights(sandbox.key, ["trade"])
    nonce = fresh_nonce()
    assert_login_error(
        await caller.signed("1/generic/info", nonce=nonce),
        "login_error_insufficient_rights",
    )
    assert sandbox.account.nonce_high_water < nonce


@pytest.mark.parametrize(
    ("rights", "path", "params"),
    [
        (["trade"], "1/generic/info", {}),
        (["trade"], "2/money/orders", {}),
        (["trade"], "2/money/idkey", {}),
        (["trade"], "2/money/wallet/history", {"currency": "BTC"}),
        (
            ["get_info"],
            "2/BTCUSD/money/order/add",
            {"type": "bid", "amount_int": 1_000_000},
        ),
        (["get_info"], "1/BTCUSD/order/cancel", {"oid": "x"}),
        (["deposit"], "2/money/order/result", {"type": "bid", "order": "x"}),
        (["get_info"], "0/buyBTC.php", {"amount": "1"}),
    ],
)
async def test_missing_rights(
    caller: Caller,
    sandbox: Sandbox,
    rights: list[str],
    path: str,
    params: dict[str, object],
) -> None:
    """Each private call needs its right; without it, a 403."""
    sandbox.exchange.set_rights(sandbox.key, rights)
    reply = await caller.signed(path, params)
    assert reply.status == 403
    if not path.startswith("0/"):
        assert reply.json["token"] == "login_error_insufficient_rights"


async def test_order_result_accepts_either_right(
    caller: Caller, sandbox: Sandbox
) -> None:
    """order/result needs get_info or trade (KAR)."""
    sandbox.exchange.set_rights(sandbox.key, ["trade"])
    reply = await caller.signed("2/money/order/result", {"type": "bid", "order": "x"})
    assert reply.json["error"] == "Order not found"


def now_us() -> int:
    """Return the test's clock in µs."""
    return time.time_ns() // 1000


async def test_tonce_window(caller: Caller) -> None:
    """A tonce within ±10 s is accepted; outside it is refused."""
    for offset_s in (-9, 9):
        reply = await caller.signed(
            "2/money/info", body=f"tonce={now_us() + offset_s * 1_000_000}".encode()
        )
        assert reply.status == 200
    for offset_s in (-11, 11):
        reply = await caller.signed(
            "2/money/info", body=f"tonce={now_us() + offset_s * 1_000_000}".encode()
        )
        assert_login_error(reply, "login_error_invalid_nonce")


STALE = LoginError.INVALID_NONCE
SERVER_NOW_US = 1_390_000_000_000_000
"""The server's clock in the tonce tests that judge a request at a known µs."""


@pytest.fixture
def account() -> Iterator[Account]:
    """Return a fresh account, to hand tonces to the check itself.

    Over HTTP the server reads its own clock, so the edges of the window can only
    be tested here, with the microsecond the request is judged at in hand.
    """
    with memory_exchange() as exchange:
        yield exchange.add_account(*new_credentials(), ["get_info"])


def refusal(account: Account, tonce: int, now_us: int) -> LoginError | None:
    """Return why the server, at ``now_us``, refuses ``tonce``; None if it takes it."""
    try:
        consume_nonce(account, {"tonce": str(tonce)}, now_us)
    except AuthError as error:
        return error.token
    return None


def test_tonce_window_includes_its_edges(account: Account) -> None:
    """Exactly 10 s either side of the server's clock is in; 1 µs further is out."""
    for offset in (-TONCE_WINDOW_US, TONCE_WINDOW_US):
        assert refusal(account, SERVER_NOW_US + offset, SERVER_NOW_US) is None
    for offset in (-TONCE_WINDOW_US - 1, TONCE_WINDOW_US + 1):
        assert refusal(account, SERVER_NOW_US + offset, SERVER_NOW_US) is STALE


def test_a_tonce_at_the_window_edge_is_remembered(account: Account) -> None:
    """Tonces are forgotten only once the window no longer takes them."""
    oldest = SERVER_NOW_US - TONCE_WINDOW_US
    assert refusal(account, oldest, SERVER_NOW_US) is None
    assert refusal(account, SERVER_NOW_US, SERVER_NOW_US) is None
    assert refusal(account, oldest, SERVER_NOW_US) is STALE
    # One µs later the window refuses it by itself, so it is forgotten.
    assert refusal(account, SERVER_NOW_US + 1, SERVER_NOW_US + 1) is None
    assert account.recent_tonces == [SERVER_NOW_US, SERVER_NOW_US + 1]


async def test_tonce_reuse_and_order(caller: Caller, sandbox: Sandbox) -> None:
    """Tonces may arrive out of order but never twice; they leave the nonce alone."""
    later, earlier = now_us(), now_us() - 1_000_000
    assert (
        await caller.signed("1/generic/info", body=f"tonce={later}".encode())
    ).status == 200
    assert (
        await caller.signed("1/generic/info", body=f"tonce={earlier}".encode())
    ).status == 200
    reply = await caller.signed("1/generic/info", body=f"tonce={later}".encode())
    assert_login_error(reply, "login_error_invalid_nonce")
    assert sandbox.account.nonce_high_water == 0


async def test_v0_errors_are_bare(caller: Caller) -> None:
    """v0 errors have only an ``error`` key; a missing key is "Not logged in."."""
    reply = await caller.request("POST", "0/info.php", body=b"nonce=1", headers=FORM)
    assert reply.status == 403
    assert reply.json == {"error": "Not logged in."}
    await caller.signed("0/info.php", nonce=5)
    stale = await caller.signed("0/info.php", nonce=5)
    assert stale.status == 403
    # Our choice: unlike the other login errors, a v0 stale nonce says so.
    assert stale.json == {"error": "Invalid nonce"}
