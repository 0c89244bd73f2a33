"""The history import's statistic ids and names: one set per server."""

import pytest

from custom_components.mtgox.backfill import (
    price_statistic_id,
    server_name,
    volume_statistic_id,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://data.mtgox.com/api/", "mtgox:btcusd_price_data_mtgox_com"),
        ("https://data.mtgox.com:443/api/", "mtgox:btcusd_price_data_mtgox_com"),
        ("http://127.0.0.1:8099/api/", "mtgox:btcusd_price_127_0_0_1_8099"),
        ("http://Gox.Example:80/", "mtgox:btcusd_price_gox_example"),
        ("https://[::1]:8443/api/", "mtgox:btcusd_price_1_8443"),
    ],
)
def test_statistic_ids_name_the_server(url: str, expected: str) -> None:
    """Host, and port unless the scheme's default: readable, valid, stable."""
    assert price_statistic_id(url, "BTCUSD") == expected
    assert volume_statistic_id(url, "BTCUSD") == expected.replace("price", "volume")


def test_server_name_keeps_the_port_only_when_it_is_not_the_default() -> None:
    """The statistics' names say which server they came from."""
    assert server_name("https://data.mtgox.com/api/") == "data.mtgox.com"
    assert server_name("http://127.0.0.1:8099/api/") == "127.0.0.1:8099"
