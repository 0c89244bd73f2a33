"""Well-formed replies with hostile values inside, decoded and parsed as the client does.

Success and error envelopes of every API version, around recorded payloads with
one part replaced by a hostile value or removed, and proxy pages and truncated
bodies, go through decode_reply and then the parser of their payload.  With the
fuzzing of test_parser_fuzz.py this reaches every branch of decode_reply and
the parsers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxError,
)
from custom_components.mtgox.api.book import parse_depth
from custom_components.mtgox.api.parsing import (
    decode_reply,
    load_json,
    parse_account_info,
    parse_order_id,
    parse_order_result,
    parse_orders,
    parse_ticker,
)

from .test_parser_fuzz import (
    JSON,
    KEYS,
    MISSING,
    SCALARS,
    Path,
    only_mtgox_errors,
    paths_in,
    replaced,
)
from .test_parsing import (
    ACCOUNT,
    ORDER_RESULT,
    V0_ORDERS_2011,
    V0_ORDERS_2013,
    V0_TICKER_2013,
    V1_ORDERS,
    V1_TICKER_2012,
    V2_TICKER_JPY,
)
from .test_parsing import (
    REAL as RECORDED,
)

if TYPE_CHECKING:
    from collections.abc import Callable


ORDER_ID: Final = "490a214f-9a30-449f-acb8-780f9046502f"


def _recorded_depth() -> object:
    """Return the real v1 depth/fetch payload, cut to two levels a side to fuzz fast."""
    path = RECORDED / "sferik-mtgox/v1/depth.json"
    depth = load_json(path.read_bytes())["return"]  # type: ignore[index]
    return {
        key: value[:2] if key in {"asks", "bids"} else value
        for key, value in depth.items()
    }


DEPTH: Final = _recorded_depth()
ENVELOPE_KEYS: Final = {ApiVersion.V1: "return", ApiVersion.V2: "data"}
TOKENS: Final = (
    "login_error_invalid_nonce",
    "login_error_invalid_rest_sign",
    "login_error_insufficient_rights",
    "order_not_found",
)


@dataclass(frozen=True)
class Case:
    """A recorded payload of one API version and the parser the client gives it."""

    name: str
    version: ApiVersion
    parser: Callable[[object], object]
    payload: object


def _cases() -> list[Case]:
    v0, v1, v2 = ApiVersion
    cases = [
        Case(f"{name} v{version:d}", version, parser, payload)
        for version in ApiVersion
        for name, parser, payload in (
            ("account", parse_account_info, load_json(ACCOUNT.encode())),
            ("order result", parse_order_result, load_json(ORDER_RESULT.encode())),
        )
    ]
    v0_order_reply = {"status": "queued", "oid": ORDER_ID, "orders": []}
    for version, name, payload in (
        (v0, "orders 2011", load_json(V0_ORDERS_2011)),
        (v0, "orders 2013", load_json(V0_ORDERS_2013)),
        (v1, "orders", load_json(V1_ORDERS.encode())),
        (v2, "orders", load_json(V1_ORDERS.encode())),
    ):
        cases.append(
            Case(f"{name} v{version:d}", version, _orders_of(version), payload)
        )
    for version, name, pair, payload in (
        (v0, "ticker", "BTCUSD", load_json(V0_TICKER_2013)),
        (v1, "ticker", "BTCUSD", load_json(V1_TICKER_2012.encode())),
        (v2, "ticker", "BTCUSD", load_json(V1_TICKER_2012.encode())),
        (v2, "ticker JPY", "BTCJPY", load_json(V2_TICKER_JPY.encode())),
    ):
        cases.append(
            Case(f"{name} v{version:d}", version, _ticker_of(version, pair), payload)
        )
    cases.extend(Case(f"depth v{v:d}", v, _depth, DEPTH) for v in (v1, v2))
    for version, payload in ((v0, v0_order_reply), (v1, ORDER_ID), (v2, ORDER_ID)):
        cases.append(
            Case(f"order id v{version:d}", version, _order_id_of(version), payload)
        )
    return cases


def _depth(payload: object) -> object:
    return parse_depth("BTCUSD", payload)


def _orders_of(version: ApiVersion) -> Callable[[object], object]:
    return lambda payload: parse_orders(version, payload)


def _ticker_of(version: ApiVersion, pair: str) -> Callable[[object], object]:
    return lambda payload: parse_ticker(version, pair, payload)


def _order_id_of(version: ApiVersion) -> Callable[[object], object]:
    return lambda payload: parse_order_id(version, payload)


CASES: Final = _cases()


def to_json(value: object) -> str:
    """Write a generated value as JSON; a NaN or infinity becomes a huge exponent."""
    if isinstance(value, Decimal):
        if value.is_nan():
            return "1e-999999"
        if value.is_infinite():
            return "-1e999999" if value < 0 else "1e999999"
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(map(to_json, value)) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.items())
            + "}"
        )
    return json.dumps(value)


@dataclass(frozen=True)
class Reply:
    """A generated reply, and what the client must make of it."""

    case: Case
    status: int
    body: bytes
    retry_after: str | None
    success_payload: object
    """For a 200 success reply, the payload it must decode to."""
    unbroken: bool
    """The payload is the recorded one, which must parse."""


NOT_A_PAYLOAD: Final = object()

HOSTILE_BODIES: Final = st.sampled_from(
    [
        b"MySQL error, please retry later",
        b"<!DOCTYPE HTML>\n<html><head><title>502 Bad Gateway</title></head></html>",
        b"<html><body>blocked</body></html>",
        b"\n  <p>a proxy page<body>",
        b'{"result": "success", "data": {"last": NaN}}',
        b'{"result": "success", "return": [Infinity]}',
    ]
)
RETRY_AFTER: Final = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-5, max_value=10**6).map(str),
    st.sampled_from(
        ["Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2099 07:28:00 GMT", "1e999"]
    ),
    st.sampled_from(["Wed, 21 Oct 2015 07:28:00", "Mon, 99 Foo 2015 25:61:00 GMT"]),
)


NEAR_MISSES: Final = st.sampled_from(
    [
        0, 1, 2, 3, "3", "5", "-1", "", "1.5", 10**20, -(10**20), "9" * 30,
        "bid", "ask", "buy", "BTC", "EUR",
        "2013-13-45 99:99:99", "2013-07-29 21:40:17", "1375134017",
        {"value_int": "1", "currency": "USD"},
        {"value_int": "1", "currency": "EUR"},
        {"value_int": 1, "currency": "BTC"},
        {"value_int": "1.5", "currency": "USD"},
        {"value": "1", "currency": "USD"},
    ]
)  # fmt: skip
"""Values one step from valid, which reach the checks after the type checks."""


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    """Draw a well-formed reply of any version, success or error, or a proxy's."""
    case = draw(st.sampled_from(CASES), label="case")
    hostile = st.one_of(SCALARS, JSON)
    path = draw(st.none() | st.sampled_from(paths_in(case.payload)), label="path")
    payload = (
        case.payload
        if path is None
        else replaced(
            case.payload, path, draw(st.just(MISSING) | NEAR_MISSES | hostile)
        )
    )
    envelope_key = ENVELOPE_KEYS.get(case.version)
    document: dict[str, object] | object
    kind = draw(st.sampled_from(["success", "error", "proxy"]), label="kind")
    if kind == "error":
        document = {"error": draw(st.text(max_size=30) | hostile)}
        if envelope_key is not None:
            document["result"] = "error"
            document["token"] = draw(st.sampled_from(TOKENS) | hostile)
    elif envelope_key is None:
        document = payload
    else:
        document = {
            "result": draw(st.just("success") | hostile, label="result"),
            envelope_key: payload,
        }
        if draw(st.booleans(), label="extra field"):
            document[draw(st.sampled_from(KEYS))] = draw(hostile)
    body = to_json(document).encode()
    if kind == "proxy":
        body = draw(HOSTILE_BODIES | st.just(body[: draw(st.integers(0, 40))]))
    status = draw(st.just(200) | st.sampled_from([403, 404, 429, 500, 502, 503]))
    sent: object = NOT_A_PAYLOAD
    if kind == "success" and status == 200:
        if envelope_key is None:
            # v0 has no envelope: the recorded payloads are not error documents.
            sent = payload if path is None else NOT_A_PAYLOAD
        elif isinstance(document, dict) and document.get("result") == "success":
            sent = document[envelope_key]
    return Reply(
        case=case,
        status=status,
        body=body,
        retry_after=draw(RETRY_AFTER),
        # As JSON reads it back: a NaN was written as a huge exponent.
        success_payload=(
            sent if sent is NOT_A_PAYLOAD else load_json(to_json(sent).encode())
        ),
        unbroken=path is None and sent is case.payload,
    )


def success_reply(case_name: str, path: Path, value: object) -> Reply:
    """Return the 200 success reply of a recorded case with one part replaced."""
    case = next(case for case in CASES if case.name == case_name)
    payload = replaced(case.payload, path, value)
    key = ENVELOPE_KEYS.get(case.version)
    document = payload if key is None else {"result": "success", key: payload}
    return Reply(
        case, 200, to_json(document).encode(), None, NOT_A_PAYLOAD, unbroken=False
    )


# Branches too deep for chance to find in a few seconds of generation.
RARE_REPLIES: Final = [
    success_reply("order id v0", ("oid",), MISSING),
    success_reply("orders 2011 v0", ("orders", 0, "type"), "3"),
    success_reply("orders v1", (0, "type"), "buy"),
    success_reply("orders v1", (0, "date"), 10**20),
    success_reply("order result v1", ("trades", 0, "date"), "2013-13-45 99:99:99"),
    success_reply("order result v2", ("trades", 0, "date"), "1375134017"),
    success_reply("account v1", ("Wallets", "USD", "Balance"), "7"),
    success_reply("depth v1", ("bids", 1, "price_int"), "10267001"),
    success_reply("depth v2", ("asks", 0, "amount_int"), "0"),
]


def with_rare_replies[F: Callable[..., None]](test: F) -> F:
    """Add every reply of RARE_REPLIES as an explicit example of ``test``."""
    for reply in RARE_REPLIES:
        test = example(reply=reply)(test)
    return test


@with_rare_replies
@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(reply=replies())
def test_well_formed_replies_with_hostile_values(reply: Reply) -> None:
    """Decode as the client does, then parse the payload with its own parser."""
    version = reply.case.version
    try:
        payload = decode_reply(
            version, reply.status, reply.body, retry_after=reply.retry_after
        )
    except MtGoxError:
        assert reply.success_payload is NOT_A_PAYLOAD
        return
    if reply.success_payload is not NOT_A_PAYLOAD:
        assert payload == reply.success_payload
    if reply.unbroken:
        assert reply.case.parser(payload) is not None
    else:
        only_mtgox_errors(lambda: reply.case.parser(payload))
