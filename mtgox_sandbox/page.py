"""The sandbox's own page at ``/``: what it is and what its markets look like.

Read-only and small: the traded pairs with their last price and the top of
each book, the latest trades, the API's base URL and where the docs are.  It is
what a device's "Visit" link in Home Assistant opens.  Nothing on it is
private: no account, key or order of anyone is shown.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Final

from aiohttp import web

from . import money
from .engine.models import (
    Trade,
)
from .exchange import Exchange

RECENT_TRADES: Final = 10
"""How many of the latest trades the page lists, all pairs together."""

DOCS: Final = "mtgox_sandbox/README.md"
"""Where the sandbox is documented, in the repository it ships with."""

PAGE: Final = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mt.Gox sandbox</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border-bottom: 1px solid #ccc; padding: .3em .8em; }}
td.amount {{ text-align: right; font-variant-numeric: tabular-nums; }}
code {{ background: #f2f2f2; padding: 0 .2em; }}
</style></head><body>
<h1>Mt.Gox sandbox</h1>
<p>A Mt.Gox-compatible exchange for development and tests: it speaks the HTTP API
versions 0, 1 and 2 with Mt.Gox's signatures, nonces, money format and errors.
Its market makers trade by themselves; no real money is involved.</p>
<p>API base URL: <code id="api-url">{api_url}</code> (for example
<code>{api_url}1/BTCUSD/ticker</code>). Documentation: <code>{docs}</code> in the
repository the sandbox ships with.</p>
<h2>Markets</h2>
<table id="markets"><thead><tr><th>Pair</th><th>Last price</th><th>Best bid</th>
<th>Best ask</th></tr></thead><tbody>
{markets}</tbody></table>
<h2>Latest trades</h2>
<table id="trades"><thead><tr><th>Time (UTC)</th><th>Pair</th><th>Side</th>
<th>Amount</th><th>Price</th></tr></thead><tbody>
{trades}</tbody></table>
</body></html>
"""


def _amount(value_int: int, code: str) -> str:
    """Return an amount as the API's ``display`` text, or a dash for none."""
    return escape(money.display(value_int, code)) if value_int else "—"


def _market_row(exchange: Exchange, pair: str) -> str:
    """Return the row of one pair: last price, best bid and best ask."""
    ticker = exchange.ticker(pair)
    base, quote = money.pair_currencies(pair)
    cells = (
        _amount(ticker.last, quote),
        _amount(ticker.buy, quote),
        _amount(ticker.sell, quote),
    )
    amounts = "".join(f'<td class="amount">{cell}</td>' for cell in cells)
    return f"<tr><td>{escape(base)}/{escape(quote)}</td>{amounts}</tr>\n"


def _trade_row(trade: Trade) -> str:
    """Return the row of one public trade."""
    base, quote = money.pair_currencies(trade.pair)
    when = datetime.fromtimestamp(trade.date, UTC).strftime("%H:%M:%S")
    return (
        f"<tr><td>{when}</td><td>{escape(base)}/{escape(quote)}</td>"
        f"<td>{escape(trade.trade_type)}</td>"
        f'<td class="amount">{_amount(trade.amount_int, base)}</td>'
        f'<td class="amount">{_amount(trade.price_int, quote)}</td></tr>\n'
    )


def render(exchange: Exchange, api_url: str) -> str:
    """Return the page for ``exchange``, whose API answers at ``api_url``."""
    trades = sorted(
        (trade for pair in exchange.pairs for trade in exchange.trades(pair, None)),
        key=lambda trade: trade.tid,
        reverse=True,
    )[:RECENT_TRADES]
    return PAGE.format(
        api_url=escape(api_url),
        docs=escape(DOCS),
        markets="".join(_market_row(exchange, pair) for pair in exchange.pairs),
        trades="".join(_trade_row(trade) for trade in trades)
        or '<tr><td colspan="5">No trades in the last 24 hours.</td></tr>\n',
    )


def page_routes(exchange_of: Callable[[], Exchange]) -> list[web.RouteDef]:
    """Return the route of the page; ``exchange_of`` gives the exchange served."""

    async def handle(request: web.Request) -> web.Response:
        api_url = f"{request.scheme}://{request.host}/api/"
        return web.Response(
            text=render(exchange_of(), api_url), content_type="text/html"
        )

    return [web.get("/", handle)]
