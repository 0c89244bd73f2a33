"""``python -m mtgox_sandbox`` as a real subprocess on a free loopback port."""

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from mtgox_sandbox.__main__ import build_parser, parse_account
from mtgox_sandbox.runner import running_sandbox

from .helpers import Caller

REPOSITORY = Path(__file__).resolve().parents[2]


async def test_demo_account_answers_a_signed_call(
    tmp_path: Path, socket_enabled: None
) -> None:
    """The printed URL, key and secret work; SIGTERM stops the process cleanly."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mtgox_sandbox",
        "--port",
        "0",
        "--market-interval",
        "0",
        "--state",
        str(tmp_path / "state.json"),
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        printed: dict[str, str] = {}
        async with asyncio.timeout(20):
            while len(printed) < 3:
                name, _, value = (
                    (await process.stdout.readline()).decode().partition(": ")
                )
                printed[name] = value.strip()
        assert printed["url"].startswith("http://127.0.0.1:")
        assert printed["url"].endswith("/api/")
        async with aiohttp.ClientSession() as session:
            caller = Caller(session, printed["url"], printed["key"], printed["secret"])
            info = await caller.data("2/money/info")
        assert info["Rights"] == ["deposit", "get_info", "trade"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert await process.wait() == 0


def test_account_option() -> None:
    """``--account KEY:SECRET:RIGHTS`` is parsed and checked."""
    key = "6f3b5a52-1d55-4a6e-9c55-8d1f0b5e2a10"
    options = build_parser().parse_args(
        ["--account", f"{key}:c2VjcmV0:get_info, trade"]
    )
    [credentials] = options.account
    assert (credentials.key, credentials.secret, credentials.rights) == (
        key,
        "c2VjcmV0",
        ("get_info", "trade"),
    )
    for bad in (
        "no-colons",
        "not-a-uuid:c2VjcmV0:trade",
        f"{key}:!!:trade",
        f"{key}:c2VjcmV0:",
    ):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_account(bad)


def test_defaults() -> None:
    """Loopback, port 8099, the 10-second cache and the market on."""
    options = build_parser().parse_args([])
    assert (options.host, options.port, options.cache_seconds) == (
        "127.0.0.1",
        8099,
        10.0,
    )
    assert options.market_interval > 0
    assert options.admin_token is None


async def test_a_taken_port_is_reported(socket_enabled: None) -> None:
    """Starting on a port in use fails with OSError and leaves nothing running."""
    async with running_sandbox(rate_limit=0) as first:
        port = int(first.url.rsplit(":", 1)[1].split("/")[0])
        with pytest.raises(OSError, match="address already in use"):
            async with running_sandbox(port=port, rate_limit=0):
                pass


async def test_a_taken_port_is_one_line_naming_the_port_and_option(
    socket_enabled: None,
) -> None:
    """``python -m mtgox_sandbox`` on a busy port: one line on stderr, exit 1."""
    async with running_sandbox(rate_limit=0) as first:
        port = first.url.rsplit(":", 1)[1].split("/")[0]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "mtgox_sandbox",
            "--port",
            port,
            "--market-interval",
            "0",
            cwd=REPOSITORY,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(20):
            stdout, stderr = await process.communicate()
    assert process.returncode == 1
    assert stdout == b""
    [line] = stderr.decode().splitlines()
    assert f"port {port}" in line
    assert "--port" in line
    assert "Traceback" not in line


def test_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` names the default of every option."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in (
        "--host HOST address to bind (default: 127.0.0.1)",
        "(default: 8099)",
        "(default: memory)",
        "market random seed (default: 0)",
        "(0: off) (default: 10.0)",
        "(0: off) (default: 30)",
        "(default: 60.0)",
        "(default: a funded demo key)",
        "(default: no /admin/)",
        "(0: still market) (default: 5.0)",
    ):
        assert shown in text
    options = [word for word in text.split() if word.startswith("--")]
    assert text.count("default") >= len(set(options)) - 1  # --help has none
