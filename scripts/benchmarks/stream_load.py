"""The streaming section's load: self-trades at the sandbox, from their own process.

Run by :mod:`benchmarks.stream_pushes` as ``python -m benchmarks.stream_load``
(pinned to the core Home Assistant is not on, where there are two), never
imported by it.  Each trade is two signed HTTP v1 order/add calls of the load
account: an ask resting inside BTC/USD's spread at a price no recent trade had,
then a bid at that price, which fills it, so the ticker's last price becomes
that price.  Each call is one engine call, so one ticker push for BTC/USD.

A plain websocket client subscribed to ``ticker.BTCUSD`` runs beside the
trader: when each price arrives there is the baseline, the sandbox's own
delivery.  The spread comes from the command line, so that the load's
only HTTP requests are its orders.  Prints one JSON object: ``trades`` as ``[price, sent, delivered]``
(``time.monotonic()``, which is the same clock in every process; ``sent``
just before the bid, ``delivered`` null if the price never came), ``calls``
and ``seconds``.

    python -m benchmarks.stream_load URL --bid B --ask A --trades 200 --gap 0.05
    python -m benchmarks.stream_load URL --bid B --ask A --rate 100 --seconds 60

with the load account's key and secret in MTGOX_LOAD_KEY and MTGOX_LOAD_SECRET
(the environment, not the command line that ``ps`` shows).
"""

import argparse
import asyncio
import json
import os
import sys
import time
from decimal import Decimal
from typing import Final

import aiohttp

from custom_components.mtgox.api import MtGoxClient, Side
from custom_components.mtgox.api.pushes import TickerPush
from custom_components.mtgox.api.stream import MtGoxStream

PAIR: Final = "BTCUSD"
AMOUNT: Final = Decimal("0.01")
STEP: Final = Decimal("0.001")
PRICES: Final = 2_000
"""Distinct prices, STEP apart, inside the spread; reused only after this many."""
SETTLE_SECONDS: Final = 2.0
"""How long the plain client may still deliver after the last trade."""


class Trader:
    """Self-trades at fresh prices inside the spread; their send and delivery times."""

    def __init__(self, client: MtGoxClient, lowest: Decimal) -> None:
        """Trade from ``lowest`` up, STEP by STEP, wrapping after PRICES."""
        self._client = client
        self._lowest = lowest
        self.calls = 0
        self.sent: list[tuple[Decimal, float]] = []
        self.delivered: list[tuple[Decimal, float]] = []

    async def trade(self) -> None:
        """Rest an ask at the next price, then fill it with a bid."""
        price = self._lowest + STEP * (len(self.sent) % PRICES)
        await self._client.add_order(PAIR, Side.ASK, AMOUNT, price)
        sent = time.monotonic()
        await self._client.add_order(PAIR, Side.BID, AMOUNT, price)
        self.calls += 2
        self.sent.append((price, sent))

    async def watch(self, stream: MtGoxStream) -> None:
        """Note when each last price arrives at the plain client."""
        while True:
            push = await stream.receive()
            if isinstance(push, TickerPush) and push.ticker.pair == PAIR:
                self.delivered.append((push.ticker.last, time.monotonic()))

    def result(self, seconds: float) -> dict[str, object]:
        """Return what the report needs, JSON-ready."""
        delivered = in_order(self.sent, self.delivered)
        trades = [
            [str(price), sent, arrived]
            for (price, sent), arrived in zip(self.sent, delivered, strict=True)
        ]
        return {"trades": trades, "calls": self.calls, "seconds": seconds}


def in_order(
    sent: list[tuple[Decimal, float]], seen: list[tuple[Decimal, float]]
) -> list[float | None]:
    """Return when each price sent was seen; None for one never seen.

    Prices come back in the order they were traded (a price is reused only
    PRICES trades later), so each is looked for after the previous one's.
    """
    times: list[float | None] = []
    position = 0
    for price, _ in sent:
        found = next(
            (i for i in range(position, len(seen)) if seen[i][0] == price), None
        )
        if found is None:
            times.append(None)
        else:
            times.append(seen[found][1])
            position = found + 1
    return times


async def run(options: argparse.Namespace) -> dict[str, object]:
    """Trade as the options say, with the plain client watching."""
    async with aiohttp.ClientSession() as session:
        client = MtGoxClient(
            session,
            base_url=options.url,
            api_key=os.environ["MTGOX_LOAD_KEY"],
            api_secret=os.environ["MTGOX_LOAD_SECRET"],
        )
        bid, ask = Decimal(options.bid), Decimal(options.ask)
        if bid + STEP * (PRICES + 1) >= ask:
            raise RuntimeError(f"BTC/USD's spread is too narrow: {bid} to {ask}")
        trader = Trader(client, bid + STEP)
        stream = MtGoxStream(session, options.url)
        await stream.connect([f"ticker.{PAIR}"])
        watcher = asyncio.create_task(trader.watch(stream))
        start = time.monotonic()
        if options.rate:
            # Paced: trade i is due at start + i / trades per second.
            per_trade = 2 / options.rate
            while (now := time.monotonic()) - start < options.seconds:
                due = start + len(trader.sent) * per_trade
                if due > now:
                    await asyncio.sleep(due - now)
                await trader.trade()
        else:
            for _ in range(options.trades):
                await trader.trade()
                await asyncio.sleep(options.gap)
        seconds = time.monotonic() - start
        await asyncio.sleep(SETTLE_SECONDS)
        watcher.cancel()
        await stream.close()
        return trader.result(seconds)


def main() -> None:
    """Parse the command line, trade, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--bid", required=True, help="BTC/USD's best bid now")
    parser.add_argument("--ask", required=True, help="BTC/USD's best ask now")
    parser.add_argument("--trades", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between")
    parser.add_argument("--rate", type=float, default=0, help="calls per second")
    parser.add_argument("--seconds", type=float, default=60)
    json.dump(asyncio.run(run(parser.parse_args())), sys.stdout)


if __name__ == "__main__":
    main()
