"""Bring a freshly started demo Home Assistant to a usable state, idempotently.

Called by ``scripts/develop`` once Home Assistant runs. Only Home Assistant's own
HTTP APIs are used, so the real onboarding, login and config flows run:

1. wait until the frontend answers (failing early if Home Assistant exits);
2. finish onboarding, creating the demo user, or log that user in when done;
3. create the Mt.Gox config entry against the sandbox through the config flow
   and set its options (tracked pairs, valuation currency, polling) through the
   options flow, unless an entry exists already;
4. wait until every sensor the demo dashboard shows has a number.

Standard library only; exits non-zero with the reason when a step fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

DOMAIN = "mtgox"
ONBOARDING_STEPS = ("core_config", "analytics", "integration")
ENTITY_ID = re.compile(r"\bsensor\.[a-z0-9_]+\b")
UNUSABLE = {"unavailable", "unknown"}


class SetupError(Exception):
    """A step that could not be done, with the reason to print."""


class HomeAssistant:
    """A minimal client of Home Assistant's HTTP API."""

    def __init__(self, url: str) -> None:
        """Talk to the Home Assistant at ``url`` (no trailing slash)."""
        self.url = url
        self.client_id = f"{url}/"
        self.token: str | None = None

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        form: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, Any]:
        """Send a request; return the status and the decoded JSON (or text)."""
        headers = {}
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 - our own http URL
            f"{self.url}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send a request that must succeed; return its JSON."""
        status, result = self.request(method, path, body)
        if status >= 400:
            msg = f"{method} {path} answered {status}: {result}"
            raise SetupError(msg)
        return result

    def exchange_code(self, code: str) -> None:
        """Trade an authorization code for an access token."""
        status, result = self.request(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        if status != 200 or not isinstance(result, dict):
            msg = f"the token endpoint answered {status}: {result}"
            raise SetupError(msg)
        self.token = result["access_token"]


def log(message: str) -> None:
    """Print one progress line."""
    print(f"develop: {message}", flush=True)


def process_alive(pid: int | None) -> bool:
    """Tell whether the process ``pid`` (if given) still runs."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_http(ha: HomeAssistant, hass_pid: int | None, timeout: float) -> None:
    """Wait until Home Assistant serves its frontend (and so has set up onboarding)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(hass_pid):
            msg = "Home Assistant exited during start-up"
            raise SetupError(msg)
        try:
            status, _ = ha.request("GET", "/manifest.json", timeout=5)
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.5)
    msg = f"Home Assistant did not answer on {ha.url} within {timeout:.0f} s"
    raise SetupError(msg)


def log_in(ha: HomeAssistant, username: str, password: str) -> None:
    """Finish onboarding with the demo user, or log in as that user."""
    # Once onboarding is done, Home Assistant no longer serves its API (404).
    status, result = ha.request("GET", "/api/onboarding")
    steps: dict[str, bool] = (
        {step["step"]: step["done"] for step in result} if status == 200 else {}
    )
    if not steps.get("user", True):
        log(f"onboarding: creating the user {username}")
        result = ha.call(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": ha.client_id,
                "name": "Demo",
                "username": username,
                "password": password,
                "language": "en",
            },
        )
        ha.exchange_code(result["auth_code"])
    else:
        flow = ha.call(
            "POST",
            "/auth/login_flow",
            {
                "client_id": ha.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{ha.client_id}?auth_callback=1",
            },
        )
        result = ha.call(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": ha.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            msg = (
                f"cannot log in as {username}: {result.get('errors')}; "
                "delete the demo folder to start over"
            )
            raise SetupError(msg)
        ha.exchange_code(result["result"])
    for step in ONBOARDING_STEPS:
        if not steps.get(step, True):
            log(f"onboarding: {step}")
            body: dict[str, Any] = {}
            if step == "integration":
                body = {
                    "client_id": ha.client_id,
                    "redirect_uri": f"{ha.client_id}?auth_callback=1",
                }
            ha.call("POST", f"/api/onboarding/{step}", body)


def entries(ha: HomeAssistant) -> list[dict[str, Any]]:
    """Return the Mt.Gox config entries."""
    result: list[dict[str, Any]] = ha.call(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    return result


def create_entry(
    ha: HomeAssistant, sandbox_url: str, key: str, secret: str
) -> dict[str, Any]:
    """Run the config flow against the sandbox; return the new entry."""
    log(f"creating the Mt.Gox config entry for {sandbox_url} (config flow)")
    flow = ha.call(
        "POST",
        "/api/config/config_entries/flow",
        {"handler": DOMAIN, "show_advanced_options": False},
    )
    result = ha.call(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"url": sandbox_url, "api_key": key, "api_secret": secret, "api_version": "1"},
    )
    if result.get("type") != "create_entry":
        msg = f"the config flow did not create an entry: {result}"
        raise SetupError(msg)
    entry: dict[str, Any] = result["result"]
    return entry


def set_options(ha: HomeAssistant, entry_id: str, options: dict[str, Any]) -> None:
    """Run the options flow of ``entry_id`` with ``options``."""
    log(f"setting options (options flow): {options}")
    flow = ha.call(
        "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
    )
    result = ha.call(
        "POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", options
    )
    if result.get("type") != "create_entry":
        msg = f"the options flow refused the options: {result.get('errors')}"
        raise SetupError(msg)


def wait_for_entities(ha: HomeAssistant, entity_ids: list[str], timeout: float) -> None:
    """Wait until every entity has a usable state; name the missing ones if not."""
    deadline = time.monotonic() + timeout
    pending = list(entity_ids)
    while pending and time.monotonic() < deadline:
        states = {
            state["entity_id"]: state["state"]
            for state in ha.call("GET", "/api/states")
        }
        pending = [
            entity_id
            for entity_id in entity_ids
            if states.get(entity_id, "unknown") in UNUSABLE
        ]
        if pending:
            time.sleep(1)
    if pending:
        mtgox = sorted(
            entity_id
            for entity_id in states
            if entity_id.startswith(("sensor.mt_gox", "sensor.bitcoin"))
        )
        msg = (
            f"no value within {timeout:.0f} s for {', '.join(pending)}; "
            f"the Mt.Gox sensors are: {', '.join(mtgox) or 'none'}"
        )
        raise SetupError(msg)


def parse_args() -> argparse.Namespace:
    """Return the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Home Assistant's URL")
    parser.add_argument("--sandbox-url", required=True, help="the sandbox's base URL")
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--pairs", default="BTCUSD,BTCEUR,BTCJPY,BTCGBP")
    parser.add_argument("--valuation-currency", default="USD")
    parser.add_argument("--update-interval", type=int, default=10)
    parser.add_argument("--dashboard", type=Path, required=True)
    parser.add_argument("--hass-pid", type=int)
    parser.add_argument("--timeout", type=float, default=300)
    return parser.parse_args()


def main() -> int:
    """Run the steps; return the exit code."""
    args = parse_args()
    ha = HomeAssistant(args.url.rstrip("/"))
    try:
        wait_for_http(ha, args.hass_pid, args.timeout)
        log_in(ha, args.username, args.password)
        existing = entries(ha)
        if not existing:
            entry = create_entry(ha, args.sandbox_url, args.key, args.secret)
            set_options(
                ha,
                entry["entry_id"],
                {
                    "pairs": args.pairs.split(","),
                    "valuation_currency": args.valuation_currency,
                    "update_interval": args.update_interval,
                    "streaming": True,
                    "max_order_amount": 1,
                },
            )
        else:
            log(f"reusing the config entry {existing[0]['title']!r}")
        entity_ids = sorted(set(ENTITY_ID.findall(args.dashboard.read_text())))
        wait_for_entities(ha, entity_ids, 120)
        log(f"all {len(entity_ids)} dashboard sensors have values")
    except SetupError as err:
        print(f"develop: {err}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
