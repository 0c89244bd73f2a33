"""Fixtures shared by every test package: a real sandbox on loopback.

``sandbox`` runs the Mt.Gox sandbox in the test's event loop on 127.0.0.1 at a
free port and yields a :class:`mtgox_sandbox.runner.Sandbox`:

* ``sandbox.url`` — base URL ending in ``/api/``;
* ``sandbox.key`` / ``sandbox.secret`` — a funded key (get_info, trade, deposit);
* ``sandbox.account`` — its engine account;
* ``sandbox.exchange`` — the engine (:class:`mtgox_sandbox.exchange.Exchange`);
* ``sandbox.faults`` — switchable faults (:class:`mtgox_sandbox.faults.Faults`);
* ``sandbox.counters`` — requests per ``"<version>:<method>"``;
* ``sandbox.server`` — the server, whose ``cache_seconds`` and ``limiter``
  (``limit``, ``window``, ``block_seconds``) tests may change.

The cache and the rate limit are off and the market is still, so tests see
exactly what they did; tests that need them switch them on, either while
running (``sandbox.server.cache_seconds = 10``) or at start through indirect
parametrization with ``running_sandbox`` options::

    @pytest.mark.parametrize("sandbox", [{"market_interval": 0.05}], indirect=True)  The admin
endpoint is on; its token is ``sandbox.server.admin_token``.

Every test also runs with the integration's, Home Assistant's and the
sandbox's loggers at DEBUG and fails if any log line (message or traceback)
holds a secret: the secret of any account of a sandbox the test started, or
anything shaped like a Mt.Gox secret or a Rest-Sign (base64 of 64 bytes).
"""

import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final, override

import pytest

from mtgox_sandbox.runner import Sandbox, running_sandbox

SANDBOX_ADMIN_TOKEN: Final = "sandbox-admin-token-for-tests"

DEBUG_LOGGERS: Final = ("custom_components.mtgox", "homeassistant", "mtgox_sandbox")
"""Loggers every test runs at DEBUG, so that the secret check sees everything."""

SIXTY_FOUR_BYTES_BASE64: Final = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==")
"""A Mt.Gox secret or a Rest-Sign (an HMAC-SHA512): base64 of 64 bytes."""

SANDBOXES: Final = pytest.StashKey[list[Sandbox]]()
"""The sandboxes a test started, whose accounts' secrets must not be logged."""


class LogLines(logging.Handler):
    """Keep the text of every log record: message and traceback."""

    def __init__(self) -> None:
        """Start with no line."""
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._formatter = logging.Formatter()

    @override
    def emit(self, record: logging.LogRecord) -> None:
        """Remember the record as text."""
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self._formatter.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + record.stack_info
        self.lines.append(f"{record.name}: {text}")


def leaked_lines(lines: list[str], secrets: set[str]) -> list[str]:
    """Return the lines that hold one of ``secrets`` or a 64-byte base64 value."""
    return [
        line
        for line in lines
        if SIXTY_FOUR_BYTES_BASE64.search(line)
        or any(secret in line for secret in secrets)
    ]


@pytest.fixture(autouse=True)
def no_secret_in_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Log at DEBUG during the test, then fail it if a line holds a secret."""
    handler = LogLines()
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in DEBUG_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    secrets = {
        account.secret
        for running in request.node.stash.get(SANDBOXES, [])
        for account in running.exchange.accounts
        if account.secret
    }
    leaks = leaked_lines(handler.lines, secrets)
    # The report names the lines, never the secrets themselves.
    masked = [SIXTY_FOUR_BYTES_BASE64.sub("<64-byte value>", line) for line in leaks]
    for secret in secrets:
        masked = [line.replace(secret, "<secret>") for line in masked]
    assert not leaks, f"secrets in {len(leaks)} log lines: {masked}"


@pytest.fixture
async def sandbox(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncIterator[Sandbox]:
    """Run a sandbox on a free loopback port for the duration of one test."""
    options: dict[str, Any] = {
        "seed": 1,
        "cache_seconds": 0,
        "rate_limit": 0,
        "admin_token": SANDBOX_ADMIN_TOKEN,
    }
    options.update(getattr(request, "param", {}))
    async with running_sandbox(**options) as running:
        request.node.stash.setdefault(SANDBOXES, []).append(running)
        yield running
