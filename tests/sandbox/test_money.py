"""Currency objects, multipliers and decimal parsing of the sandbox's money module."""

import pytest

from mtgox_sandbox import money


@pytest.mark.parametrize(
    ("value_int", "code", "expected"),
    [
        (
            4_200_000_000,
            "BTC",
            {
                "value": "42.00000000",
                "value_int": "4200000000",
                "display": "42.00000000\u00a0BTC",
                "display_short": "42.00\u00a0BTC",
                "currency": "BTC",
            },
        ),
        (
            700_000,
            "USD",
            {
                "value": "7.00000",
                "value_int": "700000",
                "display": "$7.00000",
                "display_short": "$7.00",
                "currency": "USD",
            },
        ),
        (
            20_000_000,
            "BTC",
            {
                "value": "0.20000000",
                "value_int": "20000000",
                "display": "0.20000000\u00a0BTC",
                "display_short": "0.20\u00a0BTC",
                "currency": "BTC",
            },
        ),
        (
            100_000_000,
            "USD",
            {
                "value": "1000.00000",
                "value_int": "100000000",
                "display": "$1,000.00000",
                "display_short": "$1,000.00",
                "currency": "USD",
            },
        ),
        (
            1_234_567_891,
            "EUR",
            {
                "value": "12345.67891",
                "value_int": "1234567891",
                "display": "12,345.67891\u00a0€",
                "display_short": "12,345.68\u00a0€",
                "currency": "EUR",
            },
        ),
        (
            82_000_125,
            "JPY",
            {
                "value": "82000.125",
                "value_int": "82000125",
                "display": "¥82,000.125",
                "display_short": "¥82,000.13",
                "currency": "JPY",
            },
        ),
    ],
)
def test_currency_object_matches_the_reference_format(
    value_int: int, code: str, expected: dict[str, str]
) -> None:
    assert money.currency_object(value_int, code) == expected


def test_short_display_rounds_halves_away_from_zero_without_floats() -> None:
    assert money.display(9_796_898, "USD", short=True) == "$97.97"
    assert money.display(9_796_499, "USD", short=True) == "$97.96"
    assert money.display(-700_500, "USD", short=True) == "-$7.01"
    assert money.display(-1, "BTC") == "-0.00000001\u00a0BTC"


def test_value_keeps_every_digit_of_huge_amounts() -> None:
    # 2**63 - 1 satoshi would lose digits through a float.
    assert money.currency_object(2**63 - 1, "BTC")["value"] == "92233720368.54775807"


@pytest.mark.parametrize(
    ("code", "multiplier", "decimals"),
    [
        ("BTC", 10**8, 8),
        ("LTC", 10**8, 8),
        ("NMC", 10**8, 8),
        ("JPY", 10**3, 3),
        ("SEK", 10**3, 3),
        *(
            (code, 10**5, 5)
            for code in [
                "USD",
                "AUD",
                "CAD",
                "CHF",
                "CNY",
                "DKK",
                "EUR",
                "GBP",
                "HKD",
                "NZD",
                "PLN",
                "RUB",
                "SGD",
                "THB",
                "NOK",
                "CZK",
            ]
        ),
    ],
)
def test_multiplier_table(code: str, multiplier: int, decimals: int) -> None:
    assert money.multiplier(code) == multiplier
    assert money.decimals(code) == decimals


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="XYZ"):
        money.multiplier("XYZ")


def test_currency_info_has_the_money_currency_shape() -> None:
    assert money.currency_info("USD") == {
        "currency": "USD",
        "name": "Dollar",
        "symbol": "$",
        "decimals": "5",
        "display_decimals": "2",
        "symbol_position": "before",
        "virtual": "N",
        "ticker_channel": "d5f06780-30a8-4a48-a2f8-7ed181b4a13f",
        "depth_channel": "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe",
    }
    btc = money.currency_info("BTC")
    assert (btc["decimals"], btc["virtual"], btc["symbol_position"]) == (
        "8",
        "Y",
        "after",
    )


def test_channels_not_in_the_reference_are_stable_distinct_uuids() -> None:
    eur, jpy = money.currency_info("EUR"), money.currency_info("JPY")
    assert eur["ticker_channel"] == "0bb6da8b-f6c6-4ecf-8f0d-a544ad948c15"
    assert eur["depth_channel"] == money.currency_info("EUR")["depth_channel"]
    channels = {eur["depth_channel"], jpy["ticker_channel"], jpy["depth_channel"]}
    assert len(channels) == 3
    assert eur["ticker_channel"] not in channels


def test_pair_currencies() -> None:
    assert money.pair_currencies("BTCUSD") == ("BTC", "USD")
    assert money.pair_currencies("BTCJPY") == ("BTC", "JPY")
    for bad in ("BTCUS", "BTCXYZ", "btcusd", "BTCUSDT"):
        with pytest.raises(ValueError, match="pair"):
            money.pair_currencies(bad)


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("1.5", "BTC", 150_000_000),
        ("0.00000001", "BTC", 1),
        ("1.50000000000", "BTC", 150_000_000),
        ("97.96898", "USD", 9_796_898),
        ("82000.125", "JPY", 82_000_125),
        (".5", "USD", 50_000),
        ("-2", "EUR", -200_000),
        ("12345678901234567890.12345", "USD", 1_234_567_890_123_456_789_012_345),
    ],
)
def test_parse_decimal_is_exact(text: str, code: str, expected: int) -> None:
    assert money.parse_decimal_to_int(text, code) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0.000000001", "BTC"),
        ("97.968981", "USD"),
        ("1.0001", "JPY"),
        ("1e3", "USD"),
        ("nan", "USD"),
        ("", "USD"),
        ("1,000", "USD"),
        (" 1", "USD"),
    ],
)
def test_parse_decimal_rejects_over_precision_and_non_decimals(
    text: str, code: str
) -> None:
    with pytest.raises(ValueError, match=r"decimal"):
        money.parse_decimal_to_int(text, code)


def test_to_float_is_the_nearest_float() -> None:
    assert money.to_float(11_413_000, "USD") == 114.13
    assert money.to_float(3_342_098_735, "BTC") == 33.42098735
