"""Tests of the Mt.Gox translations and icons."""

import json
import re
from pathlib import Path
from typing import Any, Final

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components import mtgox
from custom_components.mtgox.book import BOOK_SENSORS
from custom_components.mtgox.const import DOMAIN
from custom_components.mtgox.diagnostic_sensors import ENGINE_LAG_SENSOR, STREAM_SENSOR
from custom_components.mtgox.sensor import (
    ACCOUNT_SENSORS,
    TICKER_SENSORS,
    WALLET_SENSORS,
)
from mtgox_sandbox.runner import Sandbox

from . import setup_entry

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
        for description in (
            *TICKER_SENSORS,
            *WALLET_SENSORS,
            *ACCOUNT_SENSORS,
            ENGINE_LAG_SENSOR,
            *BOOK_SENSORS,
            STREAM_SENSOR,
        )
    }
    assert keys == set(load("strings.json")["entity"]["sensor"])
    assert keys == set(load("icons.json")["entity"]["sensor"])


LANGUAGES: Final = ("de", "es", "fr", "ja", "nl")
"""The languages besides English, for Mt.Gox's users in Europe and Japan."""

PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Return every string of a translation file under its dotted key."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_no_other_languages() -> None:
    """Each translation shipped is checked below."""
    shipped = {path.stem for path in (INTEGRATION / "translations").glob("*.json")}
    assert shipped == {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_matches_strings(language: str) -> None:
    """Every string is translated, nothing else is, with the same placeholders."""
    english = flatten(load("strings.json"))
    translated = flatten(load(f"translations/{language}.json"))
    assert sorted(translated.keys() - english.keys()) == [], "keys not in strings.json"
    assert sorted(english.keys() - translated.keys()) == [], "keys not translated"
    for key, text in english.items():
        assert translated[key].strip(), key
        assert sorted(PLACEHOLDER.findall(translated[key])) == sorted(
            PLACEHOLDER.findall(text)
        ), key


async def test_names_follow_the_language(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Home Assistant names the entities in its own language."""
    hass.config.language = "de"
    await setup_entry(hass, mock_config_entry)
    account = sandbox.account.id
    names = {}
    for key in ("portfolio_value", "EUR_balance", "BTCUSD_bid"):
        entity_id = entity_registry.async_get_entity_id(
            "sensor", DOMAIN, f"{account}_{key}"
        )
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None
        names[key] = state.name
    assert names == {
        "portfolio_value": "Mt.Gox Portfoliowert",
        "EUR_balance": "Mt.Gox EUR-Guthaben",
        "BTCUSD_bid": "Bitcoin USD Geldkurs",
    }
