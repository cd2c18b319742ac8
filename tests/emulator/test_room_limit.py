"""The account's room limit (Daily's rooms tutorial): rooms not expired or deleted count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from local.daily_emulator import Clock, DailyEmulator
from tests.emulator.conftest import DailyClient
from tests.emulator.test_control_and_cli import control
from tests.plugins.daily_emulator import EmulatorFactory


def limited(factory: EmulatorFactory, max_rooms: int, **options: Any) -> DailyClient:
    return DailyClient(factory(max_rooms=max_rooms, **options))


def assert_limit_refusal(response: requests.Response) -> None:
    """The assumed answer: 400 invalid-request-error whose text names the room limit."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "info"}
    assert body["error"] == "invalid-request-error"
    assert "limit" in body["info"]
    assert "rooms" in body["info"]


def test_no_limit_by_default(daily: DailyClient) -> None:
    assert daily.emu.max_rooms is None
    for i in range(12):
        daily.create(f"r{i}")
    assert daily.emu.available_rooms() == 12


def test_create_beyond_the_limit_is_refused_and_creates_nothing(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = limited(daily_emulator_factory, 5)
    for i in range(5):
        daily.create(f"r{i}")
    refused = daily.post("/rooms", json={"name": "sixth"})
    assert_limit_refusal(refused)
    assert "5 rooms" in refused.json()["info"]
    assert_limit_refusal(daily.post("/rooms", json={}))  # generated names count alike
    assert daily.get("/rooms/sixth").status_code == 404
    assert daily.get("/rooms").json()["total_count"] == 5
    assert daily.emu.available_rooms() == 5


def test_updates_reads_and_tokens_still_work_at_the_limit(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = limited(daily_emulator_factory, 1)
    daily.create("only")
    assert daily.post("/rooms/only", json={"privacy": "private"}).status_code == 200
    assert daily.get("/rooms/only").status_code == 200
    token = daily.post("/meeting-tokens", json={"properties": {"room_name": "only"}})
    assert token.status_code == 200


def test_a_duplicate_name_at_the_limit_still_says_it_exists(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = limited(daily_emulator_factory, 1)
    daily.create("taken")
    answer = daily.post("/rooms", json={"name": "taken"})
    assert answer.json()["info"] == "a room named taken already exists"


def test_deleted_rooms_free_their_slot(daily_emulator_factory: EmulatorFactory) -> None:
    daily = limited(daily_emulator_factory, 3)
    for name in ("a", "b", "c"):
        daily.create(name)
    assert daily.delete("/rooms/a").status_code == 200
    daily.create("d")
    assert_limit_refusal(daily.post("/rooms", json={"name": "e"}))
    assert daily.delete("/batch/rooms", json={"room_names": ["b", "c"]}).status_code == 200
    daily.create("e")
    daily.create("f")
    assert daily.emu.available_rooms() == 3


def test_expired_rooms_stop_counting_on_the_emulators_clock(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    clock = Clock(start=1_800_000_000)
    daily = limited(daily_emulator_factory, 2, clock=clock)
    daily.create("short", properties={"exp": 1_800_000_060})
    daily.create("open-ended")
    assert_limit_refusal(daily.post("/rooms", json={"name": "next"}))
    clock.advance(59)
    assert_limit_refusal(daily.post("/rooms", json={"name": "next"}))
    clock.advance(1)  # at exp the room is as good as deleted
    assert daily.emu.available_rooms() == 1
    daily.create("next")
    # A room created for a meeting next month counts from today, not from its nbf.
    later = {"nbf": 1_800_000_000 + 30 * 86_400, "exp": 1_800_000_000 + 31 * 86_400}
    daily.emu.max_rooms = 3
    daily.create("next-month", properties=later)
    assert_limit_refusal(daily.post("/rooms", json={"name": "one-more"}))


def test_concurrent_creates_never_exceed_the_limit(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = limited(daily_emulator_factory, 5)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda i: daily.post("/rooms", json={"name": f"c{i}"}).status_code, range(20))
        )
    assert sorted(statuses) == [200] * 5 + [400] * 15
    assert daily.emu.available_rooms() == 5


def test_limit_changes_at_run_time_over_the_control_plane(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = limited(daily_emulator_factory, 5)
    assert control(daily, "GET", "room-limit").json() == {"max_rooms": 5, "available_rooms": 0}
    daily.create("a")
    daily.create("b")
    lowered = control(daily, "POST", "room-limit", json={"max_rooms": 2})
    assert lowered.json() == {"max_rooms": 2, "available_rooms": 2}
    assert_limit_refusal(daily.post("/rooms", json={"name": "c"}))
    # Lowering below what exists deletes nothing; it only refuses new rooms.
    assert control(daily, "POST", "room-limit", json={"max_rooms": 0}).status_code == 200
    assert daily.get("/rooms").json()["total_count"] == 2
    lifted = control(daily, "POST", "room-limit", json={"max_rooms": None})
    assert lifted.json() == {"max_rooms": None, "available_rooms": 2}
    daily.create("c")
    assert daily.emu.max_rooms is None
    # The limit is account configuration: a reset of counters and faults keeps it.
    control(daily, "POST", "room-limit", json={"max_rooms": 7})
    control(daily, "POST", "reset", json={"rooms": True})
    assert control(daily, "GET", "room-limit").json() == {"max_rooms": 7, "available_rooms": 0}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"max_rooms": -1},
        {"max_rooms": "5"},
        {"max_rooms": True},
        {"max_rooms": 1.5},
        {"max_rooms": 5, "plan": "free"},
    ],
)
def test_bad_room_limits_are_400(daily: DailyClient, body: dict[str, Any]) -> None:
    response = control(daily, "POST", "room-limit", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"
    assert daily.emu.max_rooms is None


def test_the_constructor_validates_the_limit() -> None:
    with pytest.raises(ValueError, match="max_rooms"):
        DailyEmulator(api_key="k", domain="d", max_rooms=-1)
    emulator = DailyEmulator(api_key="k", domain="d", max_rooms=0)
    with pytest.raises(ValueError, match="max_rooms"):
        emulator.max_rooms = True
