"""The reconcile job (contract §2.6) against moto's DynamoDB and the Daily emulator."""

from __future__ import annotations

import secrets
import time
from typing import Any

from chalicelib import reconcile
from chalicelib.daily import DailyClient
from chalicelib.room_rules import room_name
from chalicelib.room_work import RETRY_MAX_SECONDS
from tests.plugins.service_harness import Harness, zap


def run(harness: Harness, seconds: float = 30.0) -> reconcile.Summary:
    return reconcile.run(harness.runtime, time.monotonic() + seconds)


def later(harness: Harness, seconds: float = RETRY_MAX_SECONDS) -> None:
    """Move the service's clock on (by default past any retry backoff)."""
    clock = harness.runtime.clock
    harness.runtime.clock = lambda: clock() + seconds


def daily(harness: Harness) -> DailyClient:
    return DailyClient(harness.emulator.api_key, harness.emulator.base_url, pacing=False)


def live_rooms(harness: Harness) -> set[str]:
    return {str(r["name"]) for r in harness.emulator.rooms_snapshot() if not r.get("expired")}


def pending_booking(harness: Harness, event_id: str) -> dict[str, Any]:
    harness.emulator.faults.fail_next(1000, status=503, error="server-error")
    try:
        answer = harness.post("zapier", zap(event_id))
    finally:
        harness.emulator.faults.clear()
    body = dict(answer.json_body)
    assert (body["status"], body["pending_reason"]) == ("pending", "daily-unavailable")
    return body


def test_pending_booking_gets_its_room_and_a_replay_answers_scheduled(harness: Harness) -> None:
    pending = pending_booking(harness, "rc-pending")
    assert pending["room_name"] not in live_rooms(harness)
    assert run(harness).created == 0  # Daily just failed it: backing off
    later(harness)
    summary = run(harness)
    assert (summary.created, summary.failed, summary.complete) == (1, 0, True)
    assert pending["room_name"] in live_rooms(harness)
    replay = harness.post("zapier", zap("rc-pending")).json_body
    assert (replay["outcome"], replay["status"]) == ("unchanged", "scheduled")
    assert replay["invite_url"] == pending["invite_url"] and replay["guest_join_url"]
    assert run(harness).created == 0  # nothing left in the index


def test_cancelled_booking_whose_delete_failed_is_deleted(harness: Harness) -> None:
    made = harness.post("zapier", zap("rc-cancel")).json_body
    harness.emulator.faults.fail_next(1000, status=503, error="server-error")
    try:
        cancelled = harness.post("zapier", {"id": "rc-cancel", "status": "cancelled"}).json_body
    finally:
        harness.emulator.faults.clear()
    assert cancelled["status"] == "cancelled" and made["room_name"] in live_rooms(harness)
    later(harness)
    summary = run(harness)
    assert summary.deleted == 1 and made["room_name"] not in live_rooms(harness)


def test_deferred_room_is_created_when_it_enters_the_lead_window(harness: Harness) -> None:
    harness.runtime.settings = harness.runtime.settings.__class__(
        **{**harness.runtime.settings.__dict__, "room_lead_minutes": 60}
    )
    calls = harness.daily_calls()
    far = harness.post("zapier", zap("rc-deferred")).json_body  # a day ahead, lead one hour
    assert far["status"] == "scheduled" and far["guest_join_url"]
    assert far["room_name"] not in live_rooms(harness)
    assert harness.daily_calls() - calls <= 1  # at most the domain lookup, no room
    assert run(harness).created == 0
    real_clock = harness.runtime.clock
    harness.runtime.clock = lambda: real_clock() + 23.5 * 3600
    assert run(harness).created == 1
    assert far["room_name"] in live_rooms(harness)


def test_orphans_of_ours_go_in_one_batch_and_foreign_rooms_stay(harness: Harness) -> None:
    client = daily(harness)
    key = harness.secret["signing_key"]
    ours = [room_name(key, f"zapier:ghost-{n}") for n in range(5)]
    foreign = ["rl-" + secrets.token_hex(16) for _ in range(3)] + ["team-standup"]
    for name in ours + foreign:
        client.create_room(name, privacy="private")
    live = harness.post("zapier", zap("rc-live")).json_body
    real_clock = harness.runtime.clock
    assert run(harness).orphans_deleted == 0  # too young: may be a booking being written
    harness.runtime.clock = lambda: real_clock() + 3600
    harness.emulator.reset_counters()
    summary = run(harness)
    assert summary.orphans_deleted == 5
    assert live_rooms(harness) == set(foreign) | {live["room_name"]}
    assert harness.emulator.counters().get("DELETE /batch/rooms") == 1


def test_a_run_past_its_deadline_leaves_the_rest_for_the_next(harness: Harness) -> None:
    names = [pending_booking(harness, f"rc-deadline-{n}")["room_name"] for n in range(3)]
    later(harness)
    cut = reconcile.run(harness.runtime, time.monotonic() + reconcile.SAFETY_SECONDS - 0.5)
    assert (cut.created, cut.complete) == (0, False) and cut.remaining == 3
    harness.emulator.reset_counters()
    summary = run(harness)
    assert (summary.created, summary.complete) == (3, True)
    assert set(names) <= live_rooms(harness)
    assert harness.emulator.counters().get("POST /rooms") == 3  # nothing done twice


def test_a_held_lease_keeps_a_second_run_out(harness: Harness) -> None:
    pending_booking(harness, "rc-lease")
    later(harness)
    now = int(harness.runtime.clock())
    assert harness.runtime.store.take_lease(reconcile.JOB, "other-run", now, now + 300)
    assert run(harness).created == 0
    harness.runtime.store.release_lease(reconcile.JOB, "other-run", now)
    assert run(harness).created == 1


def test_a_rejected_daily_key_stops_the_pass_instead_of_hammering(harness: Harness) -> None:
    for n in range(3):
        pending_booking(harness, f"rc-key-{n}")
    harness.emulator.set_api_key("rotated-elsewhere-0123456789")
    harness.emulator.reset_counters()
    later(harness)
    summary = run(harness)
    assert summary.failed == 1 and summary.remaining == 2 and not summary.complete
    assert harness.emulator.counters().get("POST /rooms", 0) <= 2


def test_twenty_percent_daily_faults_converge_with_nothing_lost(harness: Harness) -> None:
    harness.emulator.faults.set_failure_rate(0.2, status=503)
    answers = [harness.post("zapier", zap(f"rc-faulty-{n}")).json_body for n in range(20)]
    cancelled = [
        harness.post("zapier", {"id": f"rc-faulty-{n}", "status": "cancelled"}) for n in range(5)
    ]
    assert all(a.status_code == 200 for a in cancelled)
    for _ in range(10):
        later(harness)
        if run(harness).complete and not harness.runtime.store.due_bookings(
            int(harness.runtime.clock()), 1
        ):
            break
    harness.emulator.faults.clear()
    rooms = live_rooms(harness)
    assert {a["room_name"] for a in answers[5:]} <= rooms
    assert not {a["room_name"] for a in answers[:5]} & rooms
    for answer in answers[5:]:
        assert harness.post("zapier", zap(answer["event_id"])).json_body["status"] == "scheduled"


def test_the_orphan_sweep_lists_daily_at_most_every_fifteen_minutes(harness: Harness) -> None:
    harness.emulator.reset_counters()
    run(harness)
    run(harness)
    assert harness.emulator.counters().get("GET /rooms") == 1
    later(harness, reconcile.ORPHAN_SWEEP_EVERY_SECONDS + 1)
    run(harness)
    assert harness.emulator.counters().get("GET /rooms") == 2


def test_an_operators_own_pass_sweeps_orphans_at_once(harness: Harness) -> None:
    harness.emulator.reset_counters()
    run(harness)
    assert harness.emulator.counters().get("GET /rooms") == 1
    # `make reconcile` by hand: the sweep's 15-minute slot is taken, yet it runs.
    reconcile.run(harness.runtime, time.monotonic() + 60, sweep_now=True)
    assert harness.emulator.counters().get("GET /rooms") == 2
