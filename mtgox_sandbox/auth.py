"""Rest-Key / Rest-Sign verification for API versions 0, 1 and 2.

The order of the checks is the order in which a request can be judged, and it
guarantees that a rejected request never consumes a nonce:

1. ``Rest-Key`` present (else ``login_error_missing_rest_key``), then known and
   not revoked (else ``login_error_invalid_rest_key``);
2. ``Rest-Sign`` is the base64 HMAC-SHA512, keyed with the base64-decoded
   secret, of the raw body exactly as received (v0, v1) or of the path after
   ``/api/2/``, a NUL byte and the body (v2); whitespace inside the header is
   ignored because Perl's ``encode_base64`` wraps lines, which LWP sends as
   spaces (else
   ``login_error_invalid_rest_sign``);
3. the key holds one of the rights the call needs (else
   ``login_error_insufficient_rights``);
4. ``tonce`` (if sent) lies within ±10 s of the server clock and was not seen
   recently, or ``nonce`` is an integer above the key's high-water mark and at
   most 2**63 (else ``login_error_invalid_nonce``).  Only now is the nonce
   recorded.

Every failure is HTTP 403 with the message "Identification required to access
private API".  The tokens ``login_error_missing_rest_key``,
``login_error_invalid_nonce``, ``login_error_invalid_rest_sign`` (XChange issue
114) and ``login_error_invalid_rest_key`` (QtBitcoinTrader issue 129) are
attested; ``login_error_insufficient_rights`` is the sandbox's choice, with the
same message because QtBitcoinTrader tells users who see it to enable the
"Trade" and "Info" rights.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Collection, Mapping
from enum import StrEnum
from typing import Final

from .engine.models import Account
from .money import parse_int64

IDENTIFICATION_REQUIRED: Final = "Identification required to access private API"


class LoginError(StrEnum):
    """The ``token`` of each way a private call can be rejected."""

    MISSING_REST_KEY = "login_error_missing_rest_key"
    INVALID_REST_KEY = "login_error_invalid_rest_key"
    INVALID_REST_SIGN = "login_error_invalid_rest_sign"
    INSUFFICIENT_RIGHTS = "login_error_insufficient_rights"
    INVALID_NONCE = "login_error_invalid_nonce"


TONCE_WINDOW_US: Final = 10_000_000
"""A tonce is accepted within ±10 s of the server clock (goxtool's docstring)."""

MAX_NONCE: Final = 2**63
"""Nonces are 64-bit; anything larger is refused rather than wrapping."""

SECRET_BYTES: Final = 64
"""Secrets are base64 of 64 random bytes, the size of an HMAC-SHA512 block half."""

SECRETS_KEPT_DECODED: Final = 1024
"""Decoded secrets kept (least recently used go first): memory stays bounded."""


class AuthError(Exception):
    """A rejected private call: HTTP ``status``, the API's ``message`` and ``token``."""

    def __init__(self, token: LoginError) -> None:
        """Describe the rejection as the API reports it."""
        super().__init__(IDENTIFICATION_REQUIRED)
        self.message = IDENTIFICATION_REQUIRED
        self.token = token
        self.status = 403


def new_credentials() -> tuple[str, str]:
    """Return a fresh API key (a UUID with dashes) and secret (base64 of 64 bytes)."""
    key = str(uuid.uuid4())
    secret = base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")
    return key, secret


def signed_message(version: int, path_after_version: str, body: bytes) -> bytes:
    """Return the bytes a client signs: the body, or for v2 path, NUL, body."""
    if version == 2:
        return path_after_version.encode("utf-8") + b"\0" + body
    return body


@functools.lru_cache(maxsize=SECRETS_KEPT_DECODED)
def _keyed_hmac(secret: str) -> hmac.HMAC:
    """Return an HMAC-SHA512 keyed with a secret, built once rather than per request.

    Each request signs with a copy, which skips decoding the secret and hashing
    the key into the HMAC's inner and outer pads.
    """
    return hmac.new(base64.b64decode(secret), digestmod=hashlib.sha512)


def signature_matches(secret: str, message: bytes, rest_sign: str) -> bool:
    """Return whether ``rest_sign`` (whitespace ignored) signs ``message``."""
    try:
        claimed = base64.b64decode("".join(rest_sign.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    signing = _keyed_hmac(secret).copy()
    signing.update(message)
    return hmac.compare_digest(claimed, signing.digest())


def consume_nonce(account: Account, params: Mapping[str, str], now_us: int) -> None:
    """Accept and record the request's ``tonce`` or ``nonce``, or raise ``AuthError``."""
    if "tonce" in params:
        tonce = parse_int64(params["tonce"])
        if tonce is None or abs(tonce - now_us) > TONCE_WINDOW_US:
            raise AuthError(LoginError.INVALID_NONCE)
        if tonce in account.recent_tonces:
            raise AuthError(LoginError.INVALID_NONCE)
        # Tonces older than the window are refused anyway; forget them.
        oldest_acceptable = now_us - TONCE_WINDOW_US
        account.recent_tonces[:] = [
            seen for seen in account.recent_tonces if seen >= oldest_acceptable
        ]
        account.recent_tonces.append(tonce)
        return
    nonce = parse_int64(params.get("nonce"), maximum=MAX_NONCE)
    if nonce is None or nonce <= account.nonce_high_water:
        raise AuthError(LoginError.INVALID_NONCE)
    account.nonce_high_water = nonce


def check_rights(account: Account, any_of: Collection[str]) -> None:
    """Raise ``AuthError`` unless the account holds one of the rights ``any_of``."""
    if any_of and not set(account.rights).intersection(any_of):
        raise AuthError(LoginError.INSUFFICIENT_RIGHTS)


def signed_account(
    account_for_key: Callable[[str], Account | None],
    headers: Mapping[str, str],
    message: bytes,
) -> Account:
    """Return the live account whose key and secret signed ``message`` (steps 1-2)."""
    key = headers.get("Rest-Key", "").strip()
    if not key:
        raise AuthError(LoginError.MISSING_REST_KEY)
    account = account_for_key(key)
    if account is None:
        raise AuthError(LoginError.INVALID_REST_KEY)
    rest_sign = headers.get("Rest-Sign", "")
    if account.secret is None or not signature_matches(
        account.secret, message, rest_sign
    ):
        raise AuthError(LoginError.INVALID_REST_SIGN)
    return account


def authenticate(
    account_for_key: Callable[[str], Account | None],
    headers: Mapping[str, str],
    message: bytes,
    params: Mapping[str, str],
    *,
    rights: Collection[str],
    now_us: int,
    refuse_nonce: bool,
) -> Account:
    """Return the account a private call acts for, in the order described above.

    ``refuse_nonce`` (the stale-nonce fault) rejects a well-signed request at
    the nonce step without recording its nonce.
    """
    account = signed_account(account_for_key, headers, message)
    return admit(
        account, params, rights=rights, now_us=now_us, refuse_nonce=refuse_nonce
    )


def admit(
    signed: Account | AuthError,
    params: Mapping[str, str],
    *,
    rights: Collection[str],
    now_us: int,
    refuse_nonce: bool,
) -> Account:
    """Let a call through its signature check (steps 1-2), rights and nonce.

    ``signed`` is what :func:`signed_account` returned, or the error it raised.
    """
    if isinstance(signed, AuthError):
        raise signed
    account = signed
    check_rights(account, rights)
    if refuse_nonce:
        raise AuthError(LoginError.INVALID_NONCE)
    consume_nonce(account, params, now_us)
    return account
