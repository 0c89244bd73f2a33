"""Replies into payloads or typed errors, and payloads of recorded shapes into models.

The shapes are those of the reference (reference §5, §6, §7): the fields, nesting
and string-versus-number choices of replies recorded from the real exchange.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxOrderNotFoundError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    MtGoxStaleNonceError,
    Order,
    OrderTrade,
    Side,
    Wallet,
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

V0, V1, V2 = ApiVersion.V0, ApiVersion.V1, ApiVersion.V2
if TYPE_CHECKING:
    from collections.abc import Callable

REAL = Path(__file__).parents[1] / "fixtures" / "real"
HTML_PAGE = b"<!DOCTYPE HTML>\n<html><head><title>502 Bad Gateway</title></head></html>"


def usd(value_int: str) -> str:
    return f'{{"value":"x","value_int":"{value_int}","currency":"USD"}}'


def btc(value_int: str) -> str:
    return f'{{"value":"x","value_int":"{value_int}","currency":"BTC"}}'


# decode_reply: envelopes ------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "body", "payload"),
    [
        (V1, b'{"result":"success","return":"oid-1"}', "oid-1"),
        (V2, b'{"result":"success","data":{"lag":0}}', {"lag": 0}),
        (V0, b'{"ticker":{"last":26.5}}', {"ticker": {"last": Decimal("26.5")}}),
        (V1, b'{"result":"success","return":[]}', []),
    ],
)
def test_success_envelopes_are_unwrapped(
    version: ApiVersion, body: bytes, payload: object
) -> None:
    assert decode_reply(version, 200, body) == payload


@pytest.mark.parametrize(
    ("version", "body"),
    [
        (V1, b'{"result":"success","data":"oid"}'),
        (V2, b'{"result":"success","return":"oid"}'),
        (V1, b'{"return":"oid"}'),
        (V2, b'{"result":"pending","data":"oid"}'),
        (V1, b'"oid"'),
        (V2, b"[1,2]"),
    ],
)
def test_a_missing_or_wrong_envelope_is_a_response_error(
    version: ApiVersion, body: bytes
) -> None:
    with pytest.raises(MtGoxResponseError, match="envelope"):
        decode_reply(version, 200, body)


def test_json_numbers_with_fractions_are_decimals_never_floats() -> None:
    document = load_json(b'{"a":16.800000000000001,"b":1e-8,"c":80531}')

    assert document == {
        "a": Decimal("16.800000000000001"),
        "b": Decimal("1E-8"),
        "c": 80531,
    }
    assert isinstance(document, dict)
    assert str(document["a"]) == "16.800000000000001"


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_numbers_are_refused(constant: bytes) -> None:
    with pytest.raises(MtGoxResponseError, match="invalid JSON"):
        load_json(b'{"last":' + constant + b"}")


# decode_reply: errors ---------------------------------------------------------


@pytest.mark.parametrize("version", [V1, V2])
@pytest.mark.parametrize(
    "token",
    [
        "login_error_missing_rest_key",
        "login_error_invalid_rest_key",
        "login_error_invalid_rest_sign",
        "login_error_insufficient_rights",
        "login_error_invalid_nonce",
    ],
)
def test_403_login_errors_are_authentication_errors(
    version: ApiVersion, token: str
) -> None:
    body = (
        '{"result":"error","error":"Identification required to access private API",'
        f'"token":"{token}"}}'
    ).encode()

    with pytest.raises(MtGoxAuthenticationError) as caught:
        decode_reply(version, 403, body)

    assert caught.value.token == token
    assert caught.value.message == "Identification required to access private API"


def test_a_login_error_token_is_an_authentication_error_whatever_the_status() -> None:
    body = b'{"result":"error","error":"Nope","token":"login_error_invalid_nonce"}'

    with pytest.raises(MtGoxAuthenticationError):
        decode_reply(V1, 200, body)


@pytest.mark.parametrize("status", [200, 500, 503])
def test_application_errors_are_read_from_any_status(status: int) -> None:
    body = b'{"result":"error","error":"Not available","token":"unknown_error"}'

    with pytest.raises(MtGoxApiError) as caught:
        decode_reply(V1, status, body)

    assert type(caught.value) is MtGoxApiError
    assert (caught.value.message, caught.value.token) == (
        "Not available",
        "unknown_error",
    )


@pytest.mark.parametrize("version", list(ApiVersion))
@pytest.mark.parametrize("message", ["Order not found", "order NOT found "])
def test_an_unknown_order_is_its_own_error(version: ApiVersion, message: str) -> None:
    body = json.dumps({"result": "error", "error": message}).encode()

    with pytest.raises(MtGoxOrderNotFoundError) as caught:
        decode_reply(version, 200, body)

    assert caught.value.message == message


@pytest.mark.parametrize(
    ("version", "body"),
    [
        (V1, b'{"result":"error","error":"x","token":"login_error_invalid_nonce"}'),
        (V0, b'{"error":"Invalid nonce"}'),
    ],
)
def test_a_stale_nonce_is_its_own_error(version: ApiVersion, body: bytes) -> None:
    with pytest.raises(MtGoxStaleNonceError):
        decode_reply(version, 403, body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"result":"error","error":"Invalid nonce","token":"login_error_invalid_key"}',
        b'{"error":"Invalid signature"}',
    ],
)
def test_other_login_errors_are_not_stale_nonces(body: bytes) -> None:
    with pytest.raises(MtGoxAuthenticationError) as caught:
        decode_reply(V0 if b"token" not in body else V1, 403, body)

    assert not isinstance(caught.value, MtGoxStaleNonceError)


def test_an_error_without_token() -> None:
    body = b'{"result":"error","error":"Invalid parameter \\"type\\" (should be ask or bid)"}'

    with pytest.raises(MtGoxApiError) as caught:
        decode_reply(V2, 500, body)

    assert caught.value.token is None
    assert caught.value.message == 'Invalid parameter "type" (should be ask or bid)'


def test_v0_errors_have_no_result_key() -> None:
    with pytest.raises(MtGoxAuthenticationError, match="Not logged in"):
        decode_reply(V0, 403, b'{"error":"Not logged in."}')
    with pytest.raises(MtGoxApiError, match="Order amount is too low") as caught:
        decode_reply(V0, 500, b'{"error":"Order amount is too low"}')
    assert type(caught.value) is MtGoxApiError


def test_404_invalid_call_is_an_api_error() -> None:
    body = b'{"result":"error","error":"Invalid call","token":"invalid_call"}'

    with pytest.raises(MtGoxApiError, match="Invalid call"):
        decode_reply(V1, 404, body)


def test_an_overlong_error_message_is_cut() -> None:
    body = b'{"result":"error","error":"' + b"x" * 5000 + b'"}'

    with pytest.raises(MtGoxApiError) as caught:
        decode_reply(V1, 500, body)

    assert len(caught.value.message) == 200


# decode_reply: what is not the application's answer --------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limit_block_with_retry_after(status: int) -> None:
    with pytest.raises(MtGoxRateLimitError) as caught:
        decode_reply(V1, status, HTML_PAGE, retry_after="60")

    assert caught.value.retry_after == 60.0


def test_rate_limit_block_without_retry_after() -> None:
    with pytest.raises(MtGoxRateLimitError) as caught:
        decode_reply(V2, 429, b"Too many requests")

    assert caught.value.retry_after is None


def test_503_html_page_is_a_rate_limit_block() -> None:
    with pytest.raises(MtGoxRateLimitError):
        decode_reply(V1, 503, HTML_PAGE)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, HTML_PAGE),
        (500, b""),
        (504, b"Gateway Timeout"),
        (503, b"Service Unavailable"),
        (502, b'{"result":"success","return":"oid"}'),
    ],
)
def test_5xx_without_a_json_error_body_is_a_connection_error(
    status: int, body: bytes
) -> None:
    with pytest.raises(MtGoxConnectionError, match=f"HTTP {status}"):
        decode_reply(V1, status, body)


def test_html_where_json_was_expected() -> None:
    with pytest.raises(MtGoxResponseError, match="HTML"):
        decode_reply(V1, 200, HTML_PAGE)


def test_mysql_error_text() -> None:
    with pytest.raises(MtGoxResponseError, match="database error.*MySQL error"):
        decode_reply(V1, 200, b"MySQL error, please retry later")


def test_truncated_json() -> None:
    with pytest.raises(MtGoxResponseError, match="invalid JSON"):
        decode_reply(V2, 200, b'{"result":"success","data":{"high":{"val')


@pytest.mark.parametrize("status", [301, 404, 400])
def test_other_statuses_without_json_error_are_response_errors(status: int) -> None:
    with pytest.raises(MtGoxResponseError):
        decode_reply(V1, status, b'{"result":"success","return":"x"}')


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("inf", None),
        ("NaN", None),
        ("1e999", None),
        ("Wed, 21 Oct 2015 07:28:00", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_http_date_in_the_future() -> None:
    later = datetime.now(UTC) + timedelta(seconds=90)

    seconds = parse_retry_after(format_datetime(later, usegmt=True))

    assert seconds is not None
    assert 80 < seconds <= 90


@pytest.mark.parametrize(
    "header", ["1e12", "100000000", "3601", "Fri, 31 Dec 9999 23:59:59 GMT"]
)
def test_a_long_retry_after_is_capped_at_an_hour_and_logged(
    header: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert parse_retry_after(header) == 3600.0
    assert "waiting 3600 s at most" in caplog.text


def test_an_hour_of_retry_after_is_kept_silently(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert parse_retry_after("3600") == 3600.0
    assert "at most" not in caplog.text


# Tickers ------------------------------------------------------------------------

V1_TICKER_2012 = f"""{{
    "high": {usd("570653")}, "low": {usd("541450")},
    "avg": {{"value":"5.561119626","value_int":"556112","currency":"USD"}},
    "vwap": {usd("561048")}, "vol": {btc("5582958960346")},
    "last_all": {usd("555940")}, "last_local": {usd("555940")},
    "last_orig": {usd("555940")}, "last": {usd("555940")},
    "buy": {usd("553587")}, "sell": {usd("556031")}
}}"""


def test_v1_ticker_of_2012() -> None:
    ticker = parse_ticker(V1, "BTCUSD", load_json(V1_TICKER_2012.encode()))

    assert (ticker.pair, ticker.item, ticker.currency) == ("BTCUSD", "BTC", "USD")
    assert ticker.last == Decimal("5.55940")
    assert ticker.bid == Decimal("5.53587")
    assert ticker.ask == Decimal("5.56031")
    assert ticker.high == Decimal("5.70653")
    assert ticker.low == Decimal("5.41450")
    assert ticker.average == Decimal("5.56112")
    assert ticker.vwap == Decimal("5.61048")
    assert ticker.volume == Decimal("55829.58960346")
    assert ticker.updated is None


V2_TICKER_JPY = "".join(
    [
        "{",
        *(
            f'"{name}":{{"value_int":"9876543","currency":"JPY"}},'
            for name in ("high", "low", "avg", "vwap", "last")
        ),
        '"buy":{"value_int":"9876000","currency":"JPY"},',
        '"sell":{"value_int":"9877000","currency":"JPY"},',
        f'"vol":{btc("100000000")},"item":"BTC","now":"1364689759572564"}}',
    ]
)


def test_v2_ticker_with_now() -> None:
    ticker = parse_ticker(V2, "BTCJPY", load_json(V2_TICKER_JPY.encode()))

    assert ticker.last == Decimal("9876.543")
    assert ticker.bid == Decimal("9876.000")
    assert ticker.volume == Decimal("1")
    assert ticker.updated == datetime(2013, 3, 31, 0, 29, 19, 572564, tzinfo=UTC)


def test_v0_ticker_of_2012_without_avg() -> None:
    body = b'{"ticker":{"high":28.678,"low":18.4,"vol":80531,"buy":26.4,"sell":26.6099,"last":26.5,"vwap":3.81561}}'

    ticker = parse_ticker(V0, "BTCUSD", load_json(body))

    assert ticker.ask == Decimal("26.6099")
    assert ticker.volume == Decimal(80531)
    assert ticker.vwap == Decimal("3.81561")
    assert ticker.average is None
    assert ticker.updated is None


V0_TICKER_2013 = b'{"ticker":{"avg":16.369430127000001,"buy":16.79036,"high":16.98,"last":16.800000000000001,"last_all":16.86818,"last_local":16.8,"low":15.63412,"sell":16.8,"vol":60418,"vwap":16.348098028}}'


def test_v0_ticker_of_2013_with_avg() -> None:
    ticker = parse_ticker(V0, "BTCUSD", load_json(V0_TICKER_2013))

    assert ticker.average == Decimal("16.369430127000001")
    assert ticker.last == Decimal("16.800000000000001")


def test_ticker_in_the_wrong_currency_is_refused() -> None:
    with pytest.raises(MtGoxResponseError, match="expected EUR, got USD"):
        parse_ticker(V1, "BTCEUR", load_json(V1_TICKER_2012.encode()))


# Account ------------------------------------------------------------------------

ACCOUNT = f"""{{
    "Login":"elthariel","Index":"123456","Id":"423eaf9c-0000-4000-8000-000000000001",
    "Rights":["deposit","get_info","trade","withdraw"],"Language":"en_US",
    "Created":"1986-04-10 01:03:31","Last_Login":"2013-04-13 13:04:11",
    "Wallets":{{
        "BTC":{{"Balance":{btc("4200000000")},"Operations":0,
                "Daily_Withdraw_Limit":{btc("10000000000")},
                "Monthly_Withdraw_Limit":null,"Max_Withdraw":{btc("4200000000")},
                "Open_Orders":{btc("50000000")}}},
        "USD":{{"Balance":{usd("700000")},"Operations":3,
                "Daily_Withdraw_Limit":{usd("100000000")},
                "Monthly_Withdraw_Limit":{usd("1000000000")},
                "Max_Withdraw":{usd("700000")}}}
    }},
    "Monthly_Volume":{btc("123456789")},"Trade_Fee":0.6
}}"""


def test_account_info() -> None:
    account = parse_account_info(load_json(ACCOUNT.encode()))

    assert account.account_id == "423eaf9c-0000-4000-8000-000000000001"
    assert account.login == "elthariel"
    assert account.rights == frozenset({"deposit", "get_info", "trade", "withdraw"})
    assert account.trade_fee == Decimal("0.6")
    assert account.monthly_volume == Decimal("1.23456789")
    assert account.wallets["BTC"] == Wallet(
        "BTC", Decimal("42.00000000"), Decimal("0.50000000")
    )
    assert account.wallets["BTC"].available == Decimal("41.5")
    # 2012 accounts have no Open_Orders: nothing is held.
    assert account.wallets["USD"] == Wallet("USD", Decimal("7"), Decimal(0))


def test_account_wallet_in_a_foreign_currency_is_skipped_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A wallet keyed EUR holding USD amounts is unreadable; the rest stays.
    caplog.set_level(logging.DEBUG, logger="custom_components.mtgox.api")
    body = ACCOUNT.replace('"USD":{"Balance"', '"EUR":{"Balance"')

    account = parse_account_info(load_json(body.encode()))

    assert account.invalid_wallets == {"EUR"}
    assert account.wallets.keys() == {"BTC"}
    assert account.wallets["BTC"].balance == Decimal("42")
    assert [r.getMessage() for r in caplog.records] == [
        "Skipping the EUR wallet: unreadable"
    ]


def test_account_with_readable_wallets_has_no_invalid_ones() -> None:
    assert parse_account_info(load_json(ACCOUNT.encode())).invalid_wallets == set()


def test_account_with_a_wallet_that_is_not_an_object_keeps_the_others() -> None:
    document = load_json(ACCOUNT.encode())
    assert isinstance(document, dict)
    document["Wallets"]["USD"] = []

    account = parse_account_info(document)

    assert account.invalid_wallets == {"USD"}
    assert account.wallets.keys() == {"BTC"}
    assert account.login == "elthariel"


# Orders -------------------------------------------------------------------------

V1_ORDERS = f"""[
    {{"oid":"fda8917a-63d3-4415-b827-758408013690","currency":"USD","item":"BTC",
      "type":"bid","amount":{btc("20000000")},"effective_amount":{btc("10000000")},
      "price":{usd("700000")},"status":"open","date":1309198838,
      "priority":"1364116780853497","actions":[]}},
    {{"oid":"a20329fe-c0d5-4378-b204-79a7800d41e7","currency":"USD","item":"BTC",
      "type":"ask","amount":{btc("20000000")},"status":"invalid","date":1333897151,
      "priority":"1333897151233721"}}
]"""


def test_v1_orders_including_a_market_order_of_2012() -> None:
    limit, market = parse_orders(V1, load_json(V1_ORDERS.encode()))

    assert limit == Order(
        oid="fda8917a-63d3-4415-b827-758408013690",
        pair="BTCUSD",
        item="BTC",
        currency="USD",
        side=Side.BID,
        amount=Decimal("0.2"),
        effective_amount=Decimal("0.1"),
        price=Decimal("7"),
        status="open",
        date=datetime(2011, 6, 27, 18, 20, 38, tzinfo=UTC),
    )
    assert market.side is Side.ASK
    assert market.price is None
    # 2012 orders had no effective_amount.
    assert market.effective_amount == market.amount == Decimal("0.2")
    assert market.status == "invalid"


V0_ORDERS_2011 = b'{"usds":199.9959,"btcs":0.859,"orders":[{"oid":"bddd042c","currency":"USD","item":"BTC","type":2,"amount":3,"price":5.25,"status":1,"dark":0,"date":1309198768,"priority":"1309198768104500"},{"oid":"c35abb5b","currency":"USD","item":"BTC","type":1,"amount":0.2,"price":100,"status":0,"dark":0,"date":1309198722,"priority":"1309198722477200"}]}'


def test_v0_orders_of_2011_with_numbers() -> None:
    bid, ask = parse_orders(V0, load_json(V0_ORDERS_2011))

    assert (bid.side, bid.amount, bid.price, bid.status) == (
        Side.BID,
        Decimal(3),
        Decimal("5.25"),
        "open",
    )
    assert (ask.side, ask.amount, ask.status) == (Side.ASK, Decimal("0.2"), "0")
    assert ask.pair == "BTCUSD"


V0_ORDERS_2013 = b'{"usds":"0","btcs":"0.07099989","orders":[{"oid":"39b5cd7e","currency":"USD","item":"BTC","type":2,"amount":"0.92907324","amount_int":"92907324","price":"1.25000","price_int":"125000","status":0,"real_status":"invalid","dark":0,"date":1357946434,"priority":"1357946434084386"}]}'


def test_v0_orders_of_2013_with_strings_and_ints() -> None:
    (order,) = parse_orders(V0, load_json(V0_ORDERS_2013))

    assert order.amount == Decimal("0.92907324")
    assert order.price == Decimal("1.25000")
    assert order.status == "invalid"


def test_v0_order_with_an_unknown_type_is_refused() -> None:
    body = b'{"orders":[{"oid":"x","currency":"USD","item":"BTC","type":3,"amount":1,"price":1,"status":1,"date":1}]}'

    with pytest.raises(MtGoxResponseError, match="type is not 1 or 2"):
        parse_orders(V0, load_json(body))


def test_order_with_an_unknown_side_is_refused() -> None:
    body = V1_ORDERS.replace('"type":"bid"', '"type":"buy"')

    with pytest.raises(MtGoxResponseError, match="unknown order type"):
        parse_orders(V1, load_json(body.encode()))


@pytest.mark.parametrize(
    ("version", "payload"),
    [
        (V1, "490a214f-9a30-449f-acb8-780f9046502f"),
        (V2, "490a214f-9a30-449f-acb8-780f9046502f"),
        (
            V0,
            {
                "status": "Your order has been queued for execution",
                "oid": "490a214f-9a30-449f-acb8-780f9046502f",
                "orders": [],
            },
        ),
    ],
)
def test_order_id(version: ApiVersion, payload: object) -> None:
    assert parse_order_id(version, payload) == "490a214f-9a30-449f-acb8-780f9046502f"


def test_v0_order_reply_without_oid_names_no_order() -> None:
    # RB0's 2011 buy.json: only status and orders. The order was queued; which
    # listed order is the new one the client tells from the orders open before.
    reply = load_json((REAL / "sferik-mtgox/v0/buy.json").read_bytes())

    assert parse_order_id(V0, reply) is None
    assert len(parse_orders(V0, reply)) == 7


def test_v0_order_reply_without_oid_nor_status_is_refused() -> None:
    with pytest.raises(MtGoxResponseError, match="status"):
        parse_order_id(V0, {"orders": []})


ORDER_RESULT = f"""{{
    "order_id":"fda8917a-63d3-4415-b827-758408013691",
    "trades":[{{"trade_id":"1375134017519310","primary":"Y","currency":"USD",
      "type":"ask","properties":"limit","item":"BTC","amount":{btc("10000000")},
      "price":{usd("10083227")},"spent":{usd("1008323")},"date":"2013-07-29 21:40:17"}}],
    "total_amount":{btc("10000000")},"total_spent":{usd("1008323")},
    "avg_cost":{usd("10083230")}
}}"""


def test_order_result() -> None:
    result = parse_order_result(load_json(ORDER_RESULT.encode()))

    assert result.order_id == "fda8917a-63d3-4415-b827-758408013691"
    assert result.trades == (
        OrderTrade(
            trade_id="1375134017519310",
            amount=Decimal("0.1"),
            price=Decimal("100.83227"),
            spent=Decimal("10.08323"),
            currency="USD",
            date=datetime(2013, 7, 29, 21, 40, 17, tzinfo=UTC),
        ),
    )
    assert result.total_amount == Decimal("0.1")
    assert result.total_spent == Decimal("10.08323")
    assert result.average_cost == Decimal("100.8323")


def test_order_result_without_trades() -> None:
    body = f'{{"order_id":"x","trades":[],"total_amount":{btc("0")},"total_spent":{usd("0")}}}'

    result = parse_order_result(load_json(body.encode()))

    assert result.trades == ()
    assert result.average_cost is None


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ('"1375134017"', datetime(2013, 7, 29, 21, 40, 17, tzinfo=UTC)),
        ("1375134017", datetime(2013, 7, 29, 21, 40, 17, tzinfo=UTC)),
        ("null", None),
    ],
)
def test_order_result_trade_dates(date: str, expected: datetime | None) -> None:
    body = ORDER_RESULT.replace('"2013-07-29 21:40:17"', date)

    result = parse_order_result(load_json(body.encode()))

    assert result.trades[0].date == expected


@pytest.mark.parametrize("date", ['"yesterday"', '"2013-13-29 21:40:17"', "[]"])
def test_order_result_trade_with_a_bad_date_is_refused(date: str) -> None:
    body = ORDER_RESULT.replace('"2013-07-29 21:40:17"', date)

    with pytest.raises(MtGoxResponseError, match="date"):
        parse_order_result(load_json(body.encode()))


def test_dates_out_of_range_are_refused() -> None:
    body = V1_ORDERS.replace("1309198838", "99999999999999999999")

    with pytest.raises(MtGoxResponseError, match="out of range"):
        parse_orders(V1, load_json(body.encode()))


def _with(document: str | bytes, *path: str | int, value: object) -> object:
    """Return the parsed ``document`` with the part at ``path`` set to ``value``."""
    parsed = load_json(document.encode() if isinstance(document, str) else document)
    part: Any = parsed
    for step in path[:-1]:
        part = part[step]
    part[path[-1]] = value
    return parsed


IN_EUR = {"value": "1.00000", "value_int": "100000", "currency": "EUR"}


@pytest.mark.parametrize(
    ("parse", "payload", "message"),
    [
        (
            lambda p: parse_orders(V1, p),
            _with(V1_ORDERS, 0, "amount", value=IN_EUR),
            "order amount: expected BTC, got EUR",
        ),
        (
            lambda p: parse_orders(V1, p),
            _with(V1_ORDERS, 0, "effective_amount", value=IN_EUR),
            "order effective_amount: expected BTC, got EUR",
        ),
        (
            parse_account_info,
            _with(ACCOUNT, "Monthly_Volume", value=IN_EUR),
            "account Monthly_Volume: expected BTC, got EUR",
        ),
        (
            lambda p: parse_ticker(V1, "BTCUSD", p),
            _with(V1_TICKER_2012, "vol", value=IN_EUR),
            "ticker vol: expected BTC, got EUR",
        ),
        (
            lambda p: parse_ticker(V1, "BTCUSD", p),
            _with(V1_TICKER_2012, "last", value=IN_EUR),
            "ticker last: expected USD, got EUR",
        ),
        (
            parse_order_result,
            _with(ORDER_RESULT, "trades", 0, "price", value=IN_EUR),
            "order trade price: expected USD, got EUR",
        ),
    ],
)
def test_an_amount_in_another_currency_is_refused(
    parse: Callable[[object], object], payload: object, message: str
) -> None:
    with pytest.raises(MtGoxResponseError, match=f"^{message}$"):
        parse(payload)


def test_an_unreadable_wallet_is_skipped_by_its_currency() -> None:
    payload = _with(ACCOUNT, "Wallets", "USD", "Open_Orders", value=IN_EUR)

    account = parse_account_info(payload)

    assert account.invalid_wallets == {"USD"}
    assert set(account.wallets) == {"BTC"}


@pytest.mark.parametrize("order_id", [5, True, "", ["490a"], None])
def test_an_order_id_that_is_not_a_string_is_refused(order_id: object) -> None:
    with pytest.raises(MtGoxResponseError, match="^order id: expected a string, got "):
        parse_order_id(V1, order_id)
