r"""The sandbox's aiohttp application: one pipeline for API versions 0, 1 and 2.

Every request to ``/api/<version>/<path>`` goes through the same steps:

1. **route** the path to an endpoint (:mod:`mtgox_sandbox.api.routing`;
   unknown: HTTP 404 ``Invalid call``) and
   count it in :attr:`SandboxServer.counters` under ``"<version>:<method>"``
   (``"<version>:invalid"`` for unknown paths), blocked requests included;
2. the **anti-DDoS limiter**, per client: the verified key of a well-signed
   private call, else the remote address (a client-supplied ``Rest-Key`` alone
   never makes a new client); over the limit, HTTP 429 with an HTML page and
   ``Retry-After`` (seconds, rounded up); the real exchange's block page was
   not JSON either;
3. the **faults** matching the path (see :mod:`mtgox_sandbox.faults`);
4. **authentication** of private endpoints (:mod:`mtgox_sandbox.auth`), which
   must be POSTed (a GET gets HTTP 405 "Invalid request method for this API");
   public endpoints answer GET and POST and ignore ``Rest-Key``/``Rest-Sign``
   entirely, so a public call signed with a wrong secret still succeeds and
   consumes no nonce;
5. the **cache** of read-only results, per version, endpoint, pair, key and
   parameters (``nonce``/``tonce`` excluded), for ``cache_seconds``; a cached
   private call is still authenticated, so its nonce is still checked; and
   ``info``'s body kept per account until it changes
   (:mod:`mtgox_sandbox.answer_cache`);
6. the **handler**; engine errors become HTTP 500 with the v1/v2 error body
   (goxtool saw application errors such as a second cancel arrive as 5xx);
7. no answer leaves before every change made so far is **committed** to the
   database (see :mod:`mtgox_sandbox.store`): requests handled together share
   one commit (:mod:`mtgox_sandbox.group_commit`), market ticks commit at
   once, so a SIGKILL loses nothing that was answered.

Parameters of public calls come from the query string and the form body (the
body wins); private calls take them from the signed body only, and refuse a
query string (other than v1's ``raw``), which no version's signature covers.
The body is parsed as received, so un-URL-encoded ``k=v&k=v`` works.  Oversized
requests are refused in JSON (:mod:`mtgox_sandbox.request_limits`).
JSON is compact and escapes non-ASCII (``\u00a0``...), as PHP's
``json_encode`` did.
"""

import asyncio
import contextlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final, cast

from aiohttp import web

from .admin import add_admin_routes
from .answer_cache import AccountRenders, TimedResults, cache_key
from .api.common import (
    ApiError,
    ApiVersion,
    CallContext,
    Route,
    form_params,
    invalid_parameter,
)
from .api.routing import api_version, route_request
from .auth import AuthError, admit, signed_account, signed_message
from .engine.models import (
    Account,
    ExchangeError,
    now_us,
)
from .exchange import Exchange
from .fault_answers import after_answer, before_answer
from .faults import (
    DEFAULT_BLOCK_SECONDS,
    DEFAULT_RATE_LIMIT,
    Fault,
    FaultKind,
    Faults,
    RateLimiter,
)
from .group_commit import GroupCommit
from .page import page_routes
from .request_limits import (
    MAX_BODY_BYTES,
    PARSER_LIMIT_BYTES,
    request_middleware,
)
from .responses import (
    BLOCKED_DETAIL,
    encode_json,
    html_page,
    json_response,
    json_text_response,
)
from .stream.hub import StreamHub

_LOGGER = logging.getLogger(__name__)

DEFAULT_CACHE_SECONDS: Final = 10.0
"""The wiki: "All API methods are cached for 10 seconds"."""

CHECKPOINT_SECONDS: Final = 1.0
"""How often committed pages reach the database file (and fsync), off the
request path: at most what a power cut can lose."""

SHUTDOWN_TIMEOUT: Final = 5.0
"""Seconds aiohttp waits for handlers at stop; held requests are released first."""

ENVELOPE_PARAMS: Final = frozenset({"raw"})
"""Query parameters a private call may carry: v1's ``raw`` picks the envelope only."""
SERVER_ERROR: Final = "Internal server error"


class SandboxServer:
    """The Mt.Gox-compatible HTTP server around one :class:`Exchange`.

    ``faults``, ``limiter`` (``limit``, ``window``, ``block_seconds``),
    ``cache_seconds`` and ``counters`` may be read and changed while running.
    """

    def __init__(
        self,
        exchange: Exchange,
        *,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        block_seconds: float = DEFAULT_BLOCK_SECONDS,
        admin_token: str | None = None,
        market_interval: float = 0.0,
        clock_us: Callable[[], int] = now_us,
    ) -> None:
        """Serve ``exchange``; ``0`` turns the cache, limiter or market off."""
        self.exchange = exchange
        self.cache_seconds = cache_seconds
        self.limiter = RateLimiter(rate_limit, block_seconds=block_seconds)
        self.faults = Faults()
        self.counters: Counter[str] = Counter()
        self.admin_token = admin_token
        self.market_interval = market_interval
        self._clock_us = clock_us
        self.commits = GroupCommit(exchange.commit, lambda: exchange.store.has_changes)
        self.stream = StreamHub(
            exchange, self.faults, self.counters, clock_us, self.commits.durable
        )
        self._cache = TimedResults()
        self.renders = AccountRenders(exchange.feed)
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._market_task: asyncio.Task[None] | None = None
        self._checkpoint_task: asyncio.Task[None] | None = None
        self.url = ""

    # Lifecycle ------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """Return the aiohttp application (the admin routes only with a token)."""
        app = web.Application(
            middlewares=[request_middleware(self._error_reply, self.commits.durable)],
            client_max_size=MAX_BODY_BYTES,
        )
        app.router.add_route("*", "/api/{version}/{path:.*}", self._handle_api)
        [page] = page_routes(lambda: self.exchange)
        app.router.add_routes(self.stream.routes(root_page=page.handler))
        if self.admin_token is not None:
            add_admin_routes(app, self, self.admin_token)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0: a free port) and start the market."""
        self._stopping.clear()
        self._runner = web.AppRunner(
            self.make_app(),
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            max_line_size=PARSER_LIMIT_BYTES,
            max_field_size=PARSER_LIMIT_BYTES,
            # An unread body (past the size limit) ends the connection at once,
            # not after 10 s of reading and discarding it, which outlived stop().
            lingering_time=0,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        if ":" in bound_host:  # an IPv6 literal needs brackets in a URL
            bound_host = f"[{bound_host}]"
        self.url = f"http://{bound_host}:{bound_port}/api/"
        if self.market_interval > 0:
            self._market_task = asyncio.create_task(self._run_market())
        if self.exchange.store.path is not None:
            self.exchange.store.checkpoint_elsewhere()
            self._checkpoint_task = asyncio.create_task(self._run_checkpoints())

    async def stop(self) -> None:
        """Release held requests, stop the market and close every connection."""
        self._stopping.set()
        if self._market_task is not None:
            self._market_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._market_task
            self._market_task = None
        await self.stream.close()
        if self._checkpoint_task is not None:
            await (
                self._checkpoint_task
            )  # its last checkpoint ends before the store closes
            self._checkpoint_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _run_market(self) -> None:
        """Let the market makers move every ``market_interval`` seconds."""
        while True:
            await asyncio.sleep(self.market_interval)
            try:
                self.step_market()
            except Exception:
                # One failed tick (a full disk, an engine bug) must not stop the
                # market for good, nor surface as an error at shutdown.
                _LOGGER.exception("Market tick failed")

    async def _run_checkpoints(self) -> None:
        """Checkpoint the database every ``CHECKPOINT_SECONDS`` until stopped."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), CHECKPOINT_SECONDS)
            try:
                await asyncio.to_thread(self.exchange.store.checkpoint)
            except Exception:
                # A full disk must not stop the server: the writer checkpoints
                # itself past FALLBACK_CHECKPOINT_PAGES anyway.
                _LOGGER.exception("Checkpoint failed")

    def step_market(self) -> None:
        """Run one market tick and commit it."""
        self.exchange.step_market()
        self.exchange.commit()

    def clear_cache(self) -> None:
        """Forget every cached result."""
        self._cache.clear()

    # The request pipeline ----------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        """Answer one API request (see the module docstring for the steps)."""
        version_text = request.match_info["version"]
        path = request.match_info["path"]
        api, route = route_request(version_text, path)
        method = route.endpoint.name if isinstance(route, Route) else "invalid"
        self.counters[f"{version_text}:{method}"] += 1

        client, signed = await self._limited_client(request, api, route)
        retry_after = self.limiter.retry_after(client)
        if retry_after is not None:
            return html_page(
                429, BLOCKED_DETAIL, {"Retry-After": str(math.ceil(retry_after))}
            )

        taken = self.faults.take(f"{version_text}/{path}")
        faults = {fault.kind: fault for fault in taken}
        # Most requests meet no fault; they skip the fault steps' coroutines.
        if faults:
            early = await before_answer(request, faults, self._stopping)
            if early is not None:
                return early
        if isinstance(route, ApiError):
            return json_response(api.failure(route), route.status)
        if FaultKind.STATUS in faults:
            status = faults[FaultKind.STATUS].status
            return json_response(
                api.failure(ApiError(SERVER_ERROR, status=status)), status
            )

        try:
            body = await self._answer(request, api, route, faults, signed)
            response = json_text_response(body)
        except AuthError as error:
            rejected = ApiError(error.message, error.token, error.status)
            response = json_response(api.failure(rejected), rejected.status)
        except ApiError as error:
            response = json_response(api.failure(error), error.status)
        if not faults:
            return response
        return await after_answer(request, response, faults, self._stopping)

    async def _limited_client(
        self, request: web.Request, api: ApiVersion, route: Route | ApiError
    ) -> tuple[Hashable, Account | AuthError | None]:
        """Return whom the limiter counts, and a private call's signature check.

        A signed call counts on its verified key, anything else on the address.
        The check (its account, or why it failed) is verified once, here, and
        handed on to authentication.
        """
        if isinstance(route, Route) and route.endpoint.private:
            body = await request.read()
            message = signed_message(api.number, route.signed_path, body)
            try:
                account = signed_account(
                    self.exchange.account_for_key, request.headers, message
                )
            except AuthError as error:
                return ("address", request.remote), error
            return ("key", account.key), account
        return ("address", request.remote), None

    def _error_reply(self, request: web.Request, error: ApiError) -> web.Response:
        """Answer ``error`` in the shape of the API version the path names."""
        _, api_prefix, version_text, *_ = [*request.path.split("/", 3), "", ""]
        if api_prefix != "api":
            return json_response({"error": error.message}, error.status)
        return json_response(api_version(version_text).failure(error), error.status)

    async def _answer(
        self,
        request: web.Request,
        api: ApiVersion,
        route: Route,
        faults: Mapping[FaultKind, Fault],
        signed: Account | AuthError | None,
    ) -> Any:
        """Authenticate (``signed``: the limiter's signature check), then answer."""
        endpoint = route.endpoint
        body = await request.read()
        unsigned = set(request.query) - ENVELOPE_PARAMS
        if endpoint.private and unsigned:
            raise invalid_parameter(min(unsigned), "sent in the signed POST body")
        params = form_params({} if endpoint.private else request.query, body)
        skew = faults.get(FaultKind.CLOCK_SKEW)
        now = self._clock_us() + (round(skew.seconds * 1_000_000) if skew else 0)
        account = None
        if endpoint.private:
            if request.method != "POST":
                raise ApiError(
                    "Invalid request method for this API", "invalid_request_method", 405
                )
            account = admit(
                cast("Account | AuthError", signed),  # checked for private routes
                params,
                rights=endpoint.rights,
                now_us=now,
                refuse_nonce=FaultKind.STALE_NONCE in faults,
            )
        try:
            return self._body(request, api, route, params, now, account)
        finally:
            if account is not None:
                self.exchange.note_nonce(account)

    def _body(
        self,
        request: web.Request,
        api: ApiVersion,
        route: Route,
        params: dict[str, str],
        now: int,
        account: Account | None,
    ) -> str:
        """Return the answer's JSON: cached, kept rendered for the account, or new."""
        endpoint = route.endpoint
        timed = endpoint.cacheable and self.cache_seconds > 0
        caller = account if endpoint.per_account else None
        if timed or caller:
            key = cache_key(
                api.number,
                endpoint.name,
                route.pair,
                account.key if account else None,
                params,
            )
            render_key = (key, tuple(request.query.items()))
        if timed and (cached := self._cache.get(key)) is not None:
            return encode_json(api.success(cached[0], request.query))
        if caller and (body := self.renders.get(caller, render_key)) is not None:
            return body
        context = CallContext(self.exchange, route.pair, params, now, account)
        try:
            data = endpoint.handler(context)
        except ExchangeError as error:
            raise ApiError(error.message, error.token) from error
        if timed:
            self._cache.remember(key, data, self.cache_seconds)
        body = encode_json(api.success(data, request.query))
        if caller:
            self.renders.keep(caller, render_key, body)
        return body
