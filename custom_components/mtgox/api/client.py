"""Asynchronous client of the Mt.Gox HTTP API, versions 0, 1 and 2."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

import aiohttp

from .book import OrderBook, parse_depth
from .engine import engine_path, parse_idkey, parse_lag, parse_quote, ticker_path
from .errors import (
    MtGoxApiError,
    MtGoxAuthenticationError,
    MtGoxConnectionError,
    MtGoxOrderRejectedError,
    MtGoxOrderUnknownError,
    MtGoxRateLimitError,
    MtGoxResponseError,
    MtGoxStaleNonceError,
    MtGoxTimeoutError,
    MtGoxTlsError,
    MtGoxUnreachableError,
    connection_error,
)
from .models import (
    AccountInfo,
    ApiVersion,
    Order,
    OrderResult,
    Side,
    Ticker,
    require_v0_item,
)
from .money import order_units, split_pair
from .nonce import NonceSource
from .parsing import (
    parse_account_info,
    parse_order_id,
    parse_order_result,
    parse_orders,
    parse_ticker,
    parse_traded_pairs,
)
from .reading import (
    ACCEPT_ENCODING,
    MAX_REPLY_BYTES,
    PARSE_IN_THREAD_BYTES,
    decode_and_parse,
    ignore_payload,
    read_bounded,
)
from .signing import decode_secret, encode_form, rest_sign, signed_message
from .trades import PublicTrade, parse_trades
from .v0 import V0_ORDER_TYPES, new_order_oid

if TYPE_CHECKING:
    from decimal import Decimal

_LOGGER = logging.getLogger(__name__)

USER_AGENT = f"mtgox-home-assistant/0.1 aiohttp/{aiohttp.__version__}"
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

type FormParams = Sequence[tuple[str, str]]


class MtGoxClient:
    """Client of one API key on one Mt.Gox-compatible server.

    Public data is fetched with GET; private calls are signed POSTs whose nonces
    come from ``nonce_source`` (share one source between clients of one key).
    ``request_timeout`` bounds each HTTP exchange, from connecting to the last
    byte of the reply; a private call first waits its turn for the key's nonce
    lock, which that bound does not cover. Every failure is raised as a
    subclass of MtGoxError.

    After the exchange's anti-DDoS filter blocked a request and said for how
    long (Retry-After), the client sends nothing until that time has passed:
    every call raises MtGoxRateLimitError at once, so neither the rest of a
    refresh nor an action extends the block.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        api_key: str,
        api_secret: str,
        api_version: ApiVersion = ApiVersion.V1,
        nonce_source: NonceSource | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        """Prepare a client; no request is made until a method is awaited.

        ``base_url`` is the URL that ``0/``, ``1/`` and ``2/`` follow, such as
        ``https://mtgox.com/api/``. Raises ValueError if ``api_secret`` is not
        base64 or ``request_timeout`` is not positive.
        """
        if not request_timeout > 0:
            raise ValueError("request_timeout must be positive")
        self._session = session
        self._base_url = base_url if base_url.endswith("/") else f"{base_url}/"
        self._api_key = api_key
        self._secret = decode_secret(api_secret)
        self._version = ApiVersion(api_version)
        self._nonces = nonce_source if nonce_source is not None else NonceSource()
        self._request_timeout = request_timeout
        self._blocked_until = 0.0  # event-loop time; 0: not blocked

    def __repr__(self) -> str:
        """Identify the client by server, version and the start of its key."""
        return (
            f"MtGoxClient(base_url={self._base_url!r}, "
            f"api_version={self._version.name}, api_key={self._api_key[:8]!r}...)"
        )

    async def ticker(self, pair: str) -> Ticker:
        """Return the ticker of a pair such as ``"BTCUSD"``."""
        path, query = ticker_path(self._version, pair)
        parse = partial(parse_ticker, self._version, pair)
        return await self._request("GET", self._version, path, parse, query=query)

    async def trades(
        self, pair: str, since: int | None = None
    ) -> tuple[PublicTrade, ...]:
        """Return the pair's public trades after tid ``since``, oldest first.

        Without ``since``, the last 24 hours'. One page a call (the sandbox's
        holds 1,000): ask again from the last tid until one comes back empty.
        """
        version, path = engine_path(self._version, pair, "trades/fetch")
        query = None if since is None else {"since": str(since)}
        parse = partial(parse_trades, pair)
        return await self._request("GET", version, path, parse, query=query)

    async def traded_pairs(self) -> tuple[str, ...]:
        """Return the pairs named by v2's ``stream/list_public``, whatever the version."""
        return await self._request(
            "GET", ApiVersion.V2, "stream/list_public", parse_traded_pairs
        )

    async def account_info(self) -> AccountInfo:
        """Return the account: rights, wallets, fee and monthly volume."""
        path = {
            ApiVersion.V0: "info.php",
            ApiVersion.V1: "generic/info",
            ApiVersion.V2: "money/info",
        }[self._version]
        return await self._post(self._version, path, parse_account_info)

    async def idkey(self) -> str:
        """Return an id key for the account's private stream channel (24 h valid)."""
        version, path = engine_path(self._version, "generic", "idkey")
        return await self._post(version, path, parse_idkey)

    async def open_orders(self) -> list[Order]:
        """Return the account's open orders on every pair."""
        path = {
            ApiVersion.V0: "getOrders.php",
            ApiVersion.V1: "generic/orders",
            ApiVersion.V2: "money/orders",
        }[self._version]
        return await self._post(
            self._version, path, partial(parse_orders, self._version)
        )

    async def add_order(
        self, pair: str, side: Side, amount: Decimal, price: Decimal | None = None
    ) -> str:
        """Place an order and return its oid; ``price`` None places a market order.

        ``amount`` is in the item (BTC), ``price`` in the currency per item; both
        must be positive and fit the currency's integer units exactly, else
        MtGoxAmountError (a ValueError) is raised before anything is sent. Raises
        MtGoxOrderRejectedError when the exchange refuses the order and
        MtGoxOrderUnknownError when the request may have reached the exchange but
        no usable reply came back.

        On v0 the open orders are read first (one more request): the real
        ``buyBTC.php`` reply lists every open order but may not name the new
        one. When the reply names none and the list does not tell which is new,
        MtGoxOrderPlacedError says the order was placed with an unknown oid.
        """
        item, currency = split_pair(pair)
        side = Side(side)
        amount_int = order_units(amount, item)
        price_int = None if price is None else order_units(price, currency)
        params: list[tuple[str, str]]
        match self._version:
            case ApiVersion.V0:
                require_v0_item(item)
                path = "buyBTC.php" if side is Side.BID else "sellBTC.php"
                # v0 takes decimal amounts; format(Decimal, "f") never goes via float.
                params = [("amount", format(amount, "f")), ("Currency", currency)]
                if price is not None:
                    params.append(("price", format(price, "f")))
            case ApiVersion.V1 | ApiVersion.V2:
                _, path = engine_path(self._version, pair, "order/add")
                params = [("type", side.value), ("amount_int", str(amount_int))]
                if price_int is not None:
                    params.append(("price_int", str(price_int)))
        # The v0 reply may not name the new order (the recorded real one only
        # lists every open order): note the open orders first, under the same
        # nonce lock, so the new one is the one that was not there before.
        async with self._nonces.lock:
            before = (
                frozenset(
                    order.oid
                    for order in await self._post_locked(
                        ApiVersion.V0,
                        "getOrders.php",
                        partial(parse_orders, ApiVersion.V0),
                    )
                )
                if self._version is ApiVersion.V0
                else frozenset()
            )
            try:
                payload, oid = await self._post_locked(
                    self._version, path, self._with_order_id, params
                )
            # No connection opened, or the exchange refused the key: nothing placed.
            except (MtGoxAuthenticationError, MtGoxUnreachableError, MtGoxTlsError):
                raise
            except MtGoxApiError as err:
                raise MtGoxOrderRejectedError(err.message, err.token) from err
            except (MtGoxConnectionError, MtGoxResponseError) as err:
                raise MtGoxOrderUnknownError(
                    f"{side.value} order on {pair} may or may not have been placed "
                    f"({err}); check the open orders before placing it again"
                ) from err
        if oid is not None:
            return oid
        return new_order_oid(payload, before, pair, side, amount, price)

    async def cancel_order(self, pair: str, oid: str, side: Side | None = None) -> None:
        """Cancel an open order; MtGoxApiError if the exchange does not know it.

        ``side`` is sent as v0's ``type`` (1 ask, 2 bid) when known; v1 and v2
        find the order by ``oid`` alone.
        """
        split_pair(pair)
        params = [("oid", oid)]
        match self._version:
            case ApiVersion.V0:
                path = "cancelOrder.php"
                if side is not None:
                    params.append(("type", V0_ORDER_TYPES[Side(side)]))
            case ApiVersion.V1:
                path = f"{pair}/order/cancel"
            case ApiVersion.V2:
                path = f"{pair}/money/order/cancel"
        await self._post(self._version, path, ignore_payload, params)

    async def order_result(self, side: Side, oid: str) -> OrderResult:
        """Return how an order was filled.

        v0 had no such call; a v0 client asks the v1 endpoint of the same server
        (same key, same signature scheme).
        """
        params = [("type", Side(side).value), ("order", oid)]
        version = ApiVersion.V2 if self._version is ApiVersion.V2 else ApiVersion.V1
        path = (
            "money/order/result" if version is ApiVersion.V2 else "generic/order/result"
        )
        return await self._post(version, path, parse_order_result, params)

    async def engine_lag(self) -> Decimal:
        """Return how long the engine's queue delays a new order, in seconds."""
        version, path = engine_path(self._version, "generic", "order/lag")
        return await self._request("GET", version, path, parse_lag)

    async def quote(self, pair: str, side: Side, amount: Decimal) -> Decimal:
        """Return what ``amount`` BTC at market would cost (bid) or fetch (ask) now."""
        item, currency = split_pair(pair)
        version, path = engine_path(self._version, pair, "order/quote")
        query = {"type": Side(side).value, "amount": str(order_units(amount, item))}
        parse = partial(parse_quote, currency)
        return await self._request("GET", version, path, parse, query=query)

    async def depth(self, pair: str) -> OrderBook:
        """Return the pair's book within 10 % of the last price (``depth/fetch``)."""
        version, path = engine_path(self._version, pair, "depth/fetch")
        return await self._request("GET", version, path, partial(parse_depth, pair))

    def _with_order_id(self, payload: object) -> tuple[object, str | None]:
        return payload, parse_order_id(self._version, payload)

    async def _post[T](
        self,
        version: ApiVersion,
        path: str,
        parse: Callable[[object], T],
        params: FormParams = (),
    ) -> T:
        # Holding the lock from nonce to reply keeps nonces arriving in order.
        async with self._nonces.lock:
            return await self._post_locked(version, path, parse, params)

    async def _post_locked[T](
        self,
        version: ApiVersion,
        path: str,
        parse: Callable[[object], T],
        params: FormParams = (),
    ) -> T:
        """Send a signed POST; the caller holds the nonce lock."""
        try:
            return await self._signed_post(version, path, parse, params)
        except MtGoxStaleNonceError:
            pass
        # Another client of this key used a higher nonce. The exchange judges
        # the login before acting, so a refused call did nothing and one
        # retry cannot act twice.
        _LOGGER.debug("Stale nonce on POST %d/%s, retrying once", version, path)
        self._nonces.skip_ahead()
        return await self._signed_post(version, path, parse, params)

    async def _signed_post[T](
        self,
        version: ApiVersion,
        path: str,
        parse: Callable[[object], T],
        params: FormParams,
    ) -> T:
        body = encode_form(self._nonces.issue(), params)
        headers = {
            "Content-Type": _FORM_CONTENT_TYPE,
            "Rest-Key": self._api_key,
            "Rest-Sign": rest_sign(self._secret, signed_message(version, path, body)),
        }
        return await self._request(
            "POST", version, path, parse, body=body.encode(), headers=headers
        )

    async def _request[T](
        self,
        method: str,
        version: ApiVersion,
        path: str,
        parse: Callable[[object], T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send one request; the timeout covers connecting, reading and parsing."""
        where = f"{method} {version:d}/{path}"
        loop = asyncio.get_running_loop()
        if (wait := self._blocked_until - loop.time()) > 0:
            raise MtGoxRateLimitError(
                f"{where} not sent: the exchange's anti-DDoS filter still blocks us",
                wait,
            )
        try:
            async with asyncio.timeout(self._request_timeout):
                async with self._session.request(
                    method,
                    f"{self._base_url}{version:d}/{path}",
                    params=query,
                    data=body,
                    headers={
                        "User-Agent": USER_AGENT,
                        "Accept-Encoding": ACCEPT_ENCODING,
                        **(headers or {}),
                    },
                    auto_decompress=False,
                ) as response:
                    content = await read_bounded(response, MAX_REPLY_BYTES)
                _LOGGER.debug("%s -> HTTP %d", where, response.status)
                reply = partial(
                    decode_and_parse,
                    version,
                    response.status,
                    content,
                    response.headers.get("Retry-After"),
                    parse,
                )
                # A long reply is parsed off the event loop, which it would stall.
                if len(content) > PARSE_IN_THREAD_BYTES:
                    return await asyncio.to_thread(reply)
                return reply()
        except TimeoutError as err:
            raise MtGoxTimeoutError(
                f"{where}: no complete reply within {self._request_timeout:g} s"
            ) from err
        except aiohttp.ClientError as err:
            raise connection_error(where, err) from err
        except MtGoxRateLimitError as err:
            if err.retry_after:
                self._blocked_until = max(
                    self._blocked_until, loop.time() + err.retry_after
                )
            raise
