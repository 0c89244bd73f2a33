"""What a refused reply is told apart by, and what its error says.

Each refusal names the object and field that were wrong, and quotes what came
back, so a log line alone tells which reply broke; the edges of recognising
an HTML page, an error document and a status are tested where they lie.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxApiError,
    MtGoxConnectionError,
    MtGoxNotAnApiError,
    MtGoxOrderNotFoundError,
    MtGoxRateLimitError,
    MtGoxResponseError,
)
from custom_components.mtgox.api.fields import excerpt
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

from .test_parsing import (
    ACCOUNT,
    IN_EUR,
    ORDER_RESULT,
    V0_TICKER_2013,
    V1_ORDERS,
    V1_TICKER_2012,
    _with,
)

if TYPE_CHECKING:
    from collections.abc import Callable

V0, V1, V2 = ApiVersion.V0, ApiVersion.V1, ApiVersion.V2


def v0_ticker(payload: object) -> object:
    return parse_ticker(V0, "BTCUSD", payload)


def v1_ticker(payload: object) -> object:
    return parse_ticker(V1, "BTCUSD", payload)


def v1_orders(payload: object) -> object:
    return parse_orders(V1, payload)


def v0_order_id(payload: object) -> object:
    return parse_order_id(V0, payload)


REFUSALS: list[tuple[Callable[[object], object], object, str]] = [
    (v0_ticker, [], "ticker reply: expected an object"),
    (v0_ticker, {"ticker": []}, "ticker: expected an object"),
    (v0_ticker, _with(V0_TICKER_2013, "ticker", "last", value="x"), "ticker last: "),
    (v1_ticker, [], "ticker: expected an object"),
    (v1_ticker, _with(V1_TICKER_2012, "now", value="x"), "ticker now: expected an "),
    *(
        (
            v1_ticker,
            _with(V1_TICKER_2012, key, value=IN_EUR),
            f"ticker {key}: expected USD",
        )
        for key in ("avg", "buy", "sell", "high", "low", "vwap")
    ),
    (parse_account_info, [], "account: expected an object"),
    (parse_account_info, _with(ACCOUNT, "Rights", value={}), "account Rights: "),
    (parse_account_info, _with(ACCOUNT, "Rights", 0, value=5), "account right: "),
    (parse_account_info, _with(ACCOUNT, "Wallets", value=[]), "Wallets: expected an "),
    (parse_account_info, _with(ACCOUNT, "Id", value=5), "account Id: expected a "),
    (parse_account_info, _with(ACCOUNT, "Login", value=5), "account Login: "),
    (parse_account_info, _with(ACCOUNT, "Trade_Fee", value="x"), "account Trade_Fee: "),
    (v1_orders, {}, "orders: expected a list"),
    (v1_orders, [5], "order: expected an object"),
    *(
        (
            v1_orders,
            _with(V1_ORDERS, 0, key, value=5),
            f"order {key}: expected a string",
        )
        for key in ("item", "currency", "oid", "type", "status")
    ),
    (
        v1_orders,
        _with(V1_ORDERS, 0, "price", value=IN_EUR),
        "order price: expected USD",
    ),
    (v1_orders, _with(V1_ORDERS, 0, "price", value=[]), "order price: expected an "),
    (v1_orders, _with(V1_ORDERS, 0, "date", value="x"), "order date: expected an "),
    (v0_order_id, [], "order reply: expected an object"),
    (v0_order_id, {"oid": 5}, "order reply oid: expected a string"),
    (v0_order_id, {"status": 5}, "order reply status: expected a string"),
    (parse_order_result, [], "order result: expected an object"),
    (
        parse_order_result,
        _with(ORDER_RESULT, "order_id", value=5),
        "order result order_id: ",
    ),
    (
        parse_order_result,
        _with(ORDER_RESULT, "trades", value={}),
        "order result trades: ",
    ),
    *(
        (
            parse_order_result,
            _with(ORDER_RESULT, key, value=[]),
            f"order result {key}: ",
        )
        for key in ("total_amount", "total_spent", "avg_cost")
    ),
    (parse_order_result, _with(ORDER_RESULT, "trades", 0, value=5), "order trade: "),
    *(
        (
            parse_order_result,
            _with(ORDER_RESULT, "trades", 0, key, value=5),
            f"order trade {key}: ",
        )
        for key in ("currency", "trade_id", "amount", "spent")
    ),
    (
        parse_order_result,
        _with(ORDER_RESULT, "trades", 0, "spent", value=IN_EUR),
        "order trade spent: expected USD, got EUR",
    ),
]


@pytest.mark.parametrize(("parse", "payload", "message"), REFUSALS)
def test_a_refusal_names_the_object_and_field(
    parse: Callable[[object], object], payload: object, message: str
) -> None:
    with pytest.raises(MtGoxResponseError) as caught:
        parse(payload)

    assert str(caught.value).startswith(message)


def test_a_skipped_wallet_is_logged_by_its_currency_cut_to_8_characters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The currency is the reply's own key: a hostile one must not fill the log.
    caplog.set_level(logging.DEBUG, logger="custom_components.mtgox.api")
    long_name = "ABCDEFGHIJ" * 100
    payload = _with(ACCOUNT, "Wallets", long_name, value=[])

    parse_account_info(payload)

    assert [record.getMessage() for record in caplog.records] == [
        "Skipping the ABCDEFGH wallet: unreadable"
    ]


# decode_reply: statuses and what the error says ------------------------------


def test_a_503_with_retry_after_is_a_block_whatever_its_body() -> None:
    with pytest.raises(MtGoxRateLimitError) as caught:
        decode_reply(V1, 503, b"Service Unavailable", retry_after="30")

    assert str(caught.value) == (
        "blocked by the exchange's anti-DDoS filter (HTTP 503) (retry after 30 s)"
    )


@pytest.mark.parametrize("status", [400, 404])
@pytest.mark.parametrize("version", list(ApiVersion))
def test_a_4xx_without_json_is_not_an_api(status: int, version: ApiVersion) -> None:
    with pytest.raises(MtGoxNotAnApiError) as caught:
        decode_reply(version, status, b"Not Found")

    assert caught.value.version is version
    assert str(caught.value) == (
        f"not a Mt.Gox API v{version:d} reply: HTTP {status}, invalid JSON: b'Not Found'"
    )


def test_a_200_without_json_is_a_broken_reply_not_another_server() -> None:
    with pytest.raises(MtGoxResponseError) as caught:
        decode_reply(V2, 200, b"Not Found")

    assert type(caught.value) is MtGoxResponseError
    assert str(caught.value) == "invalid JSON: b'Not Found'"


def test_a_500_with_a_success_envelope_is_a_connection_error() -> None:
    with pytest.raises(MtGoxConnectionError):
        decode_reply(V1, 500, b'{"result":"success","return":"x"}')


def test_an_unexpected_status_is_named() -> None:
    with pytest.raises(MtGoxResponseError) as caught:
        decode_reply(V1, 302, b'{"result":"success","return":"x"}')

    assert str(caught.value) == "unexpected HTTP status 302"


def test_a_reply_without_its_envelope_is_quoted() -> None:
    document = {"result": "success", "return": "x"}

    with pytest.raises(MtGoxResponseError) as caught:
        decode_reply(V2, 200, b'{"result":"success","return":"x"}')

    assert str(caught.value).endswith(f": {excerpt(document)}")


def test_an_html_page_is_said_to_be_one() -> None:
    with pytest.raises(MtGoxResponseError) as caught:
        load_json(b"<html><head></head></html>")

    assert str(caught.value) == "HTML page where JSON was expected"


@pytest.mark.parametrize(
    "page",
    [
        b"\r\n  <html><head></head></html>",
        b"<HTML><title>502</title></HTML>",
        b"<title>502</title><BODY>Bad gateway</BODY>",
        b" " * 400 + b"<title>502</title>" + b"." * 89 + b"<body>",
    ],
)
def test_an_html_page_is_recognised_by_its_start(page: bytes) -> None:
    # 503 without Retry-After is a block only when its body is a page.
    with pytest.raises(MtGoxRateLimitError):
        decode_reply(V1, 503, page)


def test_only_the_first_512_bytes_are_looked_at_for_html() -> None:
    page = b" " * 400 + b"<title>502</title>" + b"." * 90 + b"<body>"

    with pytest.raises(MtGoxConnectionError):
        decode_reply(V1, 503, page)


def test_a_long_retry_after_is_logged_with_both_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parse_retry_after("7200")

    assert [record.getMessage() for record in caplog.records] == [
        "The exchange asked to wait 7200 s; waiting 3600 s at most"
    ]


# decode_reply: error documents -------------------------------------------------


def test_an_error_result_without_a_message_is_still_an_error() -> None:
    with pytest.raises(MtGoxApiError) as caught:
        decode_reply(V1, 200, b'{"result":"error","token":"unknown_error"}')

    assert (caught.value.message, caught.value.token) == (
        "unspecified error",
        "unknown_error",
    )


def test_a_success_result_beside_an_error_key_is_a_success() -> None:
    assert decode_reply(V2, 200, b'{"result":"success","error":"x","data":1}') == 1


def test_a_token_that_is_not_a_string_is_dropped() -> None:
    with pytest.raises(MtGoxApiError) as caught:
        decode_reply(V1, 200, b'{"result":"error","error":"Bad","token":5}')

    assert (caught.value.message, caught.value.token) == ("Bad", None)


def test_an_unknown_order_keeps_its_token() -> None:
    body = b'{"result":"error","error":"Order not found","token":"unknown_error"}'

    with pytest.raises(MtGoxOrderNotFoundError) as caught:
        decode_reply(V1, 200, body)

    assert caught.value.token == "unknown_error"
