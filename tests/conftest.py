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

Every test runs under the secret guard (tests/secret_guard.py): every logger
at DEBUG, and the test fails if a log record holds an API secret in any
plausible encoding, a key or a Rest-Sign it sent.
"""

from collections.abc import AsyncIterator
from typing import Any, Final

import pytest

from mtgox_sandbox.runner import Sandbox, running_sandbox
from tests.secret_guard import (
    pytest_runtest_makereport,
    pytest_runtest_protocol,
    watch_sandbox,
)

__all__ = ["pytest_runtest_makereport", "pytest_runtest_protocol"]

SANDBOX_ADMIN_TOKEN: Final = "sandbox-admin-token-for-tests"


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
        watch_sandbox(request.node, running)
        yield running
