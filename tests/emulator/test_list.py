"""GET /rooms: order, cursors both ways, OLDEST, total_count, expiry (reference §1.6)."""

from __future__ import annotations

from typing import Any

import pytest

from local.daily_emulator import Clock
from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import EmulatorFactory

START = 1_800_000_000
ROOMS = 260


@pytest.fixture
def many(daily_emulator_factory: EmulatorFactory) -> tuple[DailyClient, list[dict[str, Any]]]:
    """260 rooms, one second apart, so newest-first order is exactly reverse creation."""
    daily = DailyClient(daily_emulator_factory(clock=Clock(start=START)))
    rooms = []
    for i in range(ROOMS):
        rooms.append(daily.create(f"room-{i:03d}"))
        daily.emu.clock.advance(1)
    return daily, rooms


def names(page: dict[str, Any]) -> list[str]:
    return [room["name"] for room in page["data"]]


def test_default_page_is_newest_100(many: tuple[DailyClient, list[dict[str, Any]]]) -> None:
    daily, rooms = many
    page = daily.get("/rooms").json()
    assert page["total_count"] == ROOMS
    assert names(page) == [f"room-{i:03d}" for i in range(259, 159, -1)]
    assert page["data"][0] == rooms[-1]


def test_walk_forward_with_starting_after(many: tuple[DailyClient, list[dict[str, Any]]]) -> None:
    daily, _ = many
    seen: list[str] = []
    sizes: list[int] = []
    query: dict[str, Any] = {}
    while True:
        page = daily.get("/rooms", params=query).json()
        assert page["total_count"] == ROOMS
        if not page["data"]:
            break
        sizes.append(len(page["data"]))
        seen += names(page)
        query = {"starting_after": page["data"][-1]["id"]}
    assert sizes == [100, 100, 60]
    assert seen == [f"room-{i:03d}" for i in range(259, -1, -1)]


def test_walk_backward_from_oldest(many: tuple[DailyClient, list[dict[str, Any]]]) -> None:
    daily, _ = many
    pages: list[list[str]] = []
    query: dict[str, Any] = {"ending_before": "OLDEST", "limit": 100}
    while True:
        page = daily.get("/rooms", params=query).json()
        assert page["total_count"] == ROOMS
        if not page["data"]:
            break
        pages.append(names(page))
        query = {"ending_before": page["data"][0]["id"], "limit": 100}
    assert pages[0] == [f"room-{i:03d}" for i in range(99, -1, -1)]
    assert pages[1] == [f"room-{i:03d}" for i in range(199, 99, -1)]
    assert pages[2] == [f"room-{i:03d}" for i in range(259, 199, -1)]
    assert len(pages) == 3


def test_small_limits_and_previous_page(many: tuple[DailyClient, list[dict[str, Any]]]) -> None:
    daily, rooms = many
    first = daily.get("/rooms", params={"limit": 7}).json()
    assert names(first) == [f"room-{i:03d}" for i in range(259, 252, -1)]
    second = daily.get(
        "/rooms", params={"limit": 7, "starting_after": first["data"][-1]["id"]}
    ).json()
    assert names(second) == [f"room-{i:03d}" for i in range(252, 245, -1)]
    back = daily.get("/rooms", params={"limit": 7, "ending_before": second["data"][0]["id"]})
    assert names(back.json()) == names(first)
    oldest = daily.get("/rooms", params={"limit": 1, "ending_before": "OLDEST"}).json()
    assert names(oldest) == ["room-000"]
    assert daily.get("/rooms", params={"starting_after": rooms[0]["id"]}).json()["data"] == []


@pytest.mark.parametrize("limit", ["0", "101", "-5", "ten", ""])
def test_bad_limit(many: tuple[DailyClient, list[dict[str, Any]]], limit: str) -> None:
    daily, _ = many
    response = daily.get("/rooms", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"


def test_bad_cursors(many: tuple[DailyClient, list[dict[str, Any]]]) -> None:
    daily, rooms = many
    for params in (
        {"starting_after": "00000000-0000-4000-8000-000000000000"},
        {"ending_before": "room-001"},  # names are not cursors
        {"starting_after": rooms[5]["id"], "ending_before": rooms[9]["id"]},
    ):
        response = daily.get("/rooms", params=params)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid-request-error"


def test_cursor_of_a_room_deleted_mid_walk_still_pages(
    many: tuple[DailyClient, list[dict[str, Any]]],
) -> None:
    daily, _ = many
    page = daily.get("/rooms", params={"limit": 10}).json()
    for room in page["data"]:
        assert daily.delete(f"/rooms/{room['name']}").status_code == 200
    following = daily.get("/rooms", params={"starting_after": page["data"][-1]["id"], "limit": 3})
    assert names(following.json()) == ["room-249", "room-248", "room-247"]
    assert following.json()["total_count"] == ROOMS - 10


def test_same_second_rooms_order_by_id_descending(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = DailyClient(daily_emulator_factory(clock=Clock(start=START), seed=7))
    created = [daily.create(f"tie-{i}") for i in range(20)]
    listed = daily.get("/rooms").json()["data"]
    assert [r["id"] for r in listed] == sorted((r["id"] for r in created), reverse=True)
    middle = listed[9]["id"]
    after = daily.get("/rooms", params={"starting_after": middle}).json()["data"]
    assert after == listed[10:]


def test_expired_rooms_are_never_listed(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory(clock=Clock(start=START)))
    for i in range(5):
        daily.create(f"short-{i}", properties={"exp": START + 10})
        daily.create(f"long-{i}", properties={"exp": START + 1000})
    assert daily.get("/rooms").json()["total_count"] == 10
    daily.emu.clock.advance(10)
    page = daily.get("/rooms").json()
    assert page["total_count"] == 5
    assert sorted(names(page)) == [f"long-{i}" for i in range(5)]
    oldest = daily.get("/rooms", params={"ending_before": "OLDEST"}).json()
    assert sorted(names(oldest)) == [f"long-{i}" for i in range(5)]
