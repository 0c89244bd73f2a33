"""Run real Mt.Gox clients of the time against the sandbox, changing only the URL.

- The seed's Node.js ``MtGoxClient`` and PHP ``mtgox_query()`` are read at run
  time from ``shared/reference/seed-mtgox-api-http.txt`` (beside the checkout);
  the only edits are the base URL (host, port, ``https`` to ``http``) and the
  API key and secret, which the snippets leave blank; each test checks that
  before it runs the client.
- ``mtgox-apiv2`` (ameensol/node-mtgox-apiv2), installed from the npm registry
  into a temporary folder; its base URL is changed by rewriting the ``uri``
  its unchanged code hands to ``request``.

A test skips only when the interpreter it needs (``node``, ``npm``, ``php``
with curl) is not installed, or the seed's clients are not beside the clone,
and says so; ``scripts/interop`` (a CI leg) installs the interpreters and sets
``MTGOX_INTEROP=1``, under which nothing skips: what is missing fails instead.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from mtgox_sandbox.runner import Sandbox

REFERENCE: Final = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "seed-mtgox-api-http.txt"
)
REQUIRED: Final = os.environ.get("MTGOX_INTEROP") == "1"
TIMEOUT: Final = 120.0
APIV2_VERSION: Final = "1.1.4"
BTC: Final = 10**8
USD: Final = 10**5


def seed_text() -> str:
    """Return the seed's reference text; skip (under scripts/interop, fail) without it.

    It sits in the project's shared/ folder beside the checkout, which a clone
    made by a user does not have.
    """
    if not REFERENCE.is_file():
        message = (
            "../shared/reference/ (the wiki page's clients) is not beside the clone"
        )
        if REQUIRED:
            pytest.fail(f"{message}, and MTGOX_INTEROP=1 requires it")
        pytest.skip(message)
    return REFERENCE.read_text(encoding="utf-8")


def between(text: str, start: str, end: str) -> str:
    """Return the lines of ``text`` from the one starting ``start`` to before ``end``."""
    lines = text.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i in range(first, len(lines)) if lines[i].startswith(end))
    return "".join(lines[first:last])


def replace_once(text: str, old: str, new: str) -> str:
    """Replace the one occurrence of ``old``; fail if there is not exactly one."""
    assert text.count(old) == 1, f"expected one {old!r} in the seed snippet"
    return text.replace(old, new)


def seed_php_original() -> str:
    """Return the seed's PHP ``mtgox_query()`` (without its example calls)."""
    return between(seed_text(), "<?php", "// example 1")


def seed_php(base_url: str, key: str, secret: str) -> str:
    """Return the seed's PHP client pointed at ``base_url`` with credentials."""
    source = seed_php_original()
    source = replace_once(source, "'https://mtgox.com/api/'", repr(base_url))
    source = replace_once(source, "$key = '';", f"$key = '{key}';")
    return replace_once(source, "$secret = '';", f"$secret = '{secret}';")


def seed_node_original() -> str:
    """Return the seed's Node.js ``MtGoxClient`` (without its example call)."""
    return between(
        seed_text(), "var querystring = require(", "var client = new MtGoxClient"
    )


def seed_node(base_url: str) -> str:
    """Return the seed's Node.js client pointed at ``base_url`` (``http://h:p/api/``)."""
    parts = urlsplit(base_url)
    assert parts.scheme == "http"
    assert parts.path == "/api/", "the seed client adds /api/ itself"
    source = seed_node_original()
    source = replace_once(source, "https = require('https')", "https = require('http')")
    source = replace_once(source, "host: 'mtgox.com'", f"host: '{parts.hostname}'")
    return replace_once(source, "port: 443", f"port: {parts.port}")


def changed_lines(before: str, after: str) -> list[str]:
    """Return the lines a change removed (``-``) and added (``+``)."""
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line for line in diff if line[:2] in {"- ", "+ "}]


def assert_php_changes_only_the_url_and_credentials() -> None:
    """Check that the PHP client run below differs from the seed in three lines only."""
    assert changed_lines(
        seed_php_original(), seed_php("http://127.0.0.1:8080/api/", "K", "S")
    ) == [
        "- $key = '';",
        "+ $key = 'K';",
        "- $secret = '';",
        "+ $secret = 'S';",
        "- curl_setopt($ch, CURLOPT_URL, 'https://mtgox.com/api/'.$path);",
        "+ curl_setopt($ch, CURLOPT_URL, 'http://127.0.0.1:8080/api/'.$path);",
    ]


def assert_node_changes_only_the_url() -> None:
    """Check that the Node.js client run below differs from the seed in its URL only."""
    assert changed_lines(
        seed_node_original(), seed_node("http://127.0.0.1:8080/api/")
    ) == [
        "- https = require('https'),",
        "+ https = require('http'),",
        "- host: 'mtgox.com',",
        "- port: 443,",
        "+ host: '127.0.0.1',",
        "+ port: 8080,",
    ]


def need(program: str) -> str:
    """Return the path of ``program``; skip (or, under scripts/interop, fail) if absent."""
    path = shutil.which(program)
    if path is None:
        message = f"{program} is not installed on this machine"
        if REQUIRED:
            pytest.fail(f"{message}, and MTGOX_INTEROP=1 requires it")
        pytest.skip(f"{message}; scripts/interop installs it and runs this test")
    return path


def need_php_curl() -> str:
    """Return the path of ``php`` if it has the curl extension the seed uses."""
    php = need("php")
    modules = subprocess.run(  # noqa: S603 (a fixed command)
        [php, "-m"], capture_output=True, text=True, check=True
    ).stdout.split()
    if "curl" not in modules:
        message = "php has no curl extension (Debian: php-curl)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(f"{message}; scripts/interop installs it")
    return php


async def run(*argv: str, cwd: Path) -> str:
    """Run a program to completion without blocking the loop; return its stdout."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, (argv, out.decode(), err.decode())
    return out.decode()


def json_lines(output: str) -> list[Any]:
    """Decode one JSON document per output line."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def balances(sandbox: Sandbox) -> dict[str, int]:
    """Return the sandbox account's BTC and USD balances (``*_int``)."""
    account = sandbox.account
    return {code: account.wallets[code].balance_int for code in ("BTC", "USD")}


def assert_info(info: Any, expected: dict[str, int]) -> None:
    """Check an account-info object against balances from the sandbox's books."""
    assert {"Login", "Index", "Rights", "Wallets", "Trade_Fee"} <= info.keys()
    for code, balance_int in expected.items():
        balance = info["Wallets"][code]["Balance"]
        assert balance["currency"] == code
        assert int(balance["value_int"]) == balance_int


# --------------------------------------------------------------------------
# The seed's Node.js client
# --------------------------------------------------------------------------

NODE_DRIVER: Final = """
var client = new MtGoxClient(process.argv[2], process.argv[3]);
var calls = JSON.parse(process.argv[4]);
(function next(i) {
  if (i >= calls.length) return;
  client.query(calls[i][0], calls[i][1], function(json) {
    console.log(JSON.stringify(json));
    // the client's nonce is milliseconds x 1000: let the clock move on
    setTimeout(function() { next(i + 1); }, 5);
  });
})(0);
"""


async def test_seed_node_client(sandbox: Sandbox, tmp_path: Path) -> None:
    """The seed's Node.js client gets the ticker and the account from the sandbox."""
    node = need("node")
    assert_node_changes_only_the_url()
    script = tmp_path / "seed_client.js"
    script.write_text(seed_node(sandbox.url) + NODE_DRIVER, encoding="utf-8")
    calls = [
        ["1/BTCUSD/public/ticker", {}],
        ["0/info.php", {}],
        ["1/generic/private/info", {}],
        ["2/money/info", {}],
    ]
    output = await run(
        node, str(script), sandbox.key, sandbox.secret, json.dumps(calls), cwd=tmp_path
    )
    ticker, info_v0, info_v1, info_v2 = json_lines(output)
    assert ticker["result"] == "success"
    ticker = ticker["return"]
    assert ticker["vol"]["currency"] == "BTC"
    assert {
        ticker[key]["currency"] for key in ("high", "low", "last", "buy", "sell")
    } == {"USD"}
    assert int(ticker["buy"]["value_int"]) < int(ticker["sell"]["value_int"])
    assert_info(info_v0, balances(sandbox))
    assert info_v1["result"] == "success"
    assert_info(info_v1["return"], balances(sandbox))
    # The seed signs the body alone, the v1 way; v2 signs the path too, so the
    # real exchange refused this call, and so must the sandbox.
    assert info_v2["result"] == "error"
    assert info_v2["token"].startswith("login_error")


# --------------------------------------------------------------------------
# The seed's PHP client
# --------------------------------------------------------------------------

PHP_DRIVER: Final = """
foreach (json_decode($argv[1], true) as $call) {
    echo json_encode(mtgox_query($call[0], $call[1])), "\\n";
    usleep(2000);
}
"""


async def test_seed_php_client(sandbox: Sandbox, tmp_path: Path) -> None:
    """The seed's PHP client reads the account, the funds and places a v0 order."""
    php = need_php_curl()
    assert_php_changes_only_the_url_and_credentials()
    script = tmp_path / "seed_client.php"
    script.write_text(
        seed_php(sandbox.url, sandbox.key, sandbox.secret) + PHP_DRIVER,
        encoding="utf-8",
    )
    before = balances(sandbox)
    calls = [
        ["0/info.php", []],
        ["0/getFunds.php", []],
        # the seed's own (commented-out) trade example: 1 BTC at $15, far
        # below the market, so it rests on the book
        ["0/buyBTC.php", {"amount": 1, "price": 15}],
    ]
    output = await run(php, str(script), json.dumps(calls), cwd=tmp_path)
    info, funds, bought = json_lines(output)
    assert_info(info, before)
    assert funds == {"usds": before["USD"] / USD, "btcs": before["BTC"] / BTC}
    assert isinstance(bought["status"], str)
    assert [
        (order["type"], order["amount"], order["price"], order["status"])
        for order in bought["orders"]
    ] == [(2, 1, 15, 1)]
    account = sandbox.account
    [order] = sandbox.exchange.open_orders(account)
    assert (order.side, order.amount_int, order.price_int) == ("bid", BTC, 15 * USD)


# --------------------------------------------------------------------------
# mtgox-apiv2 from the npm registry
# --------------------------------------------------------------------------

APIV2_DRIVER: Final = """
var base = process.argv[2];
var request = require("request");
function redirect(options) {
  // only the base URL changes; the client's code and signing are untouched
  options.uri = options.uri.replace("https://data.mtgox.com/api/", base);
  return options;
}
var redirected = function(options, callback) {
  return request(redirect(options), callback);
};
redirected.get = function(options) { return request.get(redirect(options)); };
require.cache[require.resolve("request")].exports = redirected;

var MtGoxClient = require("mtgox-apiv2");
var client = new MtGoxClient(process.argv[3], process.argv[4], "BTCUSD");
var results = {};
var steps = [
  ["ticker", function(cb) { client.ticker(cb); }],
  ["tickerFast", function(cb) { client.tickerFast(cb); }],
  ["currency", function(cb) { client.currency(cb); }],
  ["lag", function(cb) { client.lag(cb); }],
  ["depth", function(cb) { client.fetchDepth(cb); }],
  ["trades", function(cb) { client.fetchTrades(undefined, cb); }],
  ["info", function(cb) { client.info(cb); }],
  ["idKey", function(cb) { client.idKey(cb); }],
  ["add", function(cb) {
    var low = Math.floor(Number(results.ticker.data.buy.value_int) / 2);
    client.add("bid", 1000000, low, cb);
  }],
  ["orders", function(cb) { client.orders(cb); }],
  ["market", function(cb) { client.add("bid", 1000000, null, cb); }],
  ["result", function(cb) { client.result("bid", results.market.data, cb); }],
  ["cancel", function(cb) { client.cancel(results.add.data, cb); }],
  ["history", function(cb) { client.history("BTC", null, cb); }]
];
(function next(i) {
  if (i >= steps.length) { console.log(JSON.stringify(results)); return; }
  steps[i][1](function(err, json) {
    if (err) { console.error(steps[i][0] + ": " + err); process.exit(1); }
    results[steps[i][0]] = json;
    // the client's nonce is milliseconds x 1000: let the clock move on
    setTimeout(function() { next(i + 1); }, 5);
  });
})(0);
"""


@pytest.fixture(scope="session")
def apiv2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install mtgox-apiv2 from the npm registry into a temporary folder."""
    npm = need("npm")
    need("node")
    folder = tmp_path_factory.mktemp("mtgox-apiv2")
    subprocess.run(  # noqa: S603 (a fixed command)
        [npm, "install", "--no-audit", "--no-fund", f"mtgox-apiv2@{APIV2_VERSION}"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


async def test_npm_mtgox_apiv2(sandbox: Sandbox, apiv2_dir: Path) -> None:
    """mtgox-apiv2 (v2, path-signed) trades through the sandbox end to end."""
    script = apiv2_dir / "drive.js"
    script.write_text(APIV2_DRIVER, encoding="utf-8")
    before = balances(sandbox)
    output = await run(
        need("node"),
        str(script),
        sandbox.url,
        sandbox.key,
        sandbox.secret,
        cwd=apiv2_dir,
    )
    results = json.loads(output)
    assert {
        name for name, json_ in results.items() if json_["result"] != "success"
    } == set()
    data = {name: json_["data"] for name, json_ in results.items()}
    assert data["ticker"]["vol"]["currency"] == "BTC"
    assert data["currency"]["currency"] == "USD"
    assert data["currency"]["decimals"] == "5"
    assert data["depth"]["asks"]
    assert data["depth"]["bids"]
    assert {"lag", "lag_secs", "lag_text"} <= data["lag"].keys()
    assert isinstance(data["trades"], list)
    assert isinstance(data["idKey"], str)
    assert_info(data["info"], before)
    assert [order["oid"] for order in data["orders"]] == [data["add"]]
    assert data["result"]["order_id"] == data["market"]
    assert int(data["result"]["total_amount"]["value_int"]) == 1000000
    assert data["cancel"]["oid"] == data["add"]
    types = {entry["Type"] for entry in data["history"]["result"]}
    assert {"in", "deposit"} <= types
    account = sandbox.account
    assert sandbox.exchange.open_orders(account) == []
