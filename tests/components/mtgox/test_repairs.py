"""The withdraw-right repair: its fix flow asks for a new key through reauth."""

from http import HTTPStatus

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.mtgox.const import DOMAIN
from custom_components.mtgox.repairs import async_create_fix_flow
from mtgox_sandbox.runner import DEMO_RIGHTS, Sandbox

from . import assert_reauth_started, setup_entry


async def test_fix_flow_starts_reauth(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    sandbox: Sandbox,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Confirming the repair opens the reauth form for the key's entry."""
    sandbox.exchange.set_rights(sandbox.key, [*DEMO_RIGHTS, "withdraw"])
    assert await async_setup_component(hass, "repairs", {})
    await setup_entry(hass, mock_config_entry)
    issue_id = f"withdraw_right_{mock_config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == HTTPStatus.OK
    form = await response.json()
    assert form["step_id"] == "confirm"
    assert form["description_placeholders"] == {"title": mock_config_entry.title}

    response = await client.post(f"/api/repairs/issues/fix/{form['flow_id']}")
    assert response.status == HTTPStatus.OK
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()

    assert_reauth_started(hass, mock_config_entry)


@pytest.mark.parametrize(
    ("issue_id", "data"),
    [
        ("something_else", {"entry_id": "abc"}),
        ("withdraw_right_abc", None),
        ("withdraw_right_abc", {"entry_id": 1}),
    ],
)
async def test_unknown_issue_has_no_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> None:
    """Only a withdraw-right issue naming its entry can be fixed."""
    with pytest.raises(ValueError, match="Unknown repair"):
        await async_create_fix_flow(hass, issue_id, data)
