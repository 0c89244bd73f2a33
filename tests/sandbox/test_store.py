"""Atomic persistence: a crash leaves the old state or the new one, never a torn file."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mtgox_sandbox.exchange import Exchange
from mtgox_sandbox.store import load_state, save_state

OLD: dict[str, Any] = {"version": 1, "n": 1, "names": ["a", "b"]}
NEW: dict[str, Any] = {"version": 1, "n": 2, "names": ["c"], "text": "¥ €"}


def test_missing_file_loads_as_none(tmp_path: Path) -> None:
    assert load_state(tmp_path / "state.json") is None


def test_round_trip_and_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, OLD)
    assert load_state(path) == OLD
    save_state(str(path), NEW)
    assert load_state(path) == NEW
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_exchange_state_survives_the_disk(tmp_path: Path) -> None:
    exchange = Exchange(seed=2, clock_us=lambda: 1_390_000_000_000_000)
    exchange.add_account("key", "secret", ["trade"])
    exchange.step_market()
    save_state(tmp_path / "state.json", exchange.to_state())
    state = load_state(tmp_path / "state.json")
    assert state is not None
    assert Exchange.from_state(state).to_state() == exchange.to_state()


def test_a_failed_write_keeps_the_old_state_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    save_state(path, OLD)

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        save_state(path, NEW)
    monkeypatch.undo()
    assert load_state(path) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_unserialisable_state_keeps_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, OLD)
    with pytest.raises(TypeError):
        save_state(path, {"bad": object()})
    assert load_state(path) == OLD


def test_leftover_temp_file_of_a_killed_writer_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, OLD)
    (tmp_path / ".state.json.abc123.tmp").write_text('{"version": 1, "n"')
    assert load_state(path) == OLD
    save_state(path, NEW)
    assert load_state(path) == NEW


def test_a_non_object_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("[1, 2]")
    with pytest.raises(TypeError, match="state object"):
        load_state(path)


WRITER = """
import sys
from mtgox_sandbox.store import save_state
n = 0
while True:
    n += 1
    save_state(sys.argv[1], {"n": n, "payload": [n] * 200_000})
"""


@pytest.mark.parametrize("delay", [0.3, 0.45, 0.6])
def test_killing_a_busy_writer_never_tears_the_file(
    tmp_path: Path, delay: float
) -> None:
    path = tmp_path / "state.json"
    writer = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WRITER, str(path)],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    state = load_state(path)
    assert state is not None
    assert state["payload"] == [state["n"]] * 200_000
