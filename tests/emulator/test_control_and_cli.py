"""The ``/_emulator/`` control plane over HTTP and the ``python -m`` entry point."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import requests

from local.daily_emulator import DailyEmulator
from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import EmulatorFactory

REPO = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-m", "local.daily_emulator")


def control(daily: DailyClient, method: str, name: str, **kwargs: Any) -> requests.Response:
    root = daily.emu.base_url.removesuffix("/v1")
    kwargs.setdefault("timeout", 10)
    return daily.session.request(method, f"{root}/_emulator/{name}", **kwargs)


def test_control_requires_the_api_key(daily: DailyClient) -> None:
    root = daily.emu.base_url.removesuffix("/v1")
    assert requests.get(f"{root}/_emulator/counters", timeout=10).status_code == 400
    wrong = requests.get(
        f"{root}/_emulator/counters", headers={"Authorization": "Bearer x"}, timeout=10
    )
    assert wrong.status_code == 401
    assert control(daily, "GET", "counters").status_code == 200


def test_counters_and_reset(daily: DailyClient) -> None:
    daily.create("kept")
    daily.get("/rooms")
    assert control(daily, "GET", "counters").json() == {"POST /rooms": 1, "GET /rooms": 1}
    # Control calls are not counted.
    assert control(daily, "GET", "counters").json() == {"POST /rooms": 1, "GET /rooms": 1}
    daily.emu.faults.fail_next(5)
    assert control(daily, "POST", "reset").json() == {"reset": True, "rooms": False}
    assert control(daily, "GET", "counters").json() == {}
    assert daily.get("/rooms/kept").status_code == 200  # faults cleared, rooms kept
    assert control(daily, "POST", "reset", json={"rooms": True}).status_code == 200
    assert daily.get("/rooms/kept").status_code == 404
    assert control(daily, "POST", "reset", json={"rooms": "yes"}).status_code == 400


def test_faults_over_http(daily: DailyClient) -> None:
    spec = {"fail_next": {"n": 1, "status": 500, "endpoint": "POST /rooms"}}
    assert control(daily, "POST", "faults", json=spec).json() == {"ok": True}
    assert daily.get("/rooms").status_code == 200
    assert daily.post("/rooms", json={}).status_code == 500
    assert daily.post("/rooms", json={}).status_code == 200

    control(daily, "POST", "faults", json={"failure_rate": 1.0})
    assert daily.get("/").status_code == 500
    control(daily, "POST", "faults", json={"clear": True, "fail_next": 1})
    assert daily.get("/").status_code == 503
    assert daily.get("/").status_code == 200

    control(daily, "POST", "faults", json={"hang_next": {"n": 1, "seconds": 0.5}})
    with pytest.raises(requests.Timeout):
        daily.get("/", timeout=0.1)
    control(daily, "POST", "faults", json={"latency": {"seconds": 0.01, "endpoint": "GET /"}})
    assert daily.get("/").status_code == 200
    control(daily, "POST", "faults", json={"clear": True})


@pytest.mark.parametrize(
    "spec",
    [
        {"fail_next": {"n": "two"}},
        {"fail_next": {"n": 1, "status": 200}},
        {"failure_rate": 2},
        {"latency": "slow"},
        {"hang_next": 3},
        {"fail_next": {"n": 1, "endpoint": 5}},
        {"fail-next": 1},
    ],
)
def test_bad_fault_specs_are_400(daily: DailyClient, spec: dict[str, Any]) -> None:
    response = control(daily, "POST", "faults", json=spec)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"


def test_clock_and_rooms_over_http(daily: DailyClient) -> None:
    assert control(daily, "POST", "clock", json={"set": 1_800_000_000}).json() == {
        "now": 1_800_000_000
    }
    daily.create("short", properties={"exp": 1_800_000_060})
    assert control(daily, "POST", "clock", json={"advance": 60}).json()["now"] == 1_800_000_060
    assert daily.get("/rooms/short").status_code == 404
    rooms = control(daily, "GET", "rooms").json()
    assert [(r["name"], r["expired"]) for r in rooms] == [("short", True)]
    assert control(daily, "POST", "clock", json={"advance": "x"}).status_code == 400
    assert control(daily, "POST", "clock", json={"freeze": 1}).status_code == 400


def test_clock_reads_and_jumps_days_without_sleeping(daily: DailyClient) -> None:
    """What reconcile and room-budget tests need: read now, then jump into a lead window."""
    now = control(daily, "GET", "clock").json()["now"]
    assert abs(now - daily.emu.clock.now()) < 5
    daily.create("next-week", properties={"exp": int(now) + 7 * 86_400})
    jumped = control(daily, "POST", "clock", json={"advance": 7 * 86_400 - 60}).json()["now"]
    assert jumped >= now + 7 * 86_400 - 60
    assert daily.get("/rooms/next-week").status_code == 200  # not frozen: time still runs
    control(daily, "POST", "clock", json={"advance": 120})
    assert daily.get("/rooms/next-week").status_code == 404
    assert control(daily, "GET", "counters").json() == {"POST /rooms": 1, "GET /rooms/:name": 2}


def test_key_rotation_over_http(daily: DailyClient) -> None:
    response = control(daily, "POST", "api-key", json={"api_key": "next-key"})
    assert response.json() == {"ok": True}
    assert "next-key" not in response.text
    assert control(daily, "GET", "counters").status_code == 401
    daily.session.headers["Authorization"] = "Bearer next-key"
    assert daily.get("/").status_code == 200
    assert control(daily, "POST", "api-key", json={"api_key": ""}).status_code == 400
    assert control(daily, "POST", "api-key", json={"key": "x"}).status_code == 400


def test_control_is_not_rate_limited(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory(rate_limits="daily"))
    assert all(control(daily, "GET", "counters").status_code == 200 for _ in range(30))


def test_unknown_control_endpoint(daily: DailyClient) -> None:
    assert control(daily, "GET", "nothing").status_code == 404
    assert control(daily, "GET", "reset").status_code == 404
    bad = control(daily, "POST", "faults", data=b"{", headers={"Content-Type": "application/json"})
    assert bad.json()["error"] == "json-parsing-error"


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signalled(stop: signal.Signals) -> None:
    key = "cli-secret-key-123"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.daily_emulator",
            "--port",
            "0",
            "--api-key",
            key,
            "--domain",
            "roomlinks-cli",
            "--rate-limits",
            "daily",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(proc, timeout=15)
        match = re.fullmatch(r"daily emulator listening on (http://127\.0\.0\.1:\d+/v1)\n", line)
        assert match, line
        response = requests.get(
            match.group(1) + "/", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert response.json()["domain_name"] == "roomlinks-cli"
        assert response.json()["config"]["disable_rate_limiting"] is False
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert key not in line + out + err


@contextmanager
def serving_cli(*options: str) -> Iterator[DailyClient]:
    """``python -m local.daily_emulator`` with ``options``; a client bound to it."""
    proc = subprocess.Popen(
        [*CLI, "--domain", "roomlinks-cli", *options],
        cwd=REPO,
        env={**os.environ, "DAILY_EMULATOR_API_KEY": "cli-key"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _first_line(proc, timeout=15).removeprefix("daily emulator listening on ").strip()
        # DailyClient reads only base_url and api_key from the emulator it is given.
        remote = SimpleNamespace(base_url=url, api_key="cli-key")
        client = DailyClient(cast(DailyEmulator, remote))
        yield client
        client.session.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_cli_defaults_to_dailys_rate_limits() -> None:
    with serving_cli() as daily:
        assert daily.get("/").json()["config"]["disable_rate_limiting"] is False
        statuses = {daily.get("/rooms").status_code for _ in range(25)}
    assert statuses == {200, 429}


def test_cli_rate_limits_off_for_fast_tests() -> None:
    with serving_cli("--rate-limits", "off") as daily:
        assert daily.get("/").json()["config"]["disable_rate_limiting"] is True
        assert {daily.get("/rooms").status_code for _ in range(25)} == {200}


def test_cli_max_rooms() -> None:
    with serving_cli("--max-rooms", "1", "--rate-limits", "off") as daily:
        assert daily.post("/rooms", json={"name": "first"}).status_code == 200
        refused = daily.post("/rooms", json={"name": "second"})
        assert refused.status_code == 400
        assert "limit" in refused.json()["info"]


@pytest.mark.parametrize("value", ["-1", "x", "1.5"])
def test_cli_rejects_bad_max_rooms(value: str) -> None:
    result = subprocess.run(
        [*CLI, "--api-key", "k", "--domain", "d", "--max-rooms", value],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--max-rooms" in result.stderr


def test_cli_reads_the_key_from_the_environment() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.daily_emulator", "--domain", "roomlinks-env"],
        cwd=REPO,
        env={**os.environ, "DAILY_EMULATOR_API_KEY": "env-key"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(proc, timeout=15)
        url = line.removeprefix("daily emulator listening on ").strip()
        ok = requests.get(url + "/", headers={"Authorization": "Bearer env-key"}, timeout=10)
        assert ok.status_code == 200
        proc.terminate()
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def test_cli_requires_a_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAILY_EMULATOR_API_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "local.daily_emulator", "--domain", "d"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "DAILY_EMULATOR_API_KEY" in result.stderr


def test_cli_rejects_bad_rate_limits() -> None:
    command = [sys.executable, "-m", "local.daily_emulator", "--api-key", "k", "--domain", "d"]
    result = subprocess.run(
        [*command, "--rate-limits", "lots"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "rate_limits" in result.stderr
