"""Room budget (contract §2.2): just-in-time rooms, per-host rooms, Daily's room limit."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest

from chalicelib import reconcile
from chalicelib.daily import decode_meeting_token
from chalicelib.room_work import RETRY_MAX_SECONDS
from tests.plugins.service_harness import ANCHOR, Harness, zap


def configure(harness: Harness, **changes: Any) -> None:
    harness.runtime.settings = dataclasses.replace(harness.runtime.settings, **changes)


def live_rooms(harness: Harness) -> dict[str, dict[str, Any]]:
    return {str(r["name"]): r for r in harness.emulator.rooms_snapshot() if not r.get("expired")}


def claims(harness: Harness, join_url: str) -> dict[str, Any]:
    return decode_meeting_token(
        join_url.split("?t=", 1)[1], api_key=harness.secret["daily_api_key"]
    )


def test_a_booking_three_days_ahead_costs_no_room_call_and_answers_final_links(
    harness: Harness,
) -> None:
    configure(harness, room_lead_minutes=1440)
    harness.post("zapier", zap("warm-domain"))  # the domain is learned once per key
    harness.emulator.reset_counters()
    answer = harness.post("zapier", zap("jit-1", **_at(hours=72))).json_body
    assert (answer["status"], answer["outcome"]) == ("scheduled", "created")
    assert answer["host_join_url"].startswith(answer["room_url"] + "?t=")
    assert harness.daily_calls() == 0
    moved = harness.post("zapier", zap("jit-1", sequence=2, **_at(hours=96))).json_body
    cancelled = harness.post("zapier", {"id": "jit-1", "status": "cancelled", "sequence": 3})
    assert moved["outcome"] == "updated" and cancelled.json_body["status"] == "cancelled"
    assert harness.daily_calls() == 0


def test_an_invite_click_inside_the_window_creates_the_deferred_room(harness: Harness) -> None:
    configure(harness, room_lead_minutes=1440)
    answer = harness.post("zapier", zap("jit-click", **_at(hours=72))).json_body
    ref = answer["invite_url"].rsplit("/", 1)[1]
    assert answer["room_name"] not in live_rooms(harness)
    real = harness.runtime.clock
    harness.runtime.clock = lambda: real() + 72 * 3600 - 300  # five minutes before the start
    click = harness.client.http.get(f"/v1/join/{ref}")
    assert click.status_code == 302, click.body
    assert answer["room_name"] in live_rooms(harness)


def test_per_host_bookings_share_one_room_with_tokens_as_the_hard_stop(harness: Harness) -> None:
    configure(harness, room_mode="per_host")
    first = harness.post("zapier", zap("host-1", **_at(hours=2))).json_body
    second = harness.post("zapier", zap("host-2", **_at(hours=5))).json_body
    assert first["room_name"] == second["room_name"]
    rooms = live_rooms(harness)
    assert list(rooms) == [first["room_name"]]
    config = rooms[first["room_name"]]["config"]
    assert "exp" not in config and "nbf" not in config
    for answer in (first, second):
        token = claims(harness, answer["guest_join_url"])
        assert (token["nbf"], token["exp"], token["ejt"]) == (answer["nbf"], answer["exp"], True)
    cancelled = harness.post("zapier", {"id": "host-1", "status": "cancelled"}).json_body
    assert cancelled["status"] == "cancelled"
    assert first["room_name"] in live_rooms(harness)
    replay = harness.post("zapier", zap("host-2", **_at(hours=5))).json_body
    assert replay["guest_join_url"] == second["guest_join_url"]


def test_a_per_host_replay_writes_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(harness, room_mode="per_host")
    harness.post("zapier", zap("host-replay", **_at(hours=2)))
    extended: list[str] = []
    store = harness.runtime.store
    real = store.extend_host_room
    monkeypatch.setattr(
        store, "extend_host_room", lambda name, until: extended.append(name) or real(name, until)
    )
    replay = harness.post("zapier", zap("host-replay", **_at(hours=2))).json_body
    assert replay["outcome"] == "unchanged"
    assert extended == []


def test_a_hosts_room_is_private_whatever_a_booking_asks(harness: Harness) -> None:
    # Contract §2.2: one private room per organizer; a booking's public override is its own.
    configure(harness, room_mode="per_host", room_privacy="public")
    first = harness.post("zapier", zap("host-pub", privacy="public", **_at(hours=2))).json_body
    assert live_rooms(harness)[first["room_name"]]["privacy"] == "private"


def test_per_host_room_is_removed_only_when_the_host_is_idle(harness: Harness) -> None:
    configure(harness, room_mode="per_host", room_lead_minutes=60)
    made = harness.post("zapier", zap("host-idle", **_at(hours=0.5))).json_body
    real = harness.runtime.clock
    harness.runtime.clock = lambda: real() + 3600
    assert reconcile.run(harness.runtime, time.monotonic() + 30).orphans_deleted == 0
    harness.runtime.clock = lambda: real() + 4 * 3600  # an hour past the end plus the lead
    assert reconcile.run(harness.runtime, time.monotonic() + 30).orphans_deleted == 1
    assert made["room_name"] not in live_rooms(harness)


def test_the_room_limit_makes_bookings_pending_and_reconcile_retries(harness: Harness) -> None:
    harness.emulator.max_rooms = 2
    answers = [
        harness.post("zapier", zap(f"limit-{n}", **_at(hours=1))).json_body for n in range(3)
    ]
    assert [a["status"] for a in answers] == ["scheduled", "scheduled", "pending"]
    assert answers[2]["pending_reason"] == "daily-room-limit"
    assert answers[2]["guest_join_url"] and answers[2]["invite_url"]
    real = harness.runtime.clock
    harness.runtime.clock = lambda: real() + RETRY_MAX_SECONDS
    assert reconcile.run(harness.runtime, time.monotonic() + 30).failed == 1
    harness.emulator.max_rooms = 3
    harness.runtime.clock = lambda: real() + 2 * RETRY_MAX_SECONDS
    assert reconcile.run(harness.runtime, time.monotonic() + 30).created == 1
    assert answers[2]["room_name"] in live_rooms(harness)


def _at(*, hours: float, minutes: int = 30) -> dict[str, str]:
    # The harness's one anchor: a replay built a moment later carries the same times.
    start = int(ANCHOR.timestamp() + hours * 3600)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "start": time.strftime(fmt, time.gmtime(start)),
        "end": time.strftime(fmt, time.gmtime(start + minutes * 60)),
    }


def test_a_room_limit_refusal_stops_further_creates_in_the_pass_but_not_deletes(
    harness: Harness,
) -> None:
    harness.emulator.max_rooms = 1
    kept = harness.post("zapier", zap("limit-kept", **_at(hours=1))).json_body
    waiting = [
        harness.post("zapier", zap(f"limit-w{n}", **_at(hours=2))).json_body for n in range(3)
    ]
    assert [w["pending_reason"] for w in waiting] == ["daily-room-limit"] * 3
    harness.post("zapier", {"id": "limit-kept", "status": "cancelled"})  # frees the one room
    assert kept["room_name"] not in live_rooms(harness)
    real = harness.runtime.clock
    harness.runtime.clock = lambda: real() + RETRY_MAX_SECONDS
    harness.emulator.reset_counters()
    summary = reconcile.run(harness.runtime, time.monotonic() + 30)
    assert (summary.created, summary.failed, summary.remaining) == (1, 1, 1)
    assert harness.emulator.counters().get("POST /rooms") == 2  # one made, one refused


def test_the_room_limit_is_logged_once_with_what_to_do(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.emulator.max_rooms = 1
    for n in range(3):
        harness.post("zapier", zap(f"limit-log-{n}", **_at(hours=1)))
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    advice = [line for line in lines if "room limit is reached" in line.get("message", "")]
    assert len(advice) == 1 and advice[0]["level"] == "ERROR"
    assert "ROOM_MODE=per_host" in advice[0]["message"]
