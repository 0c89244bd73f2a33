"""Fixtures of the Mt.Gox integration tests: config entries on the sandbox."""

import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from unittest.mock import AsyncMock, PropertyMock, patch

import pytest
from homeassistant.const import CONF_API_KEY, CONF_URL, MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.syrupy import (  # type: ignore[import-untyped]
    HomeAssistantSnapshotExtension,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.mtgox.const import (
    CONF_API_SECRET,
    CONF_API_VERSION,
    CONF_MAX_ORDER_AMOUNT,
    CONF_PAIRS,
    CONF_STREAMING,
    CONF_UPDATE_INTERVAL,
    CONF_VALUATION_CURRENCY,
    DOMAIN,
)
from mtgox_sandbox.runner import Sandbox

from . import setup_entry
from .tls_server import TlsServer, self_signed_certificate


class VersionedSnapshotExtension(HomeAssistantSnapshotExtension):  # type: ignore[misc]
    """Keep the snapshots of each Home Assistant release apart.

    Registry entries and states gain fields between releases, so each release
    CI runs on gets its own honest snapshot directory.
    """

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """Return ``snapshots/<major>.<minor>`` next to the test file."""
        return str(
            Path(super().dirname(test_location=test_location))
            / f"{MAJOR_VERSION}.{MINOR_VERSION}"
        )


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion of the running Home Assistant release."""
    return snapshot.use_extension(VersionedSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable every entity, as core's fixture of that name does."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep config-flow tests from setting the created entry up."""
    with patch(
        "custom_components.mtgox.async_setup_entry", return_value=True
    ) as setup_entry:
        yield setup_entry


@pytest.fixture
def mock_config_entry(sandbox: Sandbox) -> MockConfigEntry:
    """Return a config entry of the sandbox's funded account, tracking two pairs.

    Streaming is off: these tests count the polls' requests; test_stream.py
    turns it on.
    """
    account = sandbox.account
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Mt.Gox {account.login}",
        unique_id=account.id,
        data={
            CONF_URL: sandbox.url,
            CONF_API_KEY: sandbox.key,
            CONF_API_SECRET: sandbox.secret,
            CONF_API_VERSION: 1,
        },
        options={
            CONF_PAIRS: ["BTCUSD", "BTCEUR"],
            CONF_VALUATION_CURRENCY: "USD",
            CONF_UPDATE_INTERVAL: 30,
            CONF_MAX_ORDER_AMOUNT: "1",
            CONF_STREAMING: False,
        },
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the integration up against the sandbox."""
    await setup_entry(hass, mock_config_entry)
    return mock_config_entry


@pytest.fixture
def tls_server(
    socket_enabled: None, tmp_path: Path
) -> Iterator[tuple[TlsServer, Path]]:
    """Run a TLS server with a self-signed certificate; yield it and the certificate."""
    cert_path, key_path = self_signed_certificate(tmp_path)
    server = TlsServer(cert_path, key_path)
    server.start()
    try:
        yield server, cert_path
    finally:
        server.stop()


SENTENCES = Path(__file__).parents[3] / "custom_sentences" / "en" / "mtgox.yaml"


@pytest.fixture
async def assist(hass: HomeAssistant, tmp_path: Path) -> None:
    """Set Assist up in a config dir that holds the shipped sentence file.

    The test stack of Home Assistant 2025.4 has no temporary config dir
    fixture, so the config dir is pointed at ``tmp_path`` before the
    conversation integration reads ``custom_sentences`` from it.
    """
    hass.config.config_dir = str(tmp_path)
    sentences_dir = tmp_path / "custom_sentences" / "en"
    sentences_dir.mkdir(parents=True)
    shutil.copy(SENTENCES, sentences_dir / "mtgox.yaml")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
