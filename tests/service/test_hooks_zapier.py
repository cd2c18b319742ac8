"""The core path through the routes: created, unchanged, updated, stale, cancelled, pending."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import jwt

from chalicelib.rooms import DailyRooms
from tests.plugins.service_harness import Harness, in_future, zap


def token_of(join_url: str) -> str:
    return parse_qs(urlsplit(join_url).query)["t"][0]


def claims_of(join_url: str, key: str) -> dict[str, object]:
    return jwt.decode(token_of(join_url), key, algorithms=["HS256"], options={"verify_nbf": False})


def test_health(harness: Harness) -> None:
    answer = harness.client.http.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json_body == {"status": "ok"}


def test_new_booking_creates_one_private_time_boxed_room(harness: Harness) -> None:
    answer = harness.post("zapier", zap())
    assert answer.status_code == 200, answer.body
    body = answer.json_body
    assert body["booking_id"] == "zapier:evt-1"
    assert (body["source"], body["event_id"]) == ("zapier", "evt-1")
    assert (body["outcome"], body["status"]) == ("created", "scheduled")
    assert body["room_url"] == f"https://roomlinks-test.daily.co/{body['room_name']}"
    assert body["nbf"] == body["exp"] - (30 + 10 + 15) * 60
    assert body["opens_at"] < body["starts_at"] < body["ends_at"] < body["closes_at"]
    assert body["invite_url"].startswith("https://links.example.test/v1/join/")
    # The room is the only Daily call besides the domain lookup, made once per deployment.
    assert harness.emulator.counters() == {"POST /rooms": 1, "GET /": 1}
    room = next(r for r in harness.emulator.rooms_snapshot() if r["name"] == body["room_name"])
    assert room["privacy"] == "private"
    assert room["config"] == {"nbf": body["nbf"], "exp": body["exp"], "eject_at_room_exp": True}
    # DynamoDB's TTL removes the record some days after the room's end, not before.
    assert harness.booking("zapier:evt-1").expires_at >= body["exp"] + 7 * 24 * 3600


def test_new_booking_in_a_cold_container_costs_one_daily_call(harness: Harness) -> None:
    harness.post("zapier", zap("first-ever"))
    harness.emulator.reset_counters()
    rt = harness.runtime
    # A new container: nothing cached in memory, the domain remembered in the table.
    rt.rooms = DailyRooms(rt.secrets, rt.store, rt.settings.daily_api_url)
    body = harness.post("zapier", zap("second")).json_body
    assert body["status"] == "scheduled"
    assert harness.emulator.counters() == {"POST /rooms": 1}


def test_tokens_carry_identity_but_no_eject_settings(harness: Harness) -> None:
    body = harness.post("zapier", zap()).json_body
    key = harness.secret["daily_api_key"]
    host = claims_of(body["host_join_url"], key)
    assert host["o"] is True
    assert host["u"] == "Olivia Organizer"
    assert host["r"] == body["room_name"]
    assert (host["nbf"], host["exp"]) == (body["nbf"], body["exp"])
    guest = claims_of(body["guest_join_url"], key)
    assert "o" not in guest
    assert [a["email"] for a in body["attendees"]] == ["ann@example.com", "bob@example.com"]
    ann = claims_of(body["attendees"][0]["join_url"], key)
    assert ann["u"] == "Ann"
    assert "ann" not in str(ann["ud"]) and "@" not in str(ann["ud"])
    assert len(str(ann["ud"])) <= 36
    for claims in (host, guest, ann):
        assert "ejt" not in claims and "eje" not in claims
        assert claims["d"] == harness.emulator.domain_id


def test_self_signed_links_validate_at_daily(harness: Harness) -> None:
    import requests

    body = harness.post("zapier", zap()).json_body
    answer = requests.get(
        f"{harness.emulator.base_url}/meeting-tokens/{token_of(body['host_join_url'])}",
        params={"ignoreNbf": "true"},
        headers={"Authorization": f"Bearer {harness.secret['daily_api_key']}"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json()["room_name"] == body["room_name"]
    assert answer.json()["is_owner"] is True


def test_replay_is_unchanged_with_identical_links_and_no_daily_call(harness: Harness) -> None:
    payload = zap()
    first = harness.post("zapier", payload).json_body
    calls = harness.daily_calls()
    second = harness.post("zapier", payload).json_body
    assert second["outcome"] == "unchanged"
    assert {k: v for k, v in second.items() if k != "outcome"} == {
        k: v for k, v in first.items() if k != "outcome"
    }
    assert harness.daily_calls() == calls


def test_later_version_moves_the_same_room_and_reissues_links(harness: Harness) -> None:
    first = harness.post("zapier", zap(sequence=1)).json_body
    start, end = in_future(hours=48, minutes=45)
    calls = harness.emulator.counters()
    second = harness.post("zapier", zap(sequence=2, start=start, end=end)).json_body
    assert second["outcome"] == "updated"
    assert second["room_name"] == first["room_name"]
    assert second["starts_at"] == start
    assert second["host_join_url"] != first["host_join_url"]
    after = harness.emulator.counters()
    assert after.get("POST /rooms/:name", 0) - calls.get("POST /rooms/:name", 0) == 1
    assert sum(after.values()) - sum(calls.values()) == 1
    room = next(r for r in harness.emulator.rooms_snapshot() if r["name"] == first["room_name"])
    assert room["config"]["exp"] == second["exp"]


def test_attendee_change_reissues_links_without_a_daily_call(harness: Harness) -> None:
    harness.post("zapier", zap(sequence=1))
    calls = harness.daily_calls()
    answer = harness.post("zapier", zap(sequence=2, attendees="carol@example.com")).json_body
    assert answer["outcome"] == "updated"
    assert [a["email"] for a in answer["attendees"]] == ["carol@example.com"]
    assert harness.daily_calls() == calls


def test_older_version_is_stale_and_changes_nothing(harness: Harness) -> None:
    newer = harness.post("zapier", zap(sequence=5)).json_body
    start, end = in_future(hours=72)
    older = harness.post("zapier", zap(sequence=4, start=start, end=end)).json_body
    assert older["outcome"] == "stale"
    assert older["starts_at"] == newer["starts_at"]
    assert older["host_join_url"] == newer["host_join_url"]


def test_unversioned_latest_delivery_wins(harness: Harness) -> None:
    harness.post("zapier", zap())
    start, end = in_future(hours=30)
    answer = harness.post("zapier", zap(start=start, end=end)).json_body
    assert answer["outcome"] == "updated"
    assert answer["starts_at"] == start


def test_cancel_deletes_the_room_and_nulls_the_links(harness: Harness) -> None:
    created = harness.post("zapier", zap(sequence=1)).json_body
    answer = harness.post("zapier", {"id": "evt-1", "status": "cancelled", "sequence": 2})
    body = answer.json_body
    assert answer.status_code == 200
    assert (body["outcome"], body["status"]) == ("cancelled", "cancelled")
    assert body["host_join_url"] is None and body["guest_join_url"] is None
    assert all(a["join_url"] is None for a in body["attendees"])
    # room_url stays whenever Daily's domain is known (contract §2.2); only join URLs go.
    assert body["room_url"] == created["room_url"]
    assert harness.emulator.counters().get("DELETE /rooms/:name") == 1
    assert created["room_name"] not in {r["name"] for r in harness.emulator.rooms_snapshot()}
    # A late create with an older or equal version cannot resurrect it.
    late = harness.post("zapier", zap(sequence=1)).json_body
    assert (late["outcome"], late["status"]) == ("stale", "cancelled")
    again = harness.post("zapier", {"id": "evt-1", "action": "cancel", "sequence": 2}).json_body
    assert again["outcome"] == "unchanged"


def test_cancel_of_an_unknown_booking_is_recorded(harness: Harness) -> None:
    answer = harness.post("zapier", {"id": "never-seen", "status": "cancelled"}).json_body
    assert (answer["outcome"], answer["status"]) == ("cancelled", "cancelled")
    assert harness.daily_calls() == 0
    late = harness.post("zapier", zap("never-seen")).json_body
    assert (late["outcome"], late["status"]) == ("stale", "cancelled")
    assert harness.daily_calls() == 0


def test_newer_version_after_cancel_brings_the_meeting_back(harness: Harness) -> None:
    harness.post("zapier", zap(sequence=1))
    harness.post("zapier", {"id": "evt-1", "status": "cancelled", "sequence": 2})
    back = harness.post("zapier", zap(sequence=3)).json_body
    assert (back["outcome"], back["status"]) == ("updated", "scheduled")
    assert back["room_name"] in {r["name"] for r in harness.emulator.rooms_snapshot()}


def test_daily_down_stores_pending_and_the_next_delivery_heals(harness: Harness) -> None:
    harness.post("zapier", zap("warm-up"))  # the domain is known once Daily answered
    harness.emulator.faults.fail_next(1000, status=503, error="server-error")
    payload = zap("evt-down")
    pending = harness.post("zapier", payload).json_body
    assert (pending["outcome"], pending["status"]) == ("created", "pending")
    assert pending["room_url"].endswith(pending["room_name"])
    assert pending["host_join_url"].startswith(pending["room_url"] + "?t=")
    assert harness.booking("zapier:evt-down").room_synced is False
    harness.emulator.faults.clear()
    healed = harness.post("zapier", payload).json_body
    assert (healed["outcome"], healed["status"]) == ("unchanged", "scheduled")
    assert healed["host_join_url"] == pending["host_join_url"]
    assert pending["room_name"] in {r["name"] for r in harness.emulator.rooms_snapshot()}


def test_crash_between_room_and_record_heals_on_next_delivery(harness: Harness) -> None:
    import requests

    from chalicelib.room_rules import room_name

    name = room_name(harness.secret["signing_key"], "zapier:evt-crash")
    requests.post(
        f"{harness.emulator.base_url}/rooms",
        json={"name": name, "privacy": "private"},
        headers={"Authorization": f"Bearer {harness.secret['daily_api_key']}"},
        timeout=5,
    ).raise_for_status()
    body = harness.post("zapier", zap("evt-crash")).json_body
    assert (body["outcome"], body["status"], body["room_name"]) == ("created", "scheduled", name)
    rooms = [r for r in harness.emulator.rooms_snapshot() if r["name"] == name]
    assert len(rooms) == 1
    assert rooms[0]["config"]["exp"] == body["exp"]


def test_rotated_daily_key_is_picked_up_after_a_401(harness: Harness) -> None:
    harness.post("zapier", zap("before-rotation"))
    stale_key = harness.secret["daily_api_key"]
    rotated = dict(harness.secret, daily_api_key="rotated-" + "k" * 56)
    harness.secretsmanager.put_secret_value(
        SecretId="roomlinks/test", SecretString=json.dumps(rotated)
    )
    harness.emulator.set_api_key(rotated["daily_api_key"])
    body = harness.post("zapier", zap("after-rotation", sequence=1)).json_body
    assert body["status"] == "scheduled"
    claims = claims_of(body["host_join_url"], rotated["daily_api_key"])
    assert claims["r"] == body["room_name"]
    assert stale_key not in json.dumps(body)
