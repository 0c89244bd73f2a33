"""Tests of the Mt.Gox translations and icons."""

import json
from pathlib import Path
from typing import Any

from custom_components import mtgox
from custom_components.mtgox.sensor import (
    ACCOUNT_SENSORS,
    TICKER_SENSORS,
    WALLET_SENSORS,
)

INTEGRATION = Path(mtgox.__file__).parent


def load(name: str) -> Any:
    """Return a JSON file of the integration."""
    return json.loads((INTEGRATION / name).read_text(encoding="utf-8"))


def test_english_is_strings() -> None:
    """A custom integration ships its strings as translations/en.json, unchanged."""
    assert load("translations/en.json") == load("strings.json")


def test_every_sensor_has_a_name_and_an_icon() -> None:
    """Each sensor's translation key names it and picks its icon."""
    keys = {
        description.translation_key
        for description in (*TICKER_SENSORS, *WALLET_SENSORS, *ACCOUNT_SENSORS)
    }
    assert keys == set(load("strings.json")["entity"]["sensor"])
    assert keys == set(load("icons.json")["entity"]["sensor"])
