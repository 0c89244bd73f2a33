"""A streaming client of the time against the sandbox, changing only its address.

``mtgox-orderbook`` 0.5.1 (cointhink, 2013; plain websocket through the npm
``websocket`` package) is installed from the npm registry into a temporary
folder.  Its hard-coded ``ws://websocket.mtgox.com/mtgox`` is the only thing
changed: ``WebSocketClient.prototype.connect`` is wrapped to swap the host for
the sandbox's before the unchanged client code connects.  The client then
connects with ``?Currency=USD``, subscribes ``lag`` by type, makes signed
calls (``private/info``, ``private/idkey``, ``order/add``) with its own
signing, and subscribes its private channel with the id key.

``socket.io-client`` 0.9.16 (the Socket.IO 0.9 client Node.js streaming
clients of the time were built on) connects to ``<sandbox>/mtgox?Currency=USD``
as it would have to ``https://socketio.mtgox.com/mtgox?Currency=USD``, over
the websocket transport, and reads the market makers' trades.

Skips only without ``node``/``npm``, like ``test_reference_clients.py``;
``scripts/interop`` runs it with ``MTGOX_INTEROP=1``, where that fails instead.
"""

import json
import subprocess
from pathlib import Path
from typing import Final

import pytest

from mtgox_sandbox.runner import Sandbox

from .test_reference_clients import need, run

ORDERBOOK_VERSION: Final = "0.5.1"
SOCKETIO_CLIENT_VERSION: Final = "0.9.16"
TICKER_USD: Final = "d5f06780-30a8-4a48-a2f8-7ed181b4a13f"
DEPTH_USD: Final = "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"
TRADE: Final = "dbf1dee9-4f2e-4a08-8cb7-748919a71b21"
LAG: Final = "85174711-be64-4de1-b783-0628995d7914"

ORDERBOOK_DRIVER: Final = """
var base = process.argv[2];
var WebSocketClient = require("websocket").client;
var connect = WebSocketClient.prototype.connect;
WebSocketClient.prototype.connect = function(url) {
  // only the address changes; the client's code, framing and signing are untouched
  arguments[0] = url.replace("ws://websocket.mtgox.com/", base);
  return connect.apply(this, arguments);
};
var mtgox = require("mtgox-orderbook");
mtgox.setup("websocket", {key: process.argv[3], secret: process.argv[4]});
var seen = {subscribe: [], remark: [], private: {}, results: {}};
function fail(step, error) {
  console.error(step + ": " + JSON.stringify(error));
  process.exit(1);
}
mtgox.on("subscribe", function(channel) { seen.subscribe.push(channel); });
mtgox.on("remark", function(message) { seen.remark.push(message); });
mtgox.on("message", function(message) {
  if (message.op != "private") { return; }
  seen.private[message.private] = message[message.private];
  var kinds = ["user_order", "wallet", "trade", "ticker", "depth", "lag"];
  if (seen.results.oid && kinds.every(function(k) { return seen.private[k]; })) {
    console.log(JSON.stringify(seen));
    process.exit(0);
  }
});
mtgox.on("connect", function() {
  mtgox.subscribe("lag");
  mtgox.call("private/info", {}, function(error, info) {
    if (error) { fail("info", error); }
    seen.results.login = info.Login;
    mtgox.call("private/idkey", {}, function(error, idkey) {
      if (error) { fail("idkey", error); }
      mtgox.subscribe(idkey);
      mtgox.call("order/add", {type: "bid", amount_int: 1000000}, function(error, oid) {
        if (error) { fail("add", error); }
        seen.results.oid = oid;
      });
    });
  });
});
setTimeout(function() { fail("timed out", seen); }, 60000);
mtgox.connect("BTC", "USD");
"""


def npm_install(factory: pytest.TempPathFactory, package: str, version: str) -> Path:
    """Install one npm package from the registry into a new temporary folder."""
    npm = need("npm")
    need("node")
    folder = factory.mktemp(package)
    subprocess.run(  # noqa: S603 (a fixed command)
        [npm, "install", "--no-audit", "--no-fund", f"{package}@{version}"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


@pytest.fixture(scope="session")
def orderbook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install mtgox-orderbook from the npm registry into a temporary folder."""
    return npm_install(tmp_path_factory, "mtgox-orderbook", ORDERBOOK_VERSION)


async def test_npm_mtgox_orderbook_streams_and_trades(
    sandbox: Sandbox, orderbook_dir: Path
) -> None:
    """mtgox-orderbook subscribes, calls signed and gets every message kind."""
    script = orderbook_dir / "drive.js"
    script.write_text(ORDERBOOK_DRIVER, encoding="utf-8")
    websocket_base = sandbox.url.removesuffix("api/").replace("http://", "ws://")
    output = await run(
        need("node"),
        str(script),
        websocket_base,
        sandbox.key,
        sandbox.secret,
        cwd=orderbook_dir,
    )
    seen = json.loads(output)
    assert seen["remark"] == []
    assert seen["subscribe"][:4] == [TICKER_USD, DEPTH_USD, TRADE, LAG]
    assert len(seen["subscribe"]) == 5  # and the private channel
    assert seen["results"]["login"] == sandbox.account.login
    oid = seen["results"]["oid"]
    assert seen["private"]["user_order"] == {"oid": oid, "reason": "completed_active"}
    assert seen["private"]["trade"]["amount_int"] == "1000000"
    assert seen["private"]["wallet"]["balance"]["currency"] in {"BTC", "USD"}
    assert seen["private"]["depth"]["currency"] == "USD"
    assert seen["private"]["ticker"]["item"] == "BTC"
    assert seen["private"]["lag"]["age"] == 0


SOCKETIO_DRIVER: Final = """
var io = require("socket.io-client");
var socket = io.connect(process.argv[2] + "/mtgox?Currency=USD",
                        {transports: ["websocket"]});
var seen = {subscribed: [], private: {}};
socket.on("connect", function() {
  socket.json.send({op: "mtgox.subscribe", type: "lag"});
  socket.send(JSON.stringify({op: "mtgox.subscribe", type: "trades"}));
});
socket.on("message", function(message) {
  if (message.op == "subscribe") { seen.subscribed.push(message.channel); }
  if (message.op == "private") { seen.private[message.private] = message.channel; }
  if (["trade", "depth", "ticker", "lag"].every(function(k) { return seen.private[k]; })) {
    console.log(JSON.stringify(seen));
    process.exit(0);
  }
});
setTimeout(function() {
  console.error("timed out: " + JSON.stringify(seen));
  process.exit(1);
}, 60000);
"""


@pytest.fixture(scope="session")
def socketio_client_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install socket.io-client 0.9 from the npm registry into a temporary folder."""
    return npm_install(tmp_path_factory, "socket.io-client", SOCKETIO_CLIENT_VERSION)


@pytest.mark.parametrize("sandbox", [{"market_interval": 0.05}], indirect=True)
async def test_npm_socketio_client_09_streams_the_market(
    sandbox: Sandbox, socketio_client_dir: Path
) -> None:
    """socket.io-client 0.9 handshakes, joins /mtgox and gets every public kind."""
    script = socketio_client_dir / "drive.js"
    script.write_text(SOCKETIO_DRIVER, encoding="utf-8")
    output = await run(
        need("node"),
        str(script),
        sandbox.url.removesuffix("/api/"),
        cwd=socketio_client_dir,
    )
    seen = json.loads(output)
    assert seen["subscribed"] == [TICKER_USD, DEPTH_USD, TRADE, LAG, TRADE]
    assert seen["private"] == {
        "trade": TRADE,
        "depth": DEPTH_USD,
        "ticker": TICKER_USD,
        "lag": LAG,
    }
