"""Command line: ``python -m mtgox_sandbox [options]`` runs the sandbox until stopped.

Without ``--account`` it serves a demo key (get_info, trade, deposit; funded in
BTC, USD, EUR, JPY and GBP), reusing the one saved in ``--state`` if any, and
prints ``url:``, ``key:`` and ``secret:`` lines.  SIGINT or SIGTERM stops it
cleanly; the database is committed before every answer anyway.
"""

import argparse
import asyncio
import base64
import binascii
import errno
import signal
import uuid
from collections.abc import Sequence

from .faults import DEFAULT_BLOCK_SECONDS, DEFAULT_RATE_LIMIT
from .runner import Credentials, running_sandbox
from .server import DEFAULT_CACHE_SECONDS

DEFAULT_PORT = 8099
DEFAULT_MARKET_INTERVAL = 5.0


def parse_account(text: str) -> Credentials:
    """Parse ``KEY:SECRET:RIGHTS`` (a UUID, base64, comma-separated rights)."""
    try:
        key, secret, rights = text.split(":")
        uuid.UUID(key)
        base64.b64decode(secret, validate=True)
    except (ValueError, binascii.Error):
        raise argparse.ArgumentTypeError(
            "expected KEY:SECRET:RIGHTS with a UUID key and a base64 secret"
        ) from None
    names = tuple(name.strip() for name in rights.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("RIGHTS must name at least one right")
    return Credentials(key, secret, names)


class HelpWithDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """Show every option's default; options without a value describe theirs in words."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default == []:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m mtgox_sandbox",
        description="A faithful Mt.Gox-compatible exchange (API v0, v1, v2).",
        formatter_class=HelpWithDefaults,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="0: any free port"
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="the SQLite database to keep the exchange in (default: memory)",
    )
    parser.add_argument("--seed", type=int, default=0, help="market random seed")
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=DEFAULT_CACHE_SECONDS,
        help="result cache (0: off)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=DEFAULT_RATE_LIMIT,
        help="requests per 10 s per client (signed: its key, else its address)"
        " before a block (0: off)",
    )
    parser.add_argument(
        "--block-seconds",
        type=float,
        default=DEFAULT_BLOCK_SECONDS,
        help="how long a blocked client stays blocked",
    )
    parser.add_argument(
        "--account",
        action="append",
        type=parse_account,
        default=[],
        metavar="KEY:SECRET:RIGHTS",
        help="an API key to serve (repeatable), e.g. <uuid>:<base64>:get_info,trade"
        " (default: a funded demo key)",
    )
    parser.add_argument(
        "--admin-token", help="enable /admin/ for this token (default: no /admin/)"
    )
    parser.add_argument(
        "--market-interval",
        type=float,
        default=DEFAULT_MARKET_INTERVAL,
        help="seconds between market-maker ticks (0: still market)",
    )
    parser.add_argument(
        "--past-days",
        type=int,
        default=0,
        help="days of made-up public trades a new exchange starts with"
        " (a stored one keeps its own)",
    )
    return parser


async def serve(options: argparse.Namespace) -> None:
    """Run the sandbox until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_sandbox(
        host=options.host,
        port=options.port,
        seed=options.seed,
        state_path=options.state,
        accounts=options.account,
        cache_seconds=options.cache_seconds,
        rate_limit=options.rate_limit,
        block_seconds=options.block_seconds,
        admin_token=options.admin_token,
        market_interval=options.market_interval,
        past_days=max(0, options.past_days),
    ) as sandbox:
        print(f"url: {sandbox.url}")
        if options.account:
            for credentials in options.account:
                print(f"account: {credentials.key} ({','.join(credentials.rights)})")
        else:
            print(f"key: {sandbox.key}")
            print(f"secret: {sandbox.secret}")
        print("Mt.Gox sandbox running; Ctrl-C stops it.", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve; a busy port is one line, not a traceback."""
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        asyncio.run(serve(options))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        parser.exit(
            1,
            f"{parser.prog}: port {options.port} on {options.host} is already in"
            " use; choose another with --port (0: any free port)\n",
        )


if __name__ == "__main__":
    main()
