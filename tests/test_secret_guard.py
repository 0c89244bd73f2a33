"""The secret guard (tests/secret_guard.py) fails every test that leaks, each way.

A separate pytest run, with the guard as the suite uses it, runs tests that
leak on purpose: each must fail in its call (a leak in a teardown fails the
teardown), with a report that names the logger and the kind of value, and no
credential may appear anywhere in that run's output, masked report included.
"""

import base64
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path
from string import Template
from typing import Final
from urllib.parse import quote

import pytest

ROOT: Final = Path(__file__).parents[1]

LEAKY_TESTS: Final = Template('''
import base64
import hashlib
import hmac
import logging
from urllib.parse import quote

import aiohttp
import pytest

SECRET = "$secret"
RAW = base64.b64decode(SECRET)
KEY = "$key"
SENT_SIGN = "$sent_sign"
LOG = logging.getLogger("leaky.module")


def signed() -> str:
    """Sign as the client does, so that the guard learns the secret."""
    return base64.b64encode(hmac.new(RAW, b"nonce=1", hashlib.sha512).digest()).decode()


def test_base64_padded():
    signed()
    LOG.debug("secret %s", SECRET)


def test_base64_unpadded():
    signed()
    LOG.debug("secret %s", SECRET.rstrip("="))


def test_url_encoded():
    signed()
    LOG.info("body api_secret=%s", quote(SECRET, safe=""))


def test_hex():
    signed()
    LOG.debug("key bytes %s", RAW.hex())


def test_bytes_repr():
    signed()
    LOG.debug("key %r", RAW)


def test_split_across_arguments():
    signed()
    LOG.debug("%s%s", SECRET[:40], SECRET[40:])


def test_piece_in_a_traceback():
    signed()
    try:
        raise ValueError(f"bad secret {SECRET[10:70]}")
    except ValueError:
        LOG.exception("failed")


def test_signature_without_padding():
    LOG.debug("Rest-Sign %s", signed().rstrip("="))


def test_quiet_logger_that_does_not_propagate():
    quiet = logging.getLogger("leaky.quiet")
    quiet.setLevel(logging.WARNING)
    quiet.propagate = False
    signed()
    quiet.debug("secret %s", SECRET)


async def post_with(url, headers):
    async with aiohttp.ClientSession() as session:
        async with session.post(url + "1/generic/info", headers=headers) as reply:
            await reply.read()


async def test_rest_sign_actually_sent(sandbox):
    await post_with(sandbox.url, {"Rest-Key": "k", "Rest-Sign": SENT_SIGN})
    LOG.debug("sent %s", SENT_SIGN.rstrip("="))


async def test_full_key_actually_sent(sandbox):
    await post_with(sandbox.url, {"Rest-Key": KEY, "Rest-Sign": "x"})
    LOG.warning("key %s refused", KEY)


async def test_sandbox_account_secret(sandbox):
    LOG.debug("account %s", base64.b64decode(sandbox.secret).hex())


@pytest.fixture
def leaks_in_setup():
    signed()
    LOG.debug("secret %s", SECRET)


def test_leak_in_fixture_setup(leaks_in_setup):
    pass


@pytest.fixture
def leaks_in_teardown():
    yield
    signed()
    LOG.debug("secret %s", SECRET)


def test_leak_in_teardown(leaks_in_teardown):
    pass


def test_harmless_lines_pass():
    signed()
    LOG.debug("client %s...", KEY[:8])
    LOG.debug("token %s", "ab" * 64)
    LOG.debug("idkey %s", "A" * 75)
    LOG.debug("secret piece %s", SECRET[:30])
''')

CONFTEST: Final = """
from tests.conftest import pytest_runtest_makereport, pytest_runtest_protocol, sandbox
"""

INI: Final = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

FAILING_IN_CALL: Final = {
    "test_base64_padded": "API secret (base64)",
    "test_base64_unpadded": "API secret (base64",
    "test_url_encoded": "API secret (",
    "test_hex": "API secret (hex)",
    "test_bytes_repr": "API secret (bytes repr)",
    "test_split_across_arguments": "API secret (base64",
    "test_piece_in_a_traceback": "API secret (base64",
    "test_signature_without_padding": "Rest-Sign (",
    "test_quiet_logger_that_does_not_propagate": "API secret (base64)",
    "test_rest_sign_actually_sent": "Rest-Sign (",
    "test_full_key_actually_sent": "API key",
    "test_sandbox_account_secret": "API secret (hex)",
    "test_leak_in_fixture_setup": "API secret (base64",
}


@pytest.fixture(scope="module")
def leaky_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """Run the leaking tests once; return the output and the values they leaked."""
    directory = tmp_path_factory.mktemp("leaky")
    secret = base64.b64encode(secrets.token_bytes(64)).decode()
    key = str(uuid.uuid4())
    sent_sign = base64.b64encode(secrets.token_bytes(64)).decode()
    (directory / "test_leaks.py").write_text(
        LEAKY_TESTS.substitute(secret=secret, key=key, sent_sign=sent_sign)
    )
    (directory / "conftest.py").write_text(CONFTEST)
    (directory / "pytest.ini").write_text(INI)
    run = subprocess.run(  # noqa: S603 - this interpreter, a file written above
        [
            sys.executable,
            *("-m", "pytest", "-rA", "-p", "no:randomly", "-p", "no:homeassistant"),
            *("-p", "no:cacheprovider", "-c", str(directory / "pytest.ini")),
            *("--rootdir", str(directory), str(directory / "test_leaks.py")),
        ],
        capture_output=True,
        text=True,
        cwd=directory,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    raw = base64.b64decode(secret)
    leaked = [
        secret,
        secret.rstrip("="),
        quote(secret, safe=""),
        raw.hex(),
        repr(raw)[2:-1],
        secret[10:70],
        key,
        sent_sign.rstrip("="),
    ]
    return run.stdout + run.stderr, leaked


def outcomes(output: str) -> dict[str, str]:
    """Return each test's outcome from the short summary of ``-rA``."""
    found = re.findall(r"^(PASSED|FAILED|ERROR) test_leaks\.py::(\w+)", output, re.M)
    return {name: outcome for outcome, name in found}


@pytest.mark.parametrize(("test", "kind"), sorted(FAILING_IN_CALL.items()))
def test_each_leak_fails_its_test(
    leaky_run: tuple[str, list[str]], test: str, kind: str
) -> None:
    output, _ = leaky_run
    assert outcomes(output)[test] == "FAILED", output[-3000:]
    report = re.search(
        rf"secret guard: test_leaks\.py::{test} logged a credential during its call"
        r" \(\d+ line\(s\)\):\n  logger '(leaky\.\w+)' \(\w+\), column \d+: ([^\n]+)",
        output,
    )
    assert report is not None, output[-3000:]
    assert report.group(2).startswith(kind)


def test_the_report_points_at_the_column(leaky_run: tuple[str, list[str]]) -> None:
    output, _ = leaky_run
    # LOG.debug("key bytes %s", RAW.hex()): the hex starts after "key bytes ".
    assert "logger 'leaky.module' (DEBUG), column 10: API secret (hex)" in output


def test_a_leak_in_teardown_fails_the_teardown(
    leaky_run: tuple[str, list[str]],
) -> None:
    output, _ = leaky_run
    assert outcomes(output)["test_leak_in_teardown"] == "ERROR"
    assert (
        "test_leaks.py::test_leak_in_teardown logged a credential during its teardown"
        in output
    )


def test_harmless_lines_do_not_fail(leaky_run: tuple[str, list[str]]) -> None:
    output, _ = leaky_run
    assert outcomes(output)["test_harmless_lines_pass"] == "PASSED"
    # The teardown leak's call passed: two passes, one error.
    assert f"{len(FAILING_IN_CALL)} failed, 2 passed, 1 error" in output


def test_the_reports_mask_every_credential(leaky_run: tuple[str, list[str]]) -> None:
    output, leaked = leaky_run
    assert "<masked>" in output
    assert "Captured log" in output
    for value in leaked:
        assert value not in output
