"""What the client and its errors show: never the secret, never a signature."""

from __future__ import annotations

import base64
import pickle

import aiohttp
import pytest

from custom_components.mtgox.api import (
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxClient,
    MtGoxError,
    MtGoxOrderRejectedError,
    MtGoxRateLimitError,
)

API_KEY = "0b0d4ac6-5a1a-4ec7-86a0-2d9a3b8f1c11"
API_SECRET = base64.b64encode(b"top secret key material, do not log").decode()


async def test_repr_and_str_of_the_client_hide_the_secret() -> None:
    async with aiohttp.ClientSession() as session:
        client = MtGoxClient(
            session,
            base_url="http://127.0.0.1:1/api",
            api_key=API_KEY,
            api_secret=API_SECRET,
        )

        for text in (repr(client), str(client), f"{client!r}"):
            assert API_SECRET not in text
            assert API_KEY not in text
            assert "top secret" not in text
        assert "http://127.0.0.1:1/api/" in repr(client)
        assert API_KEY[:8] in repr(client)


async def test_client_refuses_a_secret_that_is_not_base64_without_echoing_it() -> None:
    secret = "this-is-not-base64!"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ValueError, match="api_secret") as caught:
            MtGoxClient(
                session, base_url="http://x/api/", api_key=API_KEY, api_secret=secret
            )

    assert secret not in str(caught.value)


@pytest.mark.parametrize("request_timeout", [0, -1.0])
async def test_client_refuses_a_timeout_that_is_not_positive(
    request_timeout: float,
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ValueError, match="request_timeout"):
            MtGoxClient(
                session,
                base_url="http://x/api/",
                api_key=API_KEY,
                api_secret=API_SECRET,
                request_timeout=request_timeout,
            )


def test_api_error_text_and_attributes() -> None:
    error = MtGoxAuthenticationError(
        "Identification required to access private API", "login_error_invalid_nonce"
    )

    assert isinstance(error, MtGoxApiError)
    assert error.message == "Identification required to access private API"
    assert error.token == "login_error_invalid_nonce"
    assert str(error) == (
        "Identification required to access private API [login_error_invalid_nonce]"
    )
    assert str(MtGoxOrderRejectedError("Order amount is too low")) == (
        "Order amount is too low"
    )


def test_rate_limit_error_text_and_attributes() -> None:
    assert MtGoxRateLimitError("blocked", 60.0).retry_after == 60.0
    assert str(MtGoxRateLimitError("blocked", 60.0)) == "blocked (retry after 60 s)"
    assert str(MtGoxRateLimitError("blocked")) == "blocked"


@pytest.mark.parametrize(
    "error",
    [
        MtGoxApiError("Order not found", "unknown_error"),
        MtGoxOrderRejectedError("Order amount is too low", None),
        MtGoxRateLimitError("blocked", 1.5),
    ],
)
def test_errors_survive_pickling(error: MtGoxError) -> None:
    # Home Assistant may hand errors across processes and to loggers that copy them.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object

    assert type(copy) is type(error)
    assert str(copy) == str(error)
