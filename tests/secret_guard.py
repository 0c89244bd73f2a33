"""The suite's secret guard: a test fails if any log record holds a credential.

For every test, from the start of its setup to the end of its teardown, every
logger creates every record, DEBUG included, whatever its level or flags, and
hands it to one handler that keeps it formatted with its arguments, exception
and stack (the logger's own handlers still get only what they would have).  The guard learns the credentials the test
handled while it runs:

* every HMAC-SHA512 key used in the process (the client signing, the sandbox
  verifying), and the signature of every message given to ``hmac.new``;
* the ``Rest-Key`` and ``Rest-Sign`` header of every request sent through an
  aiohttp ``ClientSession``;
* the keys and secrets of the accounts of every sandbox the test registered
  (:func:`watch_sandbox`).

A secret is looked for as base64 (with and without padding, standard and
URL-safe), URL-encoded, hex (both cases) and the raw bytes' repr, whole or any
piece of 47 characters or more; a Rest-Sign as sent, without padding or
URL-encoded; an API key whole.  A leak from the setup or the call fails the
test's call phase; one from the teardown fails the teardown.  The report names
the test, the logger, the column and the kind of value, with the value masked;
captured output attached to the report is masked the same way.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hmac
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, override
from urllib.parse import quote

import aiohttp
import pytest
from multidict import CIMultiDict

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable

    from mtgox_sandbox.runner import Sandbox

WINDOW: Final = 32
"""Length of the pieces of an encoded secret that are looked for."""

STEP: Final = 16
"""Lines are sampled every STEP characters: pieces of WINDOW + STEP - 1 are found."""

MIN_KEY_LENGTH: Final = 16
"""Shorter keys (test placeholders such as "key") would match innocent text."""

GUARD: Final = pytest.StashKey["SecretGuard"]()


@dataclass(slots=True)
class LoggedLine:
    """One formatted log record."""

    logger: str
    level: str
    text: str


@dataclass(slots=True)
class Leak:
    """A log line holding a credential, and where."""

    line: LoggedLine
    column: int
    kind: str


@dataclass(slots=True)
class Credentials:
    """What the test handled that no log line may show."""

    secrets: set[bytes] = field(default_factory=set)
    signatures: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)

    def pieces(self) -> dict[str, str]:
        """Return every WINDOW-long piece of every encoding, with its kind."""
        found: dict[str, str] = {}
        # A piece common to two encodings keeps the first kind named.
        for secret in self.secrets:
            for kind, text in secret_encodings(secret).items():
                for piece in windows(text):
                    found.setdefault(piece, f"API secret ({kind})")
        for signature in self.signatures:
            for kind, text in signature_encodings(signature).items():
                for piece in windows(text):
                    found.setdefault(piece, f"Rest-Sign ({kind})")
        return found


def secret_encodings(secret: bytes) -> dict[str, str]:
    """Return the texts a bug would plausibly turn a secret's bytes into."""
    standard = base64.b64encode(secret).decode()
    url_safe = base64.urlsafe_b64encode(secret).decode()
    return {
        "base64": standard,
        "base64 without padding": standard.rstrip("="),
        "URL-safe base64": url_safe.rstrip("="),
        "URL-encoded base64": quote(standard, safe=""),
        "hex": secret.hex(),
        "HEX": secret.hex().upper(),
        "bytes repr": repr(secret)[2:-1],
    }


def signature_encodings(signature: str) -> dict[str, str]:
    """Return the texts a bug would plausibly turn a sent Rest-Sign into."""
    return {
        "as sent": signature,
        "without padding": signature.rstrip("="),
        "URL-encoded": quote(signature, safe=""),
    }


def windows(text: str) -> list[str]:
    """Return every WINDOW-long piece of ``text`` (the text itself if shorter)."""
    if len(text) <= WINDOW:
        return [text]
    return [text[start : start + WINDOW] for start in range(len(text) - WINDOW + 1)]


class SecretGuard(logging.Handler):
    """Keep every log record of one test as text; learn its credentials."""

    def __init__(self) -> None:
        """Start with no line and no credential."""
        super().__init__(logging.DEBUG)
        self.lines: list[LoggedLine] = []
        self.checked = 0
        self.credentials = Credentials()
        self.sandboxes: list[Sandbox] = []
        self._formatter = logging.Formatter("%(message)s")

    @override
    def emit(self, record: logging.LogRecord) -> None:
        """Remember the record as its message, exception and stack."""
        try:
            text = self._formatter.format(record)
        except (TypeError, ValueError):
            text = f"{record.msg!r} % {record.args!r}"
        self.lines.append(LoggedLine(record.name, record.levelname, text))

    def learn_headers(self, headers: Any) -> None:
        """Remember the Rest-Key and Rest-Sign of a request about to be sent."""
        if not headers:
            return
        sent: CIMultiDict[object] = CIMultiDict(headers)
        self.credentials.signatures.update(map(str, sent.getall("Rest-Sign", [])))
        self.credentials.keys.update(map(str, sent.getall("Rest-Key", [])))

    def learn_hmac(self, key: bytes, message: bytes | None, mac: hmac.HMAC) -> None:
        """Remember an HMAC-SHA512 key and the signature of its message."""
        if mac.name != "hmac-sha512":
            return
        self.credentials.secrets.add(bytes(key))
        if message is not None:
            digest = mac.copy().digest()
            self.credentials.signatures.add(base64.b64encode(digest).decode())

    def all_credentials(self) -> Credentials:
        """Return what was learnt, with the registered sandboxes' accounts."""
        known = Credentials(
            set(self.credentials.secrets),
            set(self.credentials.signatures),
            set(self.credentials.keys),
        )
        for running in self.sandboxes:
            for account in running.exchange.accounts:
                if account.key:
                    known.keys.add(account.key)
                if account.secret:
                    known.secrets.add(decoded_secret(account.secret))
        return known

    def new_leaks(self) -> list[Leak]:
        """Return the leaks among the lines logged since the last call."""
        lines = self.lines[self.checked :]
        self.checked += len(lines)
        return find_leaks(lines, self.all_credentials())


def decoded_secret(secret: str) -> bytes:
    """Return a base64 secret's bytes, or its text's bytes if it is not base64."""
    try:
        return base64.b64decode(secret, validate=True)
    except binascii.Error:
        return secret.encode()


def find_leaks(lines: list[LoggedLine], credentials: Credentials) -> list[Leak]:
    """Return the first credential found in each line that holds one."""
    pieces = credentials.pieces()
    keys = [key for key in credentials.keys if len(key) >= MIN_KEY_LENGTH]
    # One text sampled every STEP characters: a cost per character logged, not
    # per character times credential.
    text = "\n".join(line.text for line in lines)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line.text) + 1)
    leaky: dict[int, Leak] = {}
    for offset in range(0, max(len(text) - WINDOW + 1, 0), STEP):
        if (kind := pieces.get(text[offset : offset + WINDOW])) is not None:
            index = bisect.bisect_right(starts, offset) - 1
            if index not in leaky:
                logged = lines[index].text
                sampled = offset - starts[index]
                # The piece found may start inside the credential: find its start.
                column = next(
                    start
                    for start in range(max(sampled - WINDOW, 0), sampled + 1)
                    if logged[start : start + WINDOW] in pieces
                )
                leaky[index] = Leak(lines[index], column, kind)
    for index, line in enumerate(lines):
        for key in keys:
            if index not in leaky and (column := line.text.find(key)) >= 0:
                leaky[index] = Leak(line, column, "API key")
    return [leaky[index] for index in sorted(leaky)]


def masked(text: str, credentials: Credentials) -> str:
    """Return ``text`` with every credential replaced by a placeholder."""
    pieces = credentials.pieces()
    hidden = [False] * len(text)
    for start in range(len(text) - WINDOW + 1):
        if text[start : start + WINDOW] in pieces:
            hidden[start : start + WINDOW] = [True] * WINDOW
    for key in credentials.keys:
        if len(key) >= MIN_KEY_LENGTH:
            start = text.find(key)
            while start >= 0:
                hidden[start : start + len(key)] = [True] * len(key)
                start = text.find(key, start + 1)
    out: list[str] = []
    for position, char in enumerate(text):
        if not hidden[position]:
            out.append(char)
        elif position == 0 or not hidden[position - 1]:
            out.append("<masked>")
    return "".join(out)


def leak_report(
    nodeid: str, when: str, leaks: Iterable[Leak], credentials: Credentials
) -> str:
    """Describe the leaks of a test phase, every credential masked."""
    described = [
        f"  logger {leak.line.logger!r} ({leak.line.level}), column {leak.column}: "
        f"{leak.kind}\n    {masked(leak.line.text, credentials)[:400]}"
        for leak in leaks
    ]
    return (
        f"secret guard: {nodeid} logged a credential during its {when} "
        f"({len(described)} line(s)):\n" + "\n".join(described)
    )


def watch_sandbox(item: pytest.Item, running: Sandbox) -> None:
    """Make the accounts of a sandbox the test started secrets of that test."""
    item.stash[GUARD].sandboxes.append(running)


# Installing the guard around each test ------------------------------------------


@dataclass(slots=True)
class Restorer:
    """Undo what :func:`install` changed, in reverse order."""

    undo: list[Callable[[], None]] = field(default_factory=list)

    def run(self) -> None:
        """Undo everything."""
        while self.undo:
            self.undo.pop()()


def _see_every_record(guard: SecretGuard, restorer: Restorer) -> None:
    """Make every logger create every record and hand it to ``guard`` first.

    Whatever a logger's level, ``disabled`` flag, ``propagate`` or a
    ``logging.disable``, set before or during the test: the guard sees the
    record, then the logger's own handlers get it only if they would have.
    """
    real_is_enabled_for = logging.Logger.isEnabledFor
    real_handle = logging.Logger.handle

    def is_enabled_for(self: logging.Logger, level: int) -> bool:
        return True

    def handle(self: logging.Logger, record: logging.LogRecord) -> None:
        guard.handle(record)
        if real_is_enabled_for(self, record.levelno):
            real_handle(self, record)

    patch = pytest.MonkeyPatch()
    patch.setattr(logging.Logger, "isEnabledFor", is_enabled_for)
    patch.setattr(logging.Logger, "handle", handle)
    restorer.undo.append(patch.undo)


def _watch_hmac(guard: SecretGuard, restorer: Restorer) -> None:
    real_new, real_digest = hmac.new, hmac.digest

    def new(key: bytes, msg: bytes | None = None, digestmod: Any = None) -> hmac.HMAC:
        mac = real_new(key, msg, digestmod)
        guard.learn_hmac(key, msg, mac)
        return mac

    def one_shot(key: bytes, msg: bytes, digest: Any) -> bytes:
        guard.learn_hmac(key, msg, real_new(key, msg, digest))
        return real_digest(key, msg, digest)

    patch = pytest.MonkeyPatch()
    patch.setattr(hmac, "new", new)
    patch.setattr(hmac, "digest", one_shot)
    restorer.undo.append(patch.undo)


def _watch_requests(guard: SecretGuard, restorer: Restorer) -> None:
    real_request = aiohttp.ClientSession._request

    async def request(
        self: aiohttp.ClientSession, method: str, url: Any, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        guard.learn_headers(kwargs.get("headers"))
        return await real_request(self, method, url, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(aiohttp.ClientSession, "_request", request)
    restorer.undo.append(patch.undo)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Guard the test from its setup to its teardown."""
    guard = SecretGuard()
    restorer = Restorer()
    item.stash[GUARD] = guard
    _see_every_record(guard, restorer)
    _watch_hmac(guard, restorer)
    _watch_requests(guard, restorer)
    try:
        return (yield)
    finally:
        restorer.run()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fail the call (or, for a leak there, the teardown) of a test that leaked."""
    report = yield
    guard = item.stash.get(GUARD, None)
    if guard is None or call.when == "setup":
        return report
    leaks = guard.new_leaks()
    if leaks:
        credentials = guard.all_credentials()
        report.outcome = "failed"
        report.longrepr = leak_report(item.nodeid, call.when, leaks, credentials)
        # pytest attaches the captured log to the report: mask it too.
        report.sections = [
            (title, masked(content, credentials)) for title, content in report.sections
        ]
    return report
