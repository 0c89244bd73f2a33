"""Whatever the server sends, the parsers raise nothing but MtGoxError subclasses.

Arbitrary bytes go through decode_reply; arbitrary JSON values, and recorded
shapes with one part replaced by an arbitrary value or removed, go through every
payload parser.  Well-formed replies with hostile values inside are in
test_reply_fuzz.py.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxError,
)
from custom_components.mtgox.api.parsing import (
    decode_reply,
    load_json,
    parse_account_info,
    parse_order_id,
    parse_order_result,
    parse_orders,
    parse_retry_after,
    parse_ticker,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

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

# The field names the parsers look for, so generated objects reach deep code.
KEYS = [
    "result", "return", "data", "error", "token", "ticker", "orders", "oid",
    "currency", "item", "type", "amount", "effective_amount", "price", "status",
    "real_status", "date", "amount_int", "price_int", "value", "value_int", "high",
    "low", "avg", "vwap", "vol", "last", "buy", "sell", "now", "Login", "Id",
    "Rights", "Wallets", "Balance", "Open_Orders", "Trade_Fee", "Monthly_Volume",
    "order_id", "trades", "trade_id", "spent", "total_amount", "total_spent",
    "avg_cost", "name", "symbol", "decimals", "display_decimals", "BTC", "USD",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(),  # NaN and infinities: load_json refuses them, parsers must too
    st.sampled_from(["BTC", "USD", "JPY", "bid", "ask", "2013-07-29 21:40:17"]),
    st.text(max_size=12),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=6
        ),
    ),
    max_leaves=30,
)
VERSIONS = st.sampled_from(list(ApiVersion))

PARSERS: list[Callable[[object], object]] = [
    parse_account_info,
    parse_order_result,
    *(lambda payload, v=version: parse_orders(v, payload) for version in ApiVersion),
    *(lambda payload, v=version: parse_order_id(v, payload) for version in ApiVersion),
    *(
        lambda payload, v=version: parse_ticker(v, "BTCUSD", payload)
        for version in ApiVersion
    ),
]
RECORDED: dict[str, tuple[Callable[[object], object], object]] = {
    "account": (parse_account_info, load_json(ACCOUNT.encode())),
    "order result": (parse_order_result, load_json(ORDER_RESULT.encode())),
    "v1 orders": (
        lambda payload: parse_orders(ApiVersion.V1, payload),
        load_json(V1_ORDERS.encode()),
    ),
    "v0 orders 2011": (
        lambda payload: parse_orders(ApiVersion.V0, payload),
        load_json(V0_ORDERS_2011),
    ),
    "v0 orders 2013": (
        lambda payload: parse_orders(ApiVersion.V0, payload),
        load_json(V0_ORDERS_2013),
    ),
    "v1 ticker": (
        lambda payload: parse_ticker(ApiVersion.V1, "BTCUSD", payload),
        load_json(V1_TICKER_2012.encode()),
    ),
    "v2 ticker": (
        lambda payload: parse_ticker(ApiVersion.V2, "BTCJPY", payload),
        load_json(V2_TICKER_JPY.encode()),
    ),
    "v0 ticker": (
        lambda payload: parse_ticker(ApiVersion.V0, "BTCUSD", payload),
        load_json(V0_TICKER_2013),
    ),
}


def only_mtgox_errors(call: Callable[[], object]) -> None:
    with contextlib.suppress(MtGoxError):
        call()


@given(
    version=VERSIONS,
    status=st.sampled_from([200, 400, 403, 404, 429, 500, 502, 503]),
    body=st.one_of(st.binary(max_size=200), JSON.map(lambda v: repr(v).encode())),
    retry_after=st.one_of(st.none(), st.text(max_size=40)),
)
def test_decode_reply_raises_only_mtgox_errors(
    version: ApiVersion, status: int, body: bytes, retry_after: str | None
) -> None:
    only_mtgox_errors(
        lambda: decode_reply(version, status, body, retry_after=retry_after)
    )


@given(retry_after=st.text(max_size=60))
def test_parse_retry_after_never_raises(retry_after: str) -> None:
    seconds = parse_retry_after(retry_after)

    assert seconds is None or 0 <= seconds < float("inf")


@given(parser=st.sampled_from(PARSERS), payload=JSON)
def test_payload_parsers_raise_only_mtgox_errors(
    parser: Callable[[object], object], payload: object
) -> None:
    only_mtgox_errors(lambda: parser(payload))


type Path = tuple[str | int, ...]


def paths_in(document: object, prefix: Path = ()) -> list[Path]:
    """Return the path of every part of ``document``, itself included."""
    children: Iterable[tuple[str | int, object]]
    if isinstance(document, dict):
        children = document.items()
    elif isinstance(document, list):
        children = enumerate(document)
    else:
        children = iter(())
    found = [prefix]
    for key, child in children:
        found.extend(paths_in(child, (*prefix, key)))
    return found


MISSING: Final = object()
"""Put in place of a part by :func:`replaced`: the part is removed."""


def replaced(document: object, path: Path, value: object) -> object:
    """Return a copy of ``document`` with the part at ``path`` replaced by ``value``.

    ``MISSING`` removes the part (the whole document stays, as None).
    """
    if not path:
        return None if value is MISSING else value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {
            k: replaced(v, rest, value) if k == head else v
            for k, v in document.items()
            if not (k == head and not rest and value is MISSING)
        }
    assert isinstance(document, list)
    return [
        replaced(v, rest, value) if i == head else v
        for i, v in enumerate(document)
        if not (i == head and not rest and value is MISSING)
    ]


@pytest.mark.parametrize("case", sorted(RECORDED))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), value=st.one_of(st.just(MISSING), SCALARS, JSON))
def test_recorded_shapes_with_one_part_broken_raise_only_mtgox_errors(
    case: str, data: st.DataObject, value: object
) -> None:
    parser, recorded = RECORDED[case]
    path = data.draw(st.sampled_from(paths_in(recorded)), label="path")
    only_mtgox_errors(lambda: parser(replaced(recorded, path, value)))


def test_the_recorded_shapes_parse_unbroken() -> None:
    """The mutation test above starts from shapes that do parse."""
    for parser, recorded in RECORDED.values():
        assert parser(recorded) is not None
