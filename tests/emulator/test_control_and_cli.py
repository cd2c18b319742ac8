"""The ``/_emulator/`` control plane over HTTP and the ``python -m`` entry point."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import EmulatorFactory

REPO = Path(__file__).resolve().parents[2]


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
