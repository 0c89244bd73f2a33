"""``scripts/bench_sandbox``'s load generator, which runs as its own process.

``scripts/bench_sandbox --load-generator`` reads a load spec (JSON) on stdin and
runs :func:`generate_load`: keep-alive connections, every request signed before
the clock starts; it prints the rate and the median latency (JSON).
"""

import asyncio
import base64
import hashlib
import hmac
import json
import math
import statistics
import time
from typing import Any
from urllib.parse import urlencode


def signed_request(
    host: str, path: str, key: str, secret: bytes, params: dict[str, Any]
) -> bytes:
    """Return a whole signed POST request, ready to write on a connection."""
    body = urlencode(params).encode()
    message = path[2:].encode() + b"\0" + body if path.startswith("2/") else body
    sign = base64.b64encode(hmac.new(secret, message, hashlib.sha512).digest())
    return (
        f"POST /api/{path} HTTP/1.1\r\nHost: {host}\r\nRest-Key: {key}\r\n"
        f"Rest-Sign: {sign.decode()}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def exchange_once(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    """Send one request on a keep-alive connection and return the answer's body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError((head + body).decode(errors="replace"))
    return body


async def run_connection(
    spec: dict[str, Any], account: dict[str, str], deadline: list[float]
) -> tuple[int, list[float]]:
    """Run one connection's part of the load; return units done and latencies."""
    host, port, mode = spec["host"], spec["port"], spec["mode"]
    secret = base64.b64decode(account["secret"]) if account else b""
    nonce = time.time_ns() // 1000
    count = spec["requests"]
    if mode == "get":
        requests = [
            f"GET {spec['path']} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        ] * count
    else:
        private = mode in {"info", "latency"}
        path = "1/generic/info" if private else spec["add_path"]
        params = {} if private else spec["order"]
        # Each add's cancel takes the nonce after the add's.
        step = 1 if private else 2
        requests = [
            signed_request(
                host,
                path,
                account["key"],
                secret,
                {"nonce": nonce + step * n, **params},
            )
            for n in range(count)
        ]
    reader, writer = await asyncio.open_connection(host, port)
    done, latencies = 0, []
    await spec["start"].wait()
    for n, request in enumerate(requests):
        started = time.perf_counter()
        answer = await exchange_once(reader, writer, request)
        if mode == "add_cancel":
            oid = json.loads(answer)["data"]
            cancel = {"nonce": nonce + 2 * n + 1, "oid": oid}
            cancel_path = spec["add_path"].replace("order/add", "order/cancel")
            signed = signed_request(host, cancel_path, account["key"], secret, cancel)
            await exchange_once(reader, writer, signed)
        latencies.append(time.perf_counter() - started)
        done += 1
        if time.perf_counter() > deadline[0]:
            break
    writer.close()
    return done, latencies


async def generate_load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load ``spec`` describes once every request is signed."""
    spec["start"] = asyncio.Event()
    deadline = [math.inf]
    accounts = spec["accounts"] or [{}] * spec["connections"]
    tasks = [
        asyncio.create_task(run_connection(spec, account, deadline))
        for account in accounts[: spec["connections"]]
    ]
    await asyncio.sleep(0.5 + spec["requests"] * len(tasks) / 50_000)  # signing
    started = time.perf_counter()
    deadline[0] = started + spec["seconds"]
    spec["start"].set()
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    latencies = [latency for _, part in results for latency in part]
    return {
        "rate": sum(done for done, _ in results) / elapsed,
        "median_ms": statistics.median(latencies) * 1000 if latencies else 0,
    }
