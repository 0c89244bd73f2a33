"""Exact money: multipliers, currency objects and outgoing integer units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.mtgox.api import (
    AmountProblem,
    Money,
    MtGoxAmountError,
    MtGoxResponseError,
    parse_money,
)
from custom_components.mtgox.api.money import (
    format_amount,
    from_int_units,
    multiplier,
    order_amount,
    order_units,
    split_pair,
    to_int_units,
)


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("BTC", 10**8),
        ("LTC", 10**8),
        ("NMC", 10**8),
        ("JPY", 10**3),
        ("SEK", 10**3),
        ("USD", 10**5),
        ("EUR", 10**5),
        ("CZK", 10**5),
        ("XYZ", 10**5),
    ],
)
def test_multiplier_table(currency: str, expected: int) -> None:
    assert multiplier(currency) == expected


@pytest.mark.parametrize(
    ("co", "expected"),
    [
        (
            {"value": "42.00000000", "value_int": "4200000000", "currency": "BTC"},
            Money(Decimal("42.00000000"), "BTC"),
        ),
        (
            {"value": "7.00000", "value_int": "700000", "currency": "USD"},
            Money(Decimal("7.00000"), "USD"),
        ),
        (
            {"value_int": "1234567", "currency": "JPY"},
            Money(Decimal("1234.567"), "JPY"),
        ),
        (
            {"value_int": "1", "currency": "SEK"},
            Money(Decimal("0.001"), "SEK"),
        ),
        (
            {"value_int": "1", "currency": "LTC"},
            Money(Decimal("0.00000001"), "LTC"),
        ),
        ({"value_int": "-250", "currency": "EUR"}, Money(Decimal("-0.0025"), "EUR")),
        ({"value_int": 700000, "currency": "USD"}, Money(Decimal("7"), "USD")),
    ],
)
def test_parse_money_uses_value_int_and_the_multiplier(
    co: dict[str, object], expected: Money
) -> None:
    assert parse_money(co) == expected


def test_parse_money_ignores_the_float_like_value() -> None:
    # W-V1: early avg/vwap "value" strings had more digits than value_int.
    co = {"value": "5.561119626", "value_int": "556112", "currency": "USD"}

    money = parse_money(co)

    assert money.amount == Decimal("5.56112")
    assert str(money.amount) == "5.56112"


def test_parse_money_keeps_the_currency_places() -> None:
    assert str(parse_money({"value_int": "0", "currency": "BTC"}).amount) == ("0E-8")
    assert str(parse_money({"value_int": "100000", "currency": "USD"}).amount) == (
        "1.00000"
    )


def test_parse_money_is_exact_beyond_the_default_decimal_precision() -> None:
    digits = "1" * 40

    money = parse_money({"value_int": digits, "currency": "BTC"})

    assert money.amount == Decimal(f"{'1' * 32}.{'1' * 8}")


@pytest.mark.parametrize(
    "co",
    [
        {"value_int": "1.5", "currency": "USD"},
        {"value_int": 1.5, "currency": "USD"},
        {"value_int": Decimal("1"), "currency": "USD"},
        {"value_int": True, "currency": "USD"},
        {"value_int": "", "currency": "USD"},
        {"value_int": " 1", "currency": "USD"},
        {"value_int": None, "currency": "USD"},
        {"value": "1.00000", "currency": "USD"},
        {"value_int": "100000"},
        {"value_int": "100000", "currency": ""},
        {"value_int": "100000", "currency": 5},
    ],
)
def test_parse_money_rejects_malformed_objects(co: dict[str, object]) -> None:
    with pytest.raises(
        MtGoxResponseError,
        match=r"^currency object without a (currency|valid value_int): \{",
    ):
        parse_money(co)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("0.25"), "BTC", "0.25000000"),
        (Decimal(750), "USD", "750.00000"),
        (Decimal("12345.6"), "JPY", "12345.600"),
        (Decimal("1E+2"), "EUR", "100.00000"),
    ],
)
def test_format_amount_writes_the_currency_places(
    amount: Decimal, currency: str, text: str
) -> None:
    assert format_amount(amount, currency) == text


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [
        (Decimal("0.5"), "BTC", 50_000_000),
        (Decimal("0.00000001"), "BTC", 1),
        (Decimal("92.5"), "USD", 9_250_000),
        (Decimal("92.50000"), "USD", 9_250_000),
        (Decimal("12345.678"), "JPY", 12_345_678),
        (Decimal("1E+3"), "BTC", 100_000_000_000),
    ],
)
def test_to_int_units(amount: Decimal, currency: str, units: int) -> None:
    assert to_int_units(amount, currency) == units


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (Decimal("0.000000001"), "BTC"),
        (Decimal("1.000001"), "USD"),
        (Decimal("1.0001"), "JPY"),
        (Decimal("NaN"), "BTC"),
        (Decimal("Infinity"), "BTC"),
    ],
)
def test_to_int_units_refuses_to_round(amount: Decimal, currency: str) -> None:
    with pytest.raises(ValueError, match=currency):
        to_int_units(amount, currency)


def test_to_int_units_refuses_floats() -> None:
    with pytest.raises(ValueError, match="finite Decimal"):
        to_int_units(0.1, "BTC")  # type: ignore[arg-type]


@given(
    units=st.integers(min_value=-(10**30), max_value=10**30),
    currency=st.sampled_from(["BTC", "USD", "JPY", "SEK", "EUR"]),
)
def test_units_round_trip_exactly(units: int, currency: str) -> None:
    assert to_int_units(from_int_units(units, currency), currency) == units


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        ("0.5", "BTC", Decimal("0.5")),
        (" 1.50 ", "USD", Decimal("1.50")),
        ("0.00000001", "BTC", Decimal("0.00000001")),
        ("0.123456780", "BTC", Decimal("0.12345678")),  # the zero is no decimal
        ("1E+3", "JPY", Decimal(1000)),
        (Decimal("92233720368.54775807"), "BTC", Decimal("92233720368.54775807")),
    ],
)
def test_order_amount_accepts_what_the_exchange_takes(
    value: str | Decimal, currency: str, amount: Decimal
) -> None:
    assert order_amount(value, currency) == amount


@pytest.mark.parametrize(
    ("value", "currency", "problem"),
    [
        ("abc", "BTC", AmountProblem.NOT_A_NUMBER),
        ("NaN", "BTC", AmountProblem.NOT_A_NUMBER),
        ("-Infinity", "USD", AmountProblem.NOT_A_NUMBER),
        (True, "BTC", AmountProblem.NOT_A_NUMBER),
        ("0", "BTC", AmountProblem.NOT_POSITIVE),
        ("-0.5", "USD", AmountProblem.NOT_POSITIVE),
        ("92233720368.54775808", "BTC", AmountProblem.TOO_LARGE),
        ("1e999999999", "USD", AmountProblem.TOO_LARGE),
        ("0.123456789", "BTC", AmountProblem.TOO_MANY_DECIMALS),
        ("1e-999999999", "USD", AmountProblem.TOO_MANY_DECIMALS),
        ("100.0001", "JPY", AmountProblem.TOO_MANY_DECIMALS),
    ],
)
def test_order_amount_says_which_rule_is_broken(
    value: object, currency: str, problem: AmountProblem
) -> None:
    with pytest.raises(MtGoxAmountError) as caught:
        order_amount(value, currency)  # type: ignore[arg-type]

    assert caught.value.problem is problem
    assert caught.value.value == value
    assert caught.value.currency == currency
    assert isinstance(caught.value, ValueError)


def test_split_pair() -> None:
    assert split_pair("BTCUSD") == ("BTC", "USD")
    assert split_pair("LTCEUR") == ("LTC", "EUR")
    with pytest.raises(ValueError, match=r"^not a pair such as 'BTCUSD': 'BTCUS'$"):
        split_pair("BTCUS")


def test_order_units_are_the_checked_amount_in_integer_units() -> None:
    assert order_units(Decimal("0.5"), "BTC") == 50_000_000
    with pytest.raises(MtGoxAmountError, match="more than 3 decimal places"):
        order_units(Decimal("0.0001"), "JPY")
