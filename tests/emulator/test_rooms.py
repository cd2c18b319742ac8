"""Room create / get / update / delete / batch delete (reference §1, §5)."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from local.daily_emulator import Clock
from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import EmulatorFactory

INVALID_CHARS = (
    "{} contains invalid characters (room names can contain A-Z, a-z, 0-9, '-', and '_')"
)


def test_create_without_name_generates_room_object(daily: DailyClient) -> None:
    room = daily.create()
    assert set(room) == {"id", "name", "api_created", "privacy", "url", "created_at", "config"}
    assert re.fullmatch(r"[A-Za-z0-9]{20}", room["name"])
    assert uuid.UUID(room["id"]).version == 4
    assert room["api_created"] is True
    assert room["privacy"] == "public"
    assert room["url"] == f"https://roomlinks-test.daily.co/{room['name']}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", room["created_at"])
    assert room["config"] == {}
    assert daily.create()["name"] != room["name"]


def test_created_at_comes_from_the_injected_clock(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = DailyClient(daily_emulator_factory(clock=Clock(start=1_700_000_000.9)))
    assert daily.create("a")["created_at"] == "2023-11-14T22:13:20.000Z"


@pytest.mark.parametrize("name", ["room-1_A", "x", "a" * 128, str(uuid.uuid4())])
def test_valid_names(daily: DailyClient, name: str) -> None:
    room = daily.create(name)
    assert room["name"] == name
    assert room["url"].endswith("/" + name)


@pytest.mark.parametrize("name", ["has space", "dot.name", "émoji", "slash/x", "a+b", ""])
def test_invalid_characters(daily: DailyClient, name: str) -> None:
    response = daily.post("/rooms", json={"name": name})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid-request-error",
        "info": INVALID_CHARS.format(name),
    }


@pytest.mark.parametrize("name", ["a" * 129, 42, True])
def test_too_long_or_non_string_name(daily: DailyClient, name: object) -> None:
    response = daily.post("/rooms", json={"name": name})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"
    assert daily.emu.rooms_snapshot() == []


def test_duplicate_name(daily: DailyClient) -> None:
    daily.create("standup")
    response = daily.post("/rooms", json={"name": "standup"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid-request-error",
        "info": "a room named standup already exists",
    }


def test_concurrent_creates_of_one_name_yield_exactly_one_200(daily: DailyClient) -> None:
    barrier = threading.Barrier(16)
    url = daily.emu.base_url + "/rooms"
    headers = {"Authorization": f"Bearer {daily.emu.api_key}"}

    def create(_: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=10)
            return session.post(url, json={"name": "race"}, headers=headers, timeout=10)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(create, range(16)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 15
    assert {r.json()["info"] for r in responses if r.status_code == 400} == {
        "a room named race already exists"
    }
    assert len(daily.emu.rooms_snapshot()) == 1


def test_privacy(daily: DailyClient) -> None:
    assert daily.create("p", privacy="private")["privacy"] == "private"
    for bad in ("org", "PUBLIC", 1):
        response = daily.post("/rooms", json={"name": "q", "privacy": bad})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid-request-error"


@pytest.mark.parametrize("exp", ["tomorrow", "1700000000", 1.5e9 + 0.5, True, {"at": 1}])
def test_non_integer_exp(daily: DailyClient, exp: object) -> None:
    response = daily.post("/rooms", json={"properties": {"exp": exp}})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid-request-error"
    assert body["info"].endswith("' but should be a number of seconds since the unix epoch")
    assert body["info"].startswith("exp was '")


def test_non_integer_exp_message_quotes_the_value(daily: DailyClient) -> None:
    response = daily.post("/rooms", json={"properties": {"exp": "soon"}})
    assert response.json()["info"] == (
        "exp was 'soon' but should be a number of seconds since the unix epoch"
    )


@pytest.mark.parametrize("offset", [0, -1, -86400])
def test_exp_not_in_the_future_is_rejected(
    daily_emulator_factory: EmulatorFactory, offset: int
) -> None:
    daily = DailyClient(daily_emulator_factory(clock=Clock(start=1_800_000_000)))
    exp = 1_800_000_000 + offset
    response = daily.post("/rooms", json={"name": "r", "properties": {"exp": exp}})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid-request-error",
        "info": f"exp was '{exp}', which is in the past rather than in the future",
    }
    assert daily.emu.rooms_snapshot() == []


def test_integral_float_exp_is_an_integer(daily: DailyClient) -> None:
    exp = daily.now() + 3600
    assert daily.create(properties={"exp": float(exp)})["config"] == {"exp": exp}


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("eject_at_room_exp", "yes"),
        ("enable_chat", 1),
        ("max_participants", "10"),
        ("nbf", "now"),
        ("lang", "xx"),
        ("enable_recording", "tape"),
        ("geo", "mars-1"),
        ("meeting_join_hook", "https://x/" + "a" * 300),
        ("permissions", ["canSend"]),
        ("sfu_switchover", "half"),
    ],
)
def test_property_types_are_checked(daily: DailyClient, prop: str, value: object) -> None:
    response = daily.post("/rooms", json={"properties": {prop: value}})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"
    assert response.json()["info"].startswith(f"{prop} was ")


@pytest.mark.parametrize("body", [{"properties": {"exp_at": 1}}, {"properties": 5}, {"nam": "x"}])
def test_unknown_properties_and_fields_are_rejected(
    daily: DailyClient, body: dict[str, object]
) -> None:
    response = daily.post("/rooms", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"


def test_config_lists_only_non_default_properties(daily: DailyClient) -> None:
    exp = daily.now() + 3600
    nbf = daily.now() - 60
    room = daily.create(
        properties={
            "exp": exp,
            "nbf": nbf,
            "eject_at_room_exp": True,
            "enable_screenshare": True,
            "enable_chat": False,
            "max_participants": 200,
            "start_video_off": True,
            "enable_knocking": False,
            "enable_prejoin_ui": True,
            "lang": "en",
            "sfu_switchover": 0.5,
            "enable_recording": "cloud",
            "geo": None,
        }
    )
    assert room["config"] == {
        "exp": exp,
        "nbf": nbf,
        "eject_at_room_exp": True,
        "start_video_off": True,
        "enable_knocking": False,
        "enable_prejoin_ui": True,
        "enable_recording": "cloud",
    }


def test_get_room(daily: DailyClient) -> None:
    created = daily.create("getme", properties={"enable_chat": True})
    response = daily.get("/rooms/getme")
    assert response.status_code == 200
    assert response.json() == created


def test_get_missing_room(daily: DailyClient) -> None:
    response = daily.get("/rooms/nothere")
    assert response.status_code == 404
    assert response.json() == {"error": "not-found", "info": "room nothere not found"}


def test_update_merges_and_null_resets(daily: DailyClient) -> None:
    exp = daily.now() + 600
    created = daily.create(
        "upd", properties={"exp": exp, "enable_chat": True, "max_participants": 20}
    )
    response = daily.post("/rooms/upd", json={"properties": {"exp": exp + 600}})
    assert response.status_code == 200
    updated = response.json()
    assert updated["config"] == {"exp": exp + 600, "enable_chat": True, "max_participants": 20}
    assert {k: v for k, v in updated.items() if k != "config"} == {
        k: v for k, v in created.items() if k != "config"
    }

    response = daily.post(
        "/rooms/upd", json={"privacy": "private", "properties": {"max_participants": None}}
    )
    assert response.json()["privacy"] == "private"
    assert response.json()["config"] == {"exp": exp + 600, "enable_chat": True}

    response = daily.post("/rooms/upd", json={"properties": {"enable_chat": False}})
    assert response.json()["config"] == {"exp": exp + 600}
    assert daily.get("/rooms/upd").json() == response.json()
    assert daily.post("/rooms/upd", json={}).json() == response.json()


def test_update_validates_like_create(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory(clock=Clock(start=1_800_000_000)))
    daily.create("v", properties={"exp": 1_800_000_100})
    for body, info in [
        (
            {"properties": {"exp": 1_800_000_000}},
            "exp was '1800000000', which is in the past rather than in the future",
        ),
        (
            {"properties": {"exp": "later"}},
            "exp was 'later' but should be a number of seconds since the unix epoch",
        ),
    ]:
        response = daily.post("/rooms/v", json=body)
        assert response.status_code == 400
        assert response.json() == {"error": "invalid-request-error", "info": info}
    for body in (
        {"properties": {"bogus": 1}},
        {"privacy": "secret"},
        {"name": "renamed"},
        {"properties": {"enable_chat": True, "eject_at_room_exp": "no"}},
    ):
        response = daily.post("/rooms/v", json=body)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid-request-error"
    assert daily.get("/rooms/v").json()["config"] == {"exp": 1_800_000_100}


def test_update_missing_room_is_404(daily: DailyClient) -> None:
    response = daily.post("/rooms/ghost", json={"privacy": "private"})
    assert response.status_code == 404
    assert response.json() == {"error": "not-found", "info": "room ghost not found"}


def test_delete(daily: DailyClient) -> None:
    daily.create("bye")
    response = daily.delete("/rooms/bye")
    assert response.status_code == 200
    assert response.json() == {"deleted": True, "name": "bye"}
    assert daily.get("/rooms/bye").status_code == 404
    again = daily.delete("/rooms/bye")
    assert again.status_code == 404
    assert again.json()["error"] == "not-found"
    assert "deleted" not in again.json()
    daily.create("bye")  # a deleted name can be reused


def test_expired_room_is_gone_but_delete_says_deleted(daily: DailyClient) -> None:
    daily.create("brief", properties={"exp": daily.now() + 30})
    daily.create("lasting", properties={"exp": daily.now() + 3600})
    daily.emu.clock.advance(31)

    assert daily.get("/rooms/brief").status_code == 404
    assert daily.post("/rooms/brief", json={"privacy": "private"}).status_code == 404
    listed = daily.get("/rooms").json()
    assert [r["name"] for r in listed["data"]] == ["lasting"]
    assert listed["total_count"] == 1

    response = daily.delete("/rooms/brief")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not-found",
        "info": "room brief not found",
        "deleted": True,
    }
    assert {r["name"]: r["expired"] for r in daily.emu.rooms_snapshot()} == {
        "brief": True,
        "lasting": False,
    }

    recreated = daily.create("brief")
    assert daily.get("/rooms/brief").json() == recreated


def test_batch_delete(daily: DailyClient) -> None:
    for name in ("a", "b", "c"):
        daily.create(name)
    response = daily.delete("/batch/rooms", json={"room_names": ["a", "b"]})
    assert response.status_code == 200
    assert response.json() == {"deleted_count": 2}
    assert [r["name"] for r in daily.emu.rooms_snapshot()] == ["c"]
    assert daily.delete("/batch/rooms", json={"rooms": ["c"]}).json() == {"deleted_count": 1}


def test_batch_delete_is_all_or_nothing(daily: DailyClient) -> None:
    daily.create("keep1")
    daily.create("keep2")
    response = daily.delete("/batch/rooms", json={"room_names": ["keep1", "missing", "keep2"]})
    assert response.status_code == 404
    assert response.json() == {"error": "not-found", "info": "room missing not found"}
    assert len(daily.emu.rooms_snapshot()) == 2


def test_batch_delete_limits_and_validation(daily: DailyClient) -> None:
    daily.create("one")
    too_many = [f"r{i}" for i in range(1001)]
    for body in ({"room_names": too_many}, {"room_names": "one"}, {"room_names": [1]}, {}):
        response = daily.delete("/batch/rooms", json=body)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid-request-error"
    assert len(daily.emu.rooms_snapshot()) == 1
    bad_json = daily.delete("/batch/rooms", data=b"[", headers={"Content-Type": "application/json"})
    assert bad_json.json()["error"] == "json-parsing-error"


def test_batch_delete_accepts_exactly_1000(daily: DailyClient) -> None:
    names = [f"n{i}" for i in range(1000)]
    for name in names:
        daily.create(name)
    response = daily.delete("/batch/rooms", json={"room_names": names})
    assert response.json() == {"deleted_count": 1000}
    assert daily.get("/rooms").json()["total_count"] == 0
