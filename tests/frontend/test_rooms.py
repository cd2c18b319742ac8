"""POST /v1/rooms and DELETE /v1/rooms/{id} (contract §2.4) through the routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.frontend.jwts import bearer, hs256
from tests.plugins.service_harness import Harness

CREATOR = hs256(sub="agent-1", email="agent@example.com", scope="rooms:create")


def create(
    harness: Harness, body: dict[str, Any], *, token: str = CREATOR, key: str | None = None
) -> Any:
    headers = bearer(token)
    if key is not None:
        headers["Idempotency-Key"] = key
    return harness.client.http.post("/v1/rooms", headers=headers, body=json.dumps(body))


def test_an_adhoc_room_starts_now_for_its_minutes(harness: Harness) -> None:
    answer = create(
        harness,
        {"minutes": 30, "name_hint": "Support chat", "attendees": [{"email": "c@example.com"}]},
    )
    assert answer.status_code == 200, answer.body
    body = answer.json_body
    assert body["booking_id"].startswith("adhoc:") and body["source"] == "adhoc"
    assert (body["outcome"], body["status"]) == ("created", "scheduled")
    assert "Support" not in body["room_name"] and "support" not in body["room_name"]
    rooms = {r["name"]: r for r in harness.emulator.rooms_snapshot()}
    assert rooms[body["room_name"]]["config"]["exp"] == body["exp"]
    starts = datetime.fromisoformat(body["starts_at"].replace("Z", "+00:00"))
    ends = datetime.fromisoformat(body["ends_at"].replace("Z", "+00:00"))
    assert ends - starts == timedelta(minutes=30)
    assert abs((starts - datetime.now(UTC)).total_seconds()) < 60
    assert body["attendees"][0]["invite_url"].startswith("https://links.example.test/v1/join/")


def test_scope_is_required(harness: Harness) -> None:
    answer = create(harness, {"minutes": 5}, token=hs256())
    assert answer.status_code == 403 and answer.json_body["error"] == "forbidden-error"


@pytest.mark.parametrize(
    "body",
    [
        {"minutes": 0},
        {"minutes": 1441},
        {"minutes": "ten"},
        {},
        {"minutes": 5, "starts_at": "2001-01-01T00:00:00Z"},
        {"minutes": 5, "starts_at": (datetime.now(UTC) + timedelta(days=400)).isoformat()},
        {"minutes": 5, "privacy": "secret"},
        {"minutes": 5, "unknown": 1},
    ],
)
def test_out_of_bounds_bodies_are_400(harness: Harness, body: dict[str, Any]) -> None:
    answer = create(harness, body)
    assert answer.status_code == 400, body
    assert answer.json_body["error"] == "invalid-request-error"
    assert harness.emulator.rooms_snapshot() == []


def test_same_key_and_body_answers_the_first_answer_and_makes_nothing(harness: Harness) -> None:
    first = create(harness, {"minutes": 15}, key="k-1").json_body
    calls = harness.daily_calls()
    again = create(harness, {"minutes": 15}, key="k-1").json_body
    assert again == first
    assert harness.daily_calls() == calls
    conflict = create(harness, {"minutes": 20}, key="k-1")
    assert conflict.status_code == 409 and conflict.json_body["error"] == "conflict"
    other_caller = create(
        harness, {"minutes": 15}, token=hs256(sub="agent-2", scope="rooms:create"), key="k-1"
    )
    assert other_caller.json_body["booking_id"] != first["booking_id"]


def test_without_a_key_each_request_is_its_own_room(harness: Harness) -> None:
    one = create(harness, {"minutes": 5}).json_body
    two = create(harness, {"minutes": 5}).json_body
    assert one["booking_id"] != two["booking_id"]


def test_delete_by_creator_ends_it_and_by_another_caller_is_403(harness: Harness) -> None:
    made = create(harness, {"minutes": 30}).json_body
    path = f"/v1/rooms/{made['booking_id']}"
    other = harness.client.http.delete(
        path, headers=bearer(hs256(sub="agent-2", scope="rooms:create"))
    )
    assert other.status_code == 403
    ended = harness.client.http.delete(path, headers=bearer(CREATOR))
    assert ended.status_code == 200, ended.body
    assert ended.json_body["status"] == "cancelled"
    assert made["room_name"] not in {r["name"] for r in harness.emulator.rooms_snapshot()}
    again = harness.client.http.delete(path, headers=bearer(CREATOR))
    assert again.status_code == 200 and again.json_body["status"] == "cancelled"
    admin = harness.client.http.delete(
        f"/v1/rooms/{create(harness, {'minutes': 5}).json_body['booking_id']}",
        headers=bearer(hs256(sub="root", scope="links:admin")),
    )
    assert admin.status_code == 200
    assert (
        harness.client.http.delete("/v1/rooms/adhoc:nope", headers=bearer(CREATOR)).status_code
        == 404
    )


def test_guest_link_for_an_adhoc_room(harness: Harness) -> None:
    made = create(harness, {"minutes": 30, "attendees": [{"email": "ann@example.com"}]}).json_body
    answer = harness.client.http.post(
        "/v1/links",
        headers=bearer(hs256()),
        body=json.dumps({"booking_id": made["booking_id"], "role": "guest"}),
    )
    assert answer.status_code == 200, answer.body
