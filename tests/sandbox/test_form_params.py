"""Form bodies: read as ``parse_qsl`` (blank values kept) reads them, fast path or not."""

from urllib.parse import parse_qsl

import aiohttp
import pytest

from mtgox_sandbox.api.common import form_params
from mtgox_sandbox.runner import Sandbox

from .helpers import Caller, fresh_nonce

BODIES = [
    "",
    "&",
    "a=1&b=2",
    "a=1&&b",
    "=x&a=",
    "a&a=2",
    "a=1=2",
    "k=v&k=w",
    "a=b;c=d",
    "x=%41&y=+",
    "a=b+c",
    "amount=0.01&price=1 000",
    "name=caf%C3%A9&bad=%FF",
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_reads_as_parse_qsl_reads_it(body: str) -> None:
    expected = dict(parse_qsl(body, keep_blank_values=True))
    assert form_params({}, body.encode()) == expected


def test_the_body_wins_over_the_query() -> None:
    query = {"type": "ask", "page": "2"}
    assert form_params(query, b"type=bid") == {"type": "bid", "page": "2"}


@pytest.mark.parametrize("escaped", [False, True])
async def test_an_order_body_with_empty_fields_and_escapes(
    sandbox: Sandbox, escaped: bool
) -> None:
    side = "%62id" if escaped else "bid"  # %62 is "b"
    body = f"&nonce={fresh_nonce()}&&type={side}&amount_int=1000000&price_int=5000000&"
    async with aiohttp.ClientSession() as session:
        caller = Caller(session, sandbox.url, sandbox.key, sandbox.secret)
        reply = await caller.signed("2/BTCUSD/money/order/add", body=body.encode())
    assert reply.json["result"] == "success", reply.text
    order = sandbox.exchange.order(reply.json["data"])
    assert order is not None
    assert (order.side, order.amount_int, order.price_int) == ("bid", 10**6, 5 * 10**6)
