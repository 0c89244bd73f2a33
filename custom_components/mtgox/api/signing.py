"""Rest-Key / Rest-Sign authentication of private calls."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from .models import ApiVersion

if TYPE_CHECKING:
    from collections.abc import Sequence


def decode_secret(api_secret: str) -> bytes:
    """Return the HMAC key: the API secret is base64 of the raw key bytes."""
    with contextlib.suppress(ValueError):  # binascii.Error is a ValueError
        if key := base64.b64decode(api_secret.strip(), validate=True):
            return key
    # Neither the secret nor a fragment of it belongs in the message.
    raise ValueError("api_secret is not valid base64")


def encode_form(nonce: int, params: Sequence[tuple[str, str]]) -> str:
    """Return the form body of a private call, the nonce first."""
    return urlencode([("nonce", str(nonce)), *params])


def signed_message(version: ApiVersion, path: str, body: str) -> bytes:
    """Return what Rest-Sign covers for a call to ``/api/<version>/<path>``.

    v0 and v1 sign the body alone; v2 signs the path after ``/api/2/``, a NUL
    byte, then the body.
    """
    if version is ApiVersion.V2:
        return f"{path}\0{body}".encode()
    return body.encode()


def rest_sign(secret: bytes, message: bytes) -> str:
    """Return the Rest-Sign header: base64 of HMAC-SHA512 of the message."""
    digest = hmac.new(secret, message, hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")
