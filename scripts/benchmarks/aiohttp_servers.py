"""The plain aiohttp servers ``scripts/bench_sandbox`` measures beside the sandbox.

Each is a program's source, run as ``python -c SOURCE PORT``.
"""

from typing import Final

HELLO: Final = """
import sys
from aiohttp import web
async def hello(request):
    return web.Response(text="Hello, world")
app = web.Application()
app.router.add_get("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
ORDERS_WITHOUT_WORK: Final = """
import sys
from aiohttp import web
OID = "00000000-0000-4000-8000-000000000000"
ADDED = '{"result":"success","data":"%s"}' % OID
CANCELLED = '{"result":"success","data":{"qid":"%s","oid":"%s"}}' % (OID, OID)
async def answer(request):
    await request.read()
    text = ADDED if request.match_info["path"].endswith("/add") else CANCELLED
    return web.Response(text=text, content_type="application/json")
app = web.Application()
app.router.add_post("/api/{version}/{path:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
"""aiohttp answering the pairs load's calls with fixed answers, no check, no
engine, no database: the floor under the sandbox's pairs."""
FLOOR: Final = "aiohttp alone, the same calls answered without work"
