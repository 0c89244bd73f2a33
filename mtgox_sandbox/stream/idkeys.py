"""Id keys: what HTTP ``idkey`` hands out and the private channel accepts.

An id key is base64 without padding (75 characters, like the recorded
fixture) of 16 bytes of a SHA-256 digest of the API key, an expiry 24 hours
ahead (8 bytes, big-endian µs) and an HMAC-SHA256 of both keyed with the
account's secret.  A digest, not the key's UUID bytes: accounts added from
Python may use any string as their key.  It is checked by finding the account
with that digest, then the HMAC and the expiry; a revoked key's id keys die
with it.
"""

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Iterable
from typing import Final

from mtgox_sandbox.engine.models import MICROSECONDS, Account

IDKEY_LIFETIME_US: Final = 24 * 3600 * MICROSECONDS
_DIGEST_BYTES: Final = 16
_EXPIRY: Final = struct.Struct(">Q")


def _key_digest(account: Account) -> bytes:
    """Return the 16 bytes that name the account's key inside its id keys."""
    return hashlib.sha256(str(account.key).encode()).digest()[:_DIGEST_BYTES]


def _tag(account: Account, signed: bytes) -> bytes:
    """Return the HMAC that proves the account's secret made ``signed``."""
    secret = base64.b64decode(str(account.secret))
    return hmac.new(secret, signed, hashlib.sha256).digest()


def make_idkey(account: Account, now_us: int) -> str:
    """Return an id key for ``account``, valid for 24 hours from ``now_us``."""
    signed = _key_digest(account) + _EXPIRY.pack(now_us + IDKEY_LIFETIME_US)
    token = signed + _tag(account, signed)
    return base64.b64encode(token).decode("ascii").rstrip("=")


def account_for_idkey(
    idkey: str, accounts: Iterable[Account], now_us: int
) -> Account | None:
    """Return the live account whose unexpired id key ``idkey`` is, else None."""
    try:
        token = base64.b64decode(idkey + "=" * (-len(idkey) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = token[:_DIGEST_BYTES]
    signed = token[: _DIGEST_BYTES + _EXPIRY.size]
    if len(signed) != _DIGEST_BYTES + _EXPIRY.size:
        return None
    (expiry,) = _EXPIRY.unpack(signed[_DIGEST_BYTES:])
    if expiry <= now_us:
        return None
    for account in accounts:
        if (
            account.secret is not None
            and not account.revoked
            and _key_digest(account) == digest
            and hmac.compare_digest(token[len(signed) :], _tag(account, signed))
        ):
            return account
    return None
