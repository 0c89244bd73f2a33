"""Rest-Sign for v0, v1 and v2, checked against an independent HMAC computation."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from custom_components.mtgox.api.models import ApiVersion
from custom_components.mtgox.api.signing import (
    decode_secret,
    encode_form,
    rest_sign,
    signed_message,
)

# 64 known bytes, as the exchange issued secrets: base64 of the raw HMAC key.
SECRET_BYTES = bytes(range(64))
SECRET = base64.b64encode(SECRET_BYTES).decode()
BODY = "nonce=1321745961249676&type=bid&amount_int=50000000&price_int=9250000"


def expected_sign(message: bytes) -> str:
    digest = hmac.new(SECRET_BYTES, message, hashlib.sha512).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize("version", [ApiVersion.V0, ApiVersion.V1])
def test_v0_and_v1_sign_the_body_alone(version: ApiVersion) -> None:
    message = signed_message(version, "BTCUSD/order/add", BODY)

    assert message == BODY.encode()
    assert rest_sign(decode_secret(SECRET), message) == expected_sign(BODY.encode())


def test_v2_signs_path_nul_body() -> None:
    message = signed_message(ApiVersion.V2, "BTCUSD/money/order/add", BODY)

    assert message == b"BTCUSD/money/order/add\x00" + BODY.encode()
    assert rest_sign(decode_secret(SECRET), message) == expected_sign(
        b"BTCUSD/money/order/add\0" + BODY.encode()
    )


def test_v2_signature_differs_from_v1_for_the_same_body() -> None:
    secret = decode_secret(SECRET)

    v1 = rest_sign(secret, signed_message(ApiVersion.V1, "money/info", "nonce=1"))
    v2 = rest_sign(secret, signed_message(ApiVersion.V2, "money/info", "nonce=1"))

    assert v1 != v2


def test_rest_sign_is_padded_base64_of_64_bytes() -> None:
    sign = rest_sign(decode_secret(SECRET), b"nonce=1")

    assert len(base64.b64decode(sign, validate=True)) == 64
    assert "\n" not in sign


def test_form_puts_the_nonce_first_and_url_encodes() -> None:
    body = encode_form(42, [("type", "bid"), ("order", "a b&c")])

    assert body == "nonce=42&type=bid&order=a+b%26c"


def test_secret_surrounding_whitespace_is_ignored() -> None:
    assert decode_secret(f" {SECRET}\n") == SECRET_BYTES


def test_invalid_secret_is_refused_without_echoing_it() -> None:
    secret = "not*base64*secret-value"

    with pytest.raises(ValueError, match="not valid base64") as caught:
        decode_secret(secret)

    # The whole message: nothing of the secret, not even a fragment, around it.
    assert str(caught.value) == "api_secret is not valid base64"
    # Nor the decoder's own error chained to it, shown or hidden.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
