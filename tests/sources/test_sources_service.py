"""Every calendar source through the route: auth, parsing, identity, reschedules."""

from __future__ import annotations

import json
import time

import pytest

from tests.plugins.service_harness import Harness
from tests.sources.signing import fixture, signed_headers

MAIN_FIXTURES = [
    ("google", "confirmed_event", "google:"),
    ("graph", "single_instance", "graph:"),
    ("ical", "outlook_request", "ical:"),
    ("calcom", "booking_created", "calcom:q8Hn2kLsX4vT1pQw9rZy3m"),
    (
        "calendly",
        "invitee_created",
        "calendly:https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2",
    ),
]


def post(harness: Harness, source: str, body: bytes, **kwargs: object) -> object:
    headers = signed_headers(source, body, harness.secret["hooks"], **kwargs)  # type: ignore[arg-type]
    return harness.client.http.post(f"/v1/hooks/{source}", headers=headers, body=body)


@pytest.mark.parametrize(("source", "name", "booking_prefix"), MAIN_FIXTURES)
def test_each_source_creates_a_room_and_replays_unchanged(
    harness: Harness, source: str, name: str, booking_prefix: str
) -> None:
    body = fixture(source, name)
    answer = post(harness, source, body)
    assert answer.status_code == 200, answer.body  # type: ignore[attr-defined]
    data = answer.json_body  # type: ignore[attr-defined]
    assert data["booking_id"].startswith(booking_prefix)
    assert (data["source"], data["outcome"], data["status"]) == (source, "created", "scheduled")
    assert data["room_name"] in {r["name"] for r in harness.emulator.rooms_snapshot()}
    again = post(harness, source, body).json_body  # type: ignore[attr-defined]
    assert again["outcome"] == "unchanged"
    assert again["host_join_url"] == data["host_join_url"]


@pytest.mark.parametrize("source", ["google", "graph", "ical", "calcom", "calendly"])
def test_missing_proof_is_400_and_wrong_proof_is_401(harness: Harness, source: str) -> None:
    name = {s: n for s, n, _ in MAIN_FIXTURES}[source]
    body = fixture(source, name)
    headers = signed_headers(source, body, harness.secret["hooks"])
    bare = {"Content-Type": headers["Content-Type"]}
    missing = harness.client.http.post(f"/v1/hooks/{source}", headers=bare, body=body)
    assert (missing.status_code, missing.json_body["error"]) == (400, "authorization-header-error")
    if source in {"calcom", "calendly"}:  # signatures cover the body; a bearer token does not
        tampered = body.replace(b"2027", b"2028", 1)
        wrong = harness.client.http.post(f"/v1/hooks/{source}", headers=headers, body=tampered)
        assert (wrong.status_code, wrong.json_body["error"]) == (401, "authentication-error")
    other = dict(headers)
    for header in ("Authorization", "X-Cal-Signature-256"):
        if header in other:
            other[header] = "Bearer not-it" if header == "Authorization" else "0" * 64
    if "Calendly-Webhook-Signature" in other:
        other["Calendly-Webhook-Signature"] = f"t={int(time.time())},v1={'0' * 64}"
    refused = harness.client.http.post(f"/v1/hooks/{source}", headers=other, body=body)
    assert (refused.status_code, refused.json_body["error"]) == (401, "authentication-error")
    assert harness.daily_calls() == 0


def test_calcom_no_secret_provided_is_refused(harness: Harness) -> None:
    body = fixture("calcom", "booking_created")
    headers = {"Content-Type": "application/json", "X-Cal-Signature-256": "no-secret-provided"}
    answer = harness.client.http.post("/v1/hooks/calcom", headers=headers, body=body)
    assert answer.status_code == 401


def test_calcom_signed_but_truncated_body_is_a_parse_error(harness: Harness) -> None:
    body = fixture("calcom", "booking_created")[:-40]
    answer = post(harness, "calcom", body)
    assert (answer.status_code, answer.json_body["error"]) == (400, "json-parsing-error")  # type: ignore[attr-defined]


def test_calendly_stale_signature_is_401(harness: Harness) -> None:
    body = fixture("calendly", "invitee_created")
    answer = post(harness, "calendly", body, now=time.time() - 301)
    assert answer.status_code == 401  # type: ignore[attr-defined]


def test_calcom_reschedule_moves_the_room_and_keeps_the_invite_link(harness: Harness) -> None:
    first = post(harness, "calcom", fixture("calcom", "booking_created")).json_body  # type: ignore[attr-defined]
    moved = post(harness, "calcom", fixture("calcom", "booking_rescheduled")).json_body  # type: ignore[attr-defined]
    assert moved["booking_id"] == "calcom:Zr7TbW1aQe9Kc3Vn5Hs2Px"
    assert (moved["outcome"], moved["status"]) == ("created", "scheduled")
    assert moved["room_name"] == first["room_name"]
    assert moved["invite_url"] == first["invite_url"]
    assert moved["starts_at"] == "2027-11-30T16:00:00Z"
    rooms = {r["name"]: r for r in harness.emulator.rooms_snapshot()}
    assert rooms[moved["room_name"]]["config"]["exp"] == moved["exp"]
    assert harness.emulator.counters().get("POST /rooms") == 1
    old = harness.booking("calcom:q8Hn2kLsX4vT1pQw9rZy3m")
    assert (old.cancelled, old.room_present, old.moved_to) == (True, False, moved["booking_id"])
    cancelled = post(harness, "calcom", fixture("calcom", "booking_cancelled")).json_body  # type: ignore[attr-defined]
    assert cancelled["status"] == "cancelled"
    assert moved["room_name"] not in {r["name"] for r in harness.emulator.rooms_snapshot()}


def _calendly(harness: Harness, name: str) -> dict[str, object]:
    answer = post(harness, "calendly", fixture("calendly", name))
    assert answer.status_code == 200, answer.body  # type: ignore[attr-defined]
    return dict(answer.json_body)  # type: ignore[attr-defined]


@pytest.mark.parametrize("cancel_first", [True, False])
def test_calendly_reschedule_in_either_order_leaves_one_live_room(
    harness: Harness, cancel_first: bool
) -> None:
    old = _calendly(harness, "invitee_created")
    if cancel_first:
        _calendly(harness, "invitee_canceled_rescheduled")
        new = _calendly(harness, "invitee_created_rescheduled")
    else:
        new = _calendly(harness, "invitee_created_rescheduled")
        late_cancel = _calendly(harness, "invitee_canceled_rescheduled")
        assert late_cancel["status"] == "cancelled"
    assert (
        new["booking_id"] == "calendly:https://api.calendly.com/scheduled_events/HXHXEDBBEBFEDSA3"
    )
    assert new["status"] == "scheduled"
    assert new["invite_url"] == old["invite_url"]
    live = [r for r in harness.emulator.rooms_snapshot() if not r.get("expired")]
    assert [r["name"] for r in live] == [new["room_name"]]
    assert live[0]["config"]["nbf"] == new["nbf"]
    old_booking = harness.booking(str(old["booking_id"]))
    assert old_booking.cancelled and not old_booking.room_present


def _group_created(email: str, name: str, created_at: str) -> bytes:
    body = json.loads(fixture("calendly", "group_invitee_canceled"))
    body.update({"event": "invitee.created", "created_at": created_at})
    body["payload"].update({"email": email, "name": name, "status": "active", "cancellation": None})
    body["payload"]["scheduled_event"]["invitees_counter"] = {"active": 1, "limit": 10, "total": 1}
    return json.dumps(body).encode()


def test_calendly_group_event_invitees_add_up_and_one_leaving_keeps_the_rest(
    harness: Harness,
) -> None:
    first = post(
        harness, "calendly", _group_created("ann@example.org", "Ann", "2027-10-20T11:00:00Z")
    )
    second = post(
        harness, "calendly", _group_created("rosa@example.org", "Rosa Diaz", "2027-10-21T11:00:00Z")
    )
    joined = second.json_body  # type: ignore[attr-defined]
    assert first.json_body["booking_id"] == joined["booking_id"]  # type: ignore[attr-defined]
    assert joined["outcome"] == "updated"
    assert {a["email"] for a in joined["attendees"]} == {"ann@example.org", "rosa@example.org"}
    left = post(harness, "calendly", fixture("calendly", "group_invitee_canceled")).json_body  # type: ignore[attr-defined]
    assert (left["outcome"], left["status"]) == ("updated", "scheduled")
    assert [a["email"] for a in left["attendees"]] == ["ann@example.org"]
    assert left["room_name"] in {r["name"] for r in harness.emulator.rooms_snapshot()}
