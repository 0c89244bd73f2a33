"""The floors under a ticker push's CPU: the same frames, with less and less done.

Both run in Home Assistant's loop with no entry loaded, over the same trades
as the entry's run, measured the same way (``time.thread_time()`` of the loop's
thread over the trades, divided by what was counted):

- a bare aiohttp websocket subscribed to the traded pair's ticker, each
  message read and dropped: what any websocket client on aiohttp costs;
- a bare asyncio protocol that opens the same websocket by hand and counts
  each arrival of data, never reading it: what waking the loop for data
  costs on this machine, before any websocket framing.
"""

import asyncio
import base64
import os
import time
from collections.abc import Awaitable, Callable
from typing import Final

from yarl import URL

from .harness import Bench
from .stream_report import LOAD_PAIR

CONNECT_TIMEOUT: Final = 30.0


def ticker_stream(bench: Bench) -> URL:
    """Return the websocket URL subscribing the traded pair's ticker."""
    from custom_components.mtgox.api.stream import stream_url

    return stream_url(bench.sandbox.url, [f"ticker.{LOAD_PAIR}"])


async def cpu_per_count(
    ready: Callable[[], bool],
    count: Callable[[], int],
    trades: Callable[[], Awaitable[object]],
) -> float:
    """Return the loop's CPU over ``trades`` per unit that ``count`` counted."""
    async with asyncio.timeout(CONNECT_TIMEOUT):
        while not ready():  # noqa: ASYNC110 (no event to await)
            await asyncio.sleep(0.05)
    cpu_start, counted_start = time.thread_time(), count()
    await trades()
    return (time.thread_time() - cpu_start) / max(count() - counted_start, 1)


async def bare_websocket_cpu(
    bench: Bench, trades: Callable[[], Awaitable[object]]
) -> float:
    """Return the loop's CPU per message of a bare aiohttp websocket."""
    received = 0
    async with bench.session.ws_connect(ticker_stream(bench)) as websocket:

        async def drop_all() -> None:
            nonlocal received
            async for _ in websocket:
                received += 1

        reader = asyncio.create_task(drop_all())
        try:
            return await cpu_per_count(lambda: received > 0, lambda: received, trades)
        finally:
            reader.cancel()


class ArrivalCounter(asyncio.Protocol):
    """Count the arrivals of data after the websocket's upgrade; read nothing."""

    def __init__(self) -> None:
        """Count nothing yet."""
        self.arrivals = 0
        self.upgraded = False

    def data_received(self, data: bytes) -> None:
        """Count one wake-up of the loop for data."""
        if self.upgraded:
            self.arrivals += 1
        # On loopback the upgrade's answer arrives whole.
        self.upgraded = self.upgraded or b"\r\n\r\n" in data


async def bare_socket_cpu(
    bench: Bench, trades: Callable[[], Awaitable[object]]
) -> float:
    """Return the loop's CPU per arrival of data on a bare asyncio protocol."""
    url = ticker_stream(bench)
    host, port = url.host or "", url.port or 0  # the sandbox's: both set
    loop = asyncio.get_running_loop()
    transport, counter = await loop.create_connection(ArrivalCounter, host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    transport.write(
        f"GET {url.raw_path_qs} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    try:
        return await cpu_per_count(
            lambda: counter.upgraded, lambda: counter.arrivals, trades
        )
    finally:
        transport.close()
