"""Signed calls over the socket (``{"op": "call", ...}``), through the HTTP pipeline's parts.

The ``call`` field is base64 of the 16 bytes of the API key (its UUID without
dashes), the HMAC-SHA512 of the inner JSON keyed with the secret, and the
inner JSON ``{"id", "call", "params", "item", "currency", "nonce"|"tonce"}``
(goxtool's ``send_signed_call``).  The key, signature, rights and nonce are
checked by :func:`mtgox_sandbox.auth.authenticate`, exactly as for HTTP, and
the HTTP handlers answer; the transaction is committed before the answer.

Inner calls: ``private/info``, ``private/orders``, ``private/idkey``,
``order/add``, ``order/cancel`` (pair from ``item`` + ``currency``, default
BTCUSD) and ``order/lag``.  Refusals are ``remark`` messages: a frame that is
not a signed call at all (not base64, too short, not JSON, unknown call or
pair) says ``Invalid call``, as goxtool saw; authentication failures say the
HTTP message ``Identification required to access private API`` with the
HTTP token; engine errors their message (``Order not found``...).
"""

import base64
import binascii
import json
import uuid
from typing import Any, Final

from mtgox_sandbox.api import v1v2
from mtgox_sandbox.api.common import ApiError, CallContext, Endpoint
from mtgox_sandbox.auth import AuthError, authenticate
from mtgox_sandbox.engine.models import ExchangeError
from mtgox_sandbox.exchange import Exchange

from . import messages

KEY_BYTES: Final = 16
SIGNATURE_BYTES: Final = 64
INVALID_CALL: Final = "Invalid call"

CALLS: Final[dict[str, Endpoint]] = {
    "private/info": v1v2.ENDPOINTS["info"],
    "private/orders": v1v2.ENDPOINTS["orders"],
    "private/idkey": v1v2.ENDPOINTS["idkey"],
    "order/add": v1v2.ENDPOINTS["order/add"],
    "order/cancel": v1v2.ENDPOINTS["order/cancel"],
    "order/lag": v1v2.ENDPOINTS["order/lag"],
}


class CallRefusedError(Exception):
    """A signed call that cannot be answered; ``message`` and ``token`` say why."""

    def __init__(self, message: str, token: str | None = None) -> None:
        """Describe the refusal."""
        super().__init__(message)
        self.message = message
        self.token = token


def _unpack(payload: Any) -> tuple[str, bytes, bytes, dict[str, Any]]:
    """Split the ``call`` field into key, signature, inner JSON bytes and inner JSON."""
    if not isinstance(payload, str):
        raise CallRefusedError(INVALID_CALL)
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise CallRefusedError(INVALID_CALL) from None
    if len(raw) <= KEY_BYTES + SIGNATURE_BYTES:
        raise CallRefusedError(INVALID_CALL)
    inner = raw[KEY_BYTES + SIGNATURE_BYTES :]
    try:
        decoded = json.loads(inner)
    except ValueError:
        raise CallRefusedError(INVALID_CALL) from None
    if not isinstance(decoded, dict):
        raise CallRefusedError(INVALID_CALL)
    key = str(uuid.UUID(bytes=raw[:KEY_BYTES]))
    signature = raw[KEY_BYTES : KEY_BYTES + SIGNATURE_BYTES]
    return key, signature, inner, decoded


def _pair(inner: dict[str, Any], exchange: Exchange) -> str:
    """Return the inner call's pair (``item`` + ``currency``), default BTCUSD."""
    pair = f"{inner.get('item') or 'BTC'}{inner.get('currency') or 'USD'}"
    if pair.upper() not in exchange.pairs:
        raise CallRefusedError(INVALID_CALL)
    return pair.upper()


def _params(inner: dict[str, Any]) -> dict[str, str]:
    """Return the inner call's parameters and nonce as HTTP form values."""
    given = inner.get("params") or {}
    if not isinstance(given, dict):
        raise CallRefusedError(INVALID_CALL)
    params = {str(name): str(value) for name, value in given.items()}
    for name in ("nonce", "tonce"):
        if name in inner:
            params[name] = str(inner[name])
    return params


def answer_call(
    exchange: Exchange, frame: dict[str, Any], now_us: int, *, stale_nonce: bool
) -> dict[str, Any]:
    """Answer one ``op: call`` frame with a ``result`` or a ``remark`` message."""
    request_id = frame.get("id")
    try:
        return messages.result(
            request_id, _run(exchange, frame.get("call"), now_us, stale_nonce)
        )
    except CallRefusedError as refused:
        return messages.remark(refused.message, request_id, refused.token)


def _run(exchange: Exchange, payload: Any, now_us: int, stale_nonce: bool) -> Any:
    """Authenticate and run the inner call; raise ``CallRefusedError`` if it fails."""
    key, signature, inner_bytes, inner = _unpack(payload)
    endpoint = CALLS.get(str(inner.get("call")))
    if endpoint is None:
        raise CallRefusedError(INVALID_CALL)
    pair = _pair(inner, exchange)
    params = _params(inner)
    headers = {
        "Rest-Key": key,
        "Rest-Sign": base64.b64encode(signature).decode("ascii"),
    }
    try:
        account = authenticate(
            exchange.account_for_key,
            headers,
            inner_bytes,
            params,
            # A public call (order/lag) is still signed over the socket.
            rights=endpoint.rights,
            now_us=now_us,
            refuse_nonce=stale_nonce,
        )
    except AuthError as error:
        raise CallRefusedError(error.message, error.token) from None
    try:
        return endpoint.handler(CallContext(exchange, pair, params, now_us, account))
    except ExchangeError as error:
        raise CallRefusedError(error.message, error.token) from None
    except ApiError as error:
        raise CallRefusedError(error.message, error.token) from None
    finally:
        exchange.note_nonce(account)
        exchange.commit()
