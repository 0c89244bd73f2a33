"""The security model: secrets stay secret, TLS stays on, nothing can withdraw.

Covered elsewhere, not repeated here: diagnostics redact key and secret
(test_diagnostics); the client's repr and errors hide them
(tests/api/test_repr_and_errors.py, test_client_sandbox.py); plain http is
refused for public hosts (test_config_flow); non-administrators get
``Unauthorized`` from every action (test_services); a key holding the withdraw
right raises a repair issue (test_init); the sandbox's command line binds to
loopback and its admin endpoint needs a token (tests/sandbox/test_cli.py,
test_faults.py).  Every test of the suite runs with DEBUG logging and fails if
a log line holds a secret (tests/secret_guard.py, proven by
tests/test_secret_guard.py).
"""

import ast
import inspect
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.mtgox import config_flow, options_flow
from custom_components.mtgox.api import (
    ApiVersion,
    MtGoxClient,
    MtGoxConnectionError,
)
from custom_components.mtgox.compat import ATTR_CONFIG_ENTRY_ID
from custom_components.mtgox.const import (
    CONF_API_SECRET,
    CONF_API_VERSION,
    DOMAIN,
    MTGOX_PAIRS,
)
from custom_components.mtgox.coordinator import MtGoxConfigEntry
from custom_components.mtgox.form_input import InvalidInputError, checked_url
from custom_components.mtgox.services import SERVICE_PLACE_ORDER
from mtgox_sandbox.faults import FaultKind
from mtgox_sandbox.runner import Sandbox, running_sandbox
from mtgox_sandbox.server import SandboxServer
from tests.secret_guard import Credentials, LoggedLine, decoded_secret, find_leaks

from . import LIMIT_BUY
from .tls_server import TlsServer

INTEGRATION: Final = Path(__file__).parents[3] / "custom_components" / "mtgox"


SIXTY_FOUR_BYTES_BASE64: Final = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==")
"""A Mt.Gox secret or a Rest-Sign (an HMAC-SHA512): base64 of 64 bytes."""


def hides_credentials(text: str, sandbox: Sandbox) -> bool:
    """Tell whether a text holds neither the key, the secret nor a signature."""
    credentials = Credentials({decoded_secret(sandbox.secret)}, set(), {sandbox.key})
    return not find_leaks(
        [LoggedLine("", "", text)], credentials
    ) and not SIXTY_FOUR_BYTES_BASE64.search(text)


def exception_texts(err: BaseException) -> Iterator[str]:
    """Yield everything an error shows, through its causes and contexts."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [err]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        yield repr(getattr(current, "translation_placeholders", None))
        pending += [current.__cause__, current.__context__]


# Secrets in errors and reprs -------------------------------------------------------------


async def test_no_error_or_repr_shows_the_secret(
    hass: HomeAssistant,
    sandbox: Sandbox,
    init_integration: MtGoxConfigEntry,
) -> None:
    """Failed refreshes and actions, and every runtime object, hide the credentials."""
    runtime = init_integration.runtime_data
    coordinator = runtime.coordinator
    errors: list[BaseException] = []

    async def place_order_error() -> None:
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN,
                SERVICE_PLACE_ORDER,
                {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id, **LIMIT_BUY},
                blocking=True,
                return_response=True,
            )
        errors.append(err.value)

    for fault in (FaultKind.EXECUTE_THEN_DROP, FaultKind.TRUNCATED_JSON):
        sandbox.faults.add(fault, path="1/*/order/add", count=1)
        await place_order_error()
    for fault in (FaultKind.MYSQL_ERROR, FaultKind.HTML, FaultKind.STATUS):
        sandbox.faults.add(fault, path="1/generic/info", count=1)
        await coordinator.async_refresh()
        assert coordinator.last_exception is not None
        errors.append(coordinator.last_exception)
    sandbox.faults.add(FaultKind.STALE_NONCE, count=2)
    await place_order_error()
    account = sandbox.account
    sandbox.exchange.revoke_key(sandbox.key)
    await place_order_error()
    await coordinator.async_refresh()
    assert coordinator.last_exception is not None
    errors.append(coordinator.last_exception)
    account.revoked = False

    assert len(errors) == 8
    for err in errors:
        for text in exception_texts(err):
            assert hides_credentials(text, sandbox), text
    for shown in (
        init_integration,
        runtime,
        runtime.client,
        coordinator,
        coordinator.data,
        runtime.nonce_store,
        runtime.nonce_store.source,
    ):
        assert hides_credentials(repr(shown), sandbox)
        assert hides_credentials(str(shown), sandbox)


# TLS -----------------------------------------------------------------------------------


def test_no_setting_turns_tls_verification_off() -> None:
    """No form has such a field; the integration never builds its own session."""
    fields = {
        str(key)
        for schema in (
            config_flow.USER_SCHEMA,
            config_flow.CREDENTIALS_SCHEMA,
            config_flow.SERVER_SCHEMA,
            options_flow.options_schema(MTGOX_PAIRS),
        )
        for key in schema.schema
    }
    assert fields == {
        CONF_URL,
        CONF_API_KEY,
        CONF_API_SECRET,
        CONF_API_VERSION,
        "pairs",
        "valuation_currency",
        "update_interval",
        "streaming",
        "max_order_amount",
        "history_days",
    }

    # Sessions come from Home Assistant (async_get_clientsession, which verifies
    # certificates); no call anywhere passes ssl/verify_ssl or makes a session.
    for path in sorted(INTEGRATION.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword):
                assert node.arg not in {"ssl", "verify_ssl", "connector"}, path
            if isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                assert name not in {
                    "ClientSession",
                    "TCPConnector",
                    "async_create_clientsession",
                    "SSLContext",
                    "CERT_NONE",
                } or (
                    # The client's HTTP and stream connections type their
                    # injected session.
                    path.name in {"client.py", "stream.py"}
                    and path.parent.name == "api"
                    and name == "ClientSession"
                ), (
                    path,
                    name,
                )


async def test_tls_certificates_are_verified(
    hass: HomeAssistant,
    sandbox: Sandbox,
    tls_server: tuple[TlsServer, Path],
) -> None:
    """An https server with an untrusted certificate is refused, not talked to."""
    server, cert_path = tls_server
    # The server works for a client that trusts its certificate.
    trusting = ssl.create_default_context(cafile=str(cert_path))
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.url}1/BTCUSD/ticker", ssl=trusting) as response,
    ):
        assert response.status == 200
    assert (server.answered, server.refused_handshakes) == (1, 0)

    # Home Assistant's session, which the integration uses, does not trust it.
    client = MtGoxClient(
        async_get_clientsession(hass),
        base_url=server.url,
        api_key=sandbox.key,
        api_secret=sandbox.secret,
        api_version=ApiVersion.V1,
    )
    with pytest.raises(MtGoxConnectionError) as err:
        await client.account_info()
    assert isinstance(err.value.__cause__, aiohttp.ClientConnectorCertificateError)

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={
            CONF_URL: server.url,
            CONF_API_KEY: sandbox.key,
            CONF_API_SECRET: sandbox.secret,
            CONF_API_VERSION: "1",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "tls_failed"}
    # Nothing, let alone a signed request, was sent after a refused handshake.
    assert server.answered == 1


@pytest.mark.parametrize(
    "url",
    [
        # Names that merely look local are not resolved, so not trusted.
        "http://localhost.mtgox.com/api/",
        "http://127.0.0.1.nip.io/api/",
        "http://127.0.0.1@mtgox.com/api/",
        # Public addresses however written.
        "http://[::ffff:93.184.216.34]/api/",
        "http://[2001:4860:4860::8888]/api/",
        "http://2130706433/api/",
        "HTTP://mtgox.com/api/",
    ],
)
def test_plain_http_only_to_local_addresses(url: str) -> None:
    """Plain http is refused for anything not literally loopback or private."""
    with pytest.raises(InvalidInputError) as err:
        checked_url(url)
    assert (err.value.field, err.value.error) == (CONF_URL, "insecure_url")


# Withdrawals ---------------------------------------------------------------------------

WITHDRAWAL_CALLS: Final = re.compile(
    r"withdraw\.php|send_simple|bitcoin/send|/withdraw|redeem|code/create",
    re.IGNORECASE,
)
"""Mt.Gox's calls that move money out: v0 withdraw.php, v1/v2 bitcoin/send_simple,
money/withdraw, and the Mt.Gox redeemable codes."""


def test_nothing_can_withdraw() -> None:
    """No withdrawal call anywhere in the integration or its client."""
    texts = [
        node.value
        for path in sorted(INTEGRATION.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    texts += [
        path.read_text(encoding="utf-8")
        for pattern in ("*.yaml", "*.json")
        for path in INTEGRATION.rglob(pattern)
    ]
    assert [text for text in texts if WITHDRAWAL_CALLS.search(text)] == []

    # What the client can do, all of it: read (the engine's lag, quotes, past
    # trades and order books too, an id key for the stream's private channel),
    # and place or cancel orders.
    calls = {
        name
        for name, member in inspect.getmembers(MtGoxClient)
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }
    assert calls == {
        "ticker",
        "trades",
        "traded_pairs",
        "account_info",
        "open_orders",
        "idkey",
        "add_order",
        "cancel_order",
        "order_result",
        "engine_lag",
        "depth",
        "quote",
    }


async def test_actions_cannot_withdraw(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The integration's actions only place, cancel and list orders, and quote."""
    assert set(hass.services.async_services_for_domain(DOMAIN)) == {
        "place_order",
        "cancel_order",
        "get_orders",
        "get_quote",
    }


# The sandbox ---------------------------------------------------------------------------


async def test_sandbox_listens_on_loopback_by_default(socket_enabled: None) -> None:
    """Started from Python with no host, the sandbox listens on loopback only."""
    assert inspect.signature(running_sandbox).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(SandboxServer.start).parameters["host"].default == (
        "127.0.0.1"
    )
    async with running_sandbox(rate_limit=0) as running:
        # The URL is built from the address actually bound.
        assert running.url.startswith("http://127.0.0.1:")
