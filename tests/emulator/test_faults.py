"""Fault injection and request counters (in-process API)."""

from __future__ import annotations

import random
import threading
import time

import pytest
import requests

from local.daily_emulator import Faults
from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import EmulatorFactory


def test_fail_next(daily: DailyClient) -> None:
    daily.emu.faults.fail_next(2)
    first, second, third = (daily.post("/rooms", json={"name": "f"}) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.json()["error"] == "server-error"
    assert set(first.json()) == {"error", "info"}
    assert [r["name"] for r in daily.emu.rooms_snapshot()] == ["f"]


def test_fail_next_custom_and_scoped(daily: DailyClient) -> None:
    faults = daily.emu.faults
    faults.fail_next(1, status=500, error="server-error", endpoint="POST /rooms")
    faults.fail_next(1, status=429, error="rate-limit-error", endpoint="DELETE /rooms/:name")
    assert daily.get("/rooms").status_code == 200
    failed = daily.post("/rooms", json={"name": "x"})
    assert failed.status_code == 500
    assert daily.emu.rooms_snapshot() == []
    limited = daily.delete("/rooms/x")
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate-limit-error"
    assert limited.headers["Retry-After"] == "1"
    assert daily.post("/rooms", json={"name": "x"}).status_code == 200


def test_faults_apply_before_auth_and_to_unknown_paths(daily: DailyClient) -> None:
    daily.emu.faults.fail_next(1)
    response = requests.get(daily.emu.base_url + "/rooms", timeout=10)
    assert response.status_code == 503
    assert requests.get(daily.emu.base_url + "/rooms", timeout=10).status_code == 400


def test_failure_rate_is_seeded(daily_emulator_factory: EmulatorFactory) -> None:
    def run(seed: int) -> list[int]:
        daily = DailyClient(daily_emulator_factory(seed=seed))
        daily.emu.faults.set_failure_rate(0.5, status=503)
        return [daily.get("/rooms").status_code for _ in range(40)]

    first, again = run(11), run(11)
    assert first == again
    assert 5 <= first.count(503) <= 35
    assert set(first) == {200, 503}


def test_failure_rate_bounds_and_scope(daily: DailyClient) -> None:
    faults = daily.emu.faults
    faults.set_failure_rate(1.0, endpoint="GET /rooms")
    assert all(daily.get("/rooms").status_code == 500 for _ in range(10))
    assert daily.get("/").status_code == 200
    faults.set_failure_rate(0.0, endpoint="GET /rooms")
    assert all(daily.get("/rooms").status_code == 200 for _ in range(10))


def test_latency(daily: DailyClient) -> None:
    daily.emu.faults.set_latency(0.2)
    started = time.monotonic()
    assert daily.get("/rooms").status_code == 200
    assert time.monotonic() - started >= 0.2
    daily.emu.faults.clear()
    started = time.monotonic()
    daily.get("/rooms")
    assert time.monotonic() - started < 0.2


def test_hang_trips_client_timeout_but_the_call_still_lands(daily: DailyClient) -> None:
    daily.emu.faults.hang_next(1, 1.0, endpoint="POST /rooms")
    with pytest.raises(requests.Timeout):
        daily.post("/rooms", json={"name": "slow"}, timeout=0.2)
    assert daily.get("/rooms/nope").status_code == 404  # other classes are not held up
    deadline = time.monotonic() + 5
    while not daily.emu.rooms_snapshot() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["name"] for r in daily.emu.rooms_snapshot()] == ["slow"]
    response = daily.post("/rooms", json={"name": "slow"}, timeout=2)
    assert response.json()["info"] == "a room named slow already exists"


def test_stop_does_not_wait_for_a_hang(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory())
    daily.emu.faults.hang_next(1, 60)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(daily.get("/rooms", timeout=30).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    daily.emu.stop()
    caller.join(timeout=10)
    assert time.monotonic() - started < 5
    assert not caller.is_alive()
    assert len(outcome) == 1  # woken and answered (or cut off), but never left hanging


def test_clear_removes_every_fault(daily: DailyClient) -> None:
    faults = daily.emu.faults
    faults.fail_next(3)
    faults.set_failure_rate(1.0)
    faults.set_latency(5)
    faults.hang_next(2, 5)
    faults.clear()
    assert daily.get("/rooms", timeout=2).status_code == 200


def test_fault_arguments_are_checked() -> None:
    faults = Faults(random.Random(0))
    for bad in (
        lambda: faults.fail_next(0),
        lambda: faults.fail_next(1, status=200),
        lambda: faults.set_failure_rate(1.5),
        lambda: faults.set_latency(-1),
        lambda: faults.hang_next(1, -1),
    ):
        with pytest.raises(ValueError):
            bad()


def test_counters_count_every_received_request(daily: DailyClient) -> None:
    daily.create("c1")
    daily.post("/rooms", json={"name": "c1"})  # 400
    daily.get("/rooms/c1")
    daily.get("/rooms/zzz")  # 404
    daily.post("/rooms/c1", json={"privacy": "private"})
    daily.get("/rooms")
    token = daily.post("/meeting-tokens", json={"properties": {"room_name": "c1"}}).json()
    daily.get(f"/meeting-tokens/{token['token']}")
    daily.delete("/batch/rooms", json={"room_names": ["c1"]})
    daily.delete("/rooms/c1")
    daily.get("/")
    requests.get(daily.emu.base_url + "/rooms", timeout=10)  # 400, unauthenticated
    daily.emu.faults.fail_next(1)
    daily.get("/")  # faulted
    daily.get("/nowhere")
    assert daily.emu.counters() == {
        "POST /rooms": 2,
        "GET /rooms/:name": 2,
        "POST /rooms/:name": 1,
        "GET /rooms": 2,
        "POST /meeting-tokens": 1,
        "GET /meeting-tokens/:token": 1,
        "DELETE /batch/rooms": 1,
        "DELETE /rooms/:name": 1,
        "GET /": 2,
        "unknown": 1,
    }
    daily.emu.reset_counters()
    assert daily.emu.counters() == {}
