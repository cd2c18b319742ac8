"""Rooms and the domain over real HTTP against the Daily emulator."""

from __future__ import annotations

import threading
import time

import pytest

from chalicelib.daily import (
    DailyClient,
    DailyInvalidRequestError,
    DailyNotFoundError,
    Domain,
    Room,
)
from local.daily_emulator import DailyEmulator
from tests.daily.conftest import make_client

EXP = 2_000_000_000


def test_create_unnamed_room_gets_a_generated_name(client: DailyClient) -> None:
    room = client.create_room()
    assert len(room.name) == 20
    assert room.privacy == "public"
    assert room.api_created is True
    assert room.url.endswith(f"/{room.name}")
    assert room.config == {}


def test_create_get_and_typed_fields(client: DailyClient) -> None:
    created = client.create_room("standup", "private", {"exp": EXP, "enable_chat": True})
    fetched = client.get_room("standup")
    assert fetched == created
    assert isinstance(fetched, Room)
    assert (fetched.privacy, fetched.exp, fetched.nbf) == ("private", EXP, None)
    assert fetched.config == {"exp": EXP, "enable_chat": True}
    assert fetched.created_at.tzinfo is not None


def test_update_merges_and_null_resets(client: DailyClient) -> None:
    client.create_room(
        "merge", properties={"exp": EXP, "max_participants": 10, "enable_chat": True}
    )
    room = client.update_room("merge", privacy="private")
    assert room.privacy == "private"
    assert room.config == {"exp": EXP, "max_participants": 10, "enable_chat": True}
    room = client.update_room("merge", properties={"max_participants": None, "nbf": EXP - 60})
    assert room.config == {"exp": EXP, "enable_chat": True, "nbf": EXP - 60}
    assert client.get_room("merge") == room


def test_update_missing_room_is_not_found(client: DailyClient) -> None:
    with pytest.raises(DailyNotFoundError):
        client.update_room("ghost", privacy="private")


def test_delete_room_true_then_false(client: DailyClient) -> None:
    client.create_room("bye")
    assert client.delete_room("bye") is True
    assert client.delete_room("bye") is False
    with pytest.raises(DailyNotFoundError) as info:
        client.get_room("bye")
    assert info.value.status == 404


def test_delete_expired_room_counts_as_gone(
    client: DailyClient, daily_emulator: DailyEmulator
) -> None:
    now = 1_900_000_000
    daily_emulator.clock.set(now)
    client.create_room("short", properties={"exp": now + 10})
    daily_emulator.clock.advance(11)
    assert client.delete_room("short") is False


def test_iter_rooms_walks_every_page_in_order(
    client: DailyClient, daily_emulator: DailyEmulator
) -> None:
    for i in range(257):
        client.create_room(f"page-{i:03d}")
    daily_emulator.reset_counters()
    rooms = list(client.iter_rooms())
    expected = [r["id"] for r in daily_emulator.rooms_snapshot()]  # newest first
    assert [r.id for r in rooms] == expected
    assert len(rooms) == len({r.id for r in rooms}) == 257
    assert daily_emulator.counters()["GET /rooms"] == 3  # 100 + 100 + 57


def test_iter_rooms_with_small_pages_and_exact_multiple(client: DailyClient) -> None:
    names = {f"small-{i}" for i in range(12)}
    for name in sorted(names):
        client.create_room(name)
    assert {r.name for r in client.iter_rooms(limit=4)} == names
    assert [r.name for r in client.iter_rooms(limit=5)] == [r.name for r in client.iter_rooms()]


def test_iter_rooms_of_an_empty_domain(client: DailyClient) -> None:
    assert list(client.iter_rooms()) == []


def test_delete_rooms_in_a_batch(client: DailyClient, daily_emulator: DailyEmulator) -> None:
    for i in range(5):
        client.create_room(f"batch-{i}")
    client.create_room("keep")
    assert client.delete_rooms([f"batch-{i}" for i in range(5)]) == 5
    assert [r.name for r in client.iter_rooms()] == ["keep"]
    assert daily_emulator.counters()["DELETE /batch/rooms"] == 1


def test_ensure_room_creates_then_finds(client: DailyClient, daily_emulator: DailyEmulator) -> None:
    room, created = client.ensure_room("ev-1", "private", {"exp": EXP})
    assert created is True
    again, created_again = client.ensure_room("ev-1", "private", {"exp": EXP})
    assert created_again is False
    assert again == room
    counts = daily_emulator.counters()
    assert counts["POST /rooms"] == 2
    assert counts["GET /rooms/:name"] == 1


def test_ensure_room_returns_existing_room_with_its_own_config(client: DailyClient) -> None:
    client.create_room("ev-2", "private", {"exp": EXP})
    room, created = client.ensure_room("ev-2", "public", {"exp": EXP + 3600, "nbf": EXP - 60})
    assert created is False
    assert (room.privacy, room.exp, room.nbf) == ("private", EXP, None)


def test_ensure_room_reraises_a_genuine_bad_request(
    client: DailyClient, daily_emulator: DailyEmulator
) -> None:
    with pytest.raises(DailyInvalidRequestError, match="invalid characters"):
        client.ensure_room("bad name", "private", {"exp": EXP})
    assert daily_emulator.counters()["POST /rooms"] == 1
    assert daily_emulator.rooms_snapshot() == []


def test_ensure_room_resolves_a_retried_create(
    client: DailyClient, daily_emulator: DailyEmulator
) -> None:
    client.create_room("ev-3")
    daily_emulator.reset_counters()
    daily_emulator.faults.fail_next(1, status=503, endpoint="POST /rooms")
    room, created = client.ensure_room("ev-3")
    assert (room.name, created) == ("ev-3", False)
    assert daily_emulator.counters() == {"POST /rooms": 2, "GET /rooms/:name": 1}


def test_ensure_room_after_a_timed_out_create_yields_one_room(
    daily_emulator: DailyEmulator,
) -> None:
    # The first create times out client-side (0.2 s) but the emulator still applies it at
    # 0.6 s, after the immediate retry has created the room: that late one must not count.
    daily_emulator.faults.hang_next(1, 0.6, endpoint="POST /rooms")
    client = make_client(daily_emulator, timeout=(1.0, 0.2))
    room, created = client.ensure_room("ev-4", "private", {"exp": EXP})
    assert created is True
    time.sleep(0.7)  # let the hung create land (it meets "already exists")
    assert [r["id"] for r in daily_emulator.rooms_snapshot()] == [room.id]
    assert daily_emulator.counters()["POST /rooms"] == 2
    assert client.ensure_room("ev-4", "private", {"exp": EXP}) == (room, False)


def test_concurrent_ensure_room_yields_exactly_one_room(
    client: DailyClient, daily_emulator: DailyEmulator
) -> None:
    barrier = threading.Barrier(16)
    results: list[tuple[Room, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            result = client.ensure_room("ev-race", "private", {"exp": EXP})
        except BaseException as exc:  # pragma: no cover - reported below
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(results) == 16
    assert len({room.id for room, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(daily_emulator.rooms_snapshot()) == 1
    assert daily_emulator.counters()["POST /rooms"] == 16


def test_domain_is_fetched_once(client: DailyClient, daily_emulator: DailyEmulator) -> None:
    domain = client.get_domain()
    assert domain == Domain(domain_name="roomlinks-test", domain_id=daily_emulator.domain_id)
    assert client.get_domain() is domain
    other = make_client(daily_emulator)  # another client, same key and base URL
    assert other.get_domain() is domain
    assert daily_emulator.counters().get("GET /") == 1


def test_concurrent_first_domain_fetches_share_one_call(daily_emulator: DailyEmulator) -> None:
    daily_emulator.faults.set_latency(0.2, endpoint="GET /")
    client = make_client(daily_emulator)
    seen: list[Domain] = []
    threads = [threading.Thread(target=lambda: seen.append(client.get_domain())) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(seen) == 8
    assert daily_emulator.counters().get("GET /") == 1
