"""The sandbox's page at ``/``, which a device's "Visit" link opens."""

import aiohttp

from mtgox_sandbox import money
from mtgox_sandbox.runner import Sandbox


async def fetch_page(sandbox: Sandbox) -> tuple[int, str, str]:
    """Return the status, content type and text of the sandbox's root page."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(sandbox.url.removesuffix("api/")) as response,
    ):
        return response.status, response.content_type, await response.text()


async def test_page_shows_markets_and_api_url(sandbox: Sandbox) -> None:
    """Every pair with its last price and book top, and the API's base URL."""
    status, content_type, page = await fetch_page(sandbox)
    assert (status, content_type) == (200, "text/html")
    assert f'<code id="api-url">{sandbox.url}</code>' in page
    assert "mtgox_sandbox/README.md" in page
    exchange = sandbox.exchange
    for pair in exchange.pairs:
        ticker = exchange.ticker(pair)
        quote = pair[3:]
        assert (
            f"<tr><td>BTC/{quote}</td>"
            f'<td class="amount">{money.display(ticker.last, quote)}</td>'
            f'<td class="amount">{money.display(ticker.buy, quote)}</td>'
            f'<td class="amount">{money.display(ticker.sell, quote)}</td></tr>'
        ) in page
    assert "No trades in the last 24 hours." in page


async def test_page_lists_latest_trades_and_nothing_private(sandbox: Sandbox) -> None:
    """A trade appears, newest first; no login, key or order ID ever does."""
    exchange = sandbox.exchange
    ask = exchange.ticker("BTCEUR").sell
    order = exchange.place_order(sandbox.account, "BTCEUR", "bid", 2_000_000, ask)
    bid = exchange.ticker("BTCGBP").buy
    exchange.place_order(sandbox.account, "BTCGBP", "ask", 1_000_000, bid)
    status, _, page = await fetch_page(sandbox)
    assert status == 200
    rows = []
    for pair, side in (("BTCGBP", "ask"), ("BTCEUR", "bid")):
        trade = exchange.trades(pair, None)[-1]
        row = (
            f"<td>BTC/{pair[3:]}</td><td>{side}</td>"
            f'<td class="amount">{money.display(trade.amount_int, "BTC")}</td>'
            f'<td class="amount">{money.display(trade.price_int, pair[3:])}</td>'
        )
        assert row in page
        rows.append(page.index(row))
    assert rows == sorted(rows), "the newest trade comes first"
    for private in (sandbox.account.login, sandbox.key, order.oid):
        assert private not in page
