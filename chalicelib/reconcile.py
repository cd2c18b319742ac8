"""The reconcile job (contract §2.6): Daily and the bookings kept in step, on a schedule.

1. Bookings whose reconcile time has come (the sparse ``reconcile`` index, soonest first):
   pending rooms created, deferred rooms created as they enter the lead window, rooms of
   cancelled bookings deleted. Each goes through ``BookingSync.sync_booking``, the same
   piece a replay or an invite click uses; done work leaves the index, so the index itself
   is the checkpoint and a run cut by its deadline resumes where it stopped.
2. Orphans: rooms whose name proves they are ours (``room_rules.is_our_room``) and that no
   live booking owns, deleted with ``DELETE /batch/rooms`` (≤ 1000 names a call). Rooms of
   other apps on the same domain never match; rooms created moments ago are left alone.

One run at a time: a lease in the table (an overlapping run finds it held and stops), so two
runs never do the same work twice; Lambda's reserved concurrency of 1 backs it up.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC
from typing import Any

from chalicelib.booking import Booking
from chalicelib.daily import DailyClient, DailyError
from chalicelib.observability import emit_metrics
from chalicelib.room_rules import is_our_room
from chalicelib.room_work import in_flight, room_action
from chalicelib.rooms import RoomWorkFailed
from chalicelib.runtime import Runtime
from chalicelib.sync import BookingSync

log = logging.getLogger(__name__)

JOB = "reconcile"
PAGE = 50
# A room this young may belong to a booking being written right now: not an orphan yet.
ORPHAN_MIN_AGE_SECONDS = 600
# Time kept back from the deadline for the summary and the lease release.
SAFETY_SECONDS = 2.0
_STOP_REASONS = frozenset({"daily-key-rejected", "daily-rate-limited"})
# Listing every room at Daily costs a page per 100 rooms: the sweep runs at most this often
# (a lease that is never released, so it lapses by itself).
SWEEP = "orphan-sweep"
ORPHAN_SWEEP_EVERY_SECONDS = 900


@dataclass
class Summary:
    created: int = 0
    moved: int = 0
    deleted: int = 0
    orphans_deleted: int = 0
    failed: int = 0
    remaining: int = 0
    complete: bool = False
    # Not in the contract's summary: pending bookings whose room should be open already.
    overdue: int = field(default=0, repr=False)

    def as_dict(self) -> dict[str, Any]:
        summary = asdict(self)
        del summary["overdue"]
        return summary


def run(
    rt: Runtime, deadline: float, *, holder: str | None = None, sweep_now: bool = False
) -> Summary:
    """One pass, stopping before ``deadline`` (a ``time.monotonic()`` value). The orphan
    sweep runs at most every ``ORPHAN_SWEEP_EVERY_SECONDS``, or now if ``sweep_now`` (an
    operator's own pass)."""
    summary = Summary()
    holder = holder or uuid.uuid4().hex
    now = int(rt.clock())
    lease_until = now + int(max(deadline - time.monotonic(), 0)) + 60
    if not rt.store.take_lease(JOB, holder, now, lease_until):
        log.info("reconcile: another run holds the lease; nothing done")
        return summary
    try:
        stopped = _due_bookings(rt, deadline, summary)
        # The sweep's slot is taken only when it can run: a pass cut short does not use it up.
        if (
            not stopped
            and time.monotonic() < deadline - SAFETY_SECONDS
            and (
                rt.store.take_lease(SWEEP, holder, now, now + ORPHAN_SWEEP_EVERY_SECONDS)
                or sweep_now
            )
        ):
            _orphans(rt, deadline, summary)
        summary.complete = summary.remaining == 0 and time.monotonic() < deadline
    finally:
        rt.store.release_lease(JOB, holder, int(rt.clock()))
    log.info("reconcile summary %s", json.dumps(summary.as_dict()))
    emit_metrics(
        {
            "ReconcileCreated": summary.created,
            "ReconcileDeleted": summary.deleted + summary.orphans_deleted,
            "ReconcileFailed": summary.failed,
            "PendingOverdue": summary.overdue,
        }
    )
    return summary


def _due_bookings(rt: Runtime, deadline: float, summary: Summary) -> bool:
    """Work through the due bookings; True when the pass had to stop early."""
    secret = rt.secrets.get()
    rules = rt.rules(secret)
    now = int(rt.clock())
    seen: set[str] = set()
    room_limit_reached = False
    while True:
        page = [b for b in rt.store.due_bookings(now, PAGE + len(seen)) if b.booking_id not in seen]
        if not page:
            return False
        for listed in page:
            if time.monotonic() >= deadline - SAFETY_SECONDS:
                summary.remaining += len(page) - page.index(listed)
                return True
            seen.add(listed.booking_id)
            booking = rt.store.get(listed.booking_id)  # the index lags; act on the item
            if booking is None:
                continue
            if in_flight(booking, now):
                summary.remaining += 1  # its writer is on it; the next pass checks
                continue
            action = room_action(booking, now, rules)
            if room_limit_reached and action == "ensure":
                # Daily refused a create for the room limit this pass: the rest would be
                # refused alike until deletes free rooms (below, and the orphan sweep).
                summary.remaining += 1
                continue
            sync = BookingSync(rt.store, rt.rooms, rules, now, deadline - SAFETY_SECONDS)
            after = sync.sync_booking(booking)
            if after.starts_at != booking.starts_at and not after.cancelled:
                summary.moved += 1  # a series moved on to its next occurrence
                continue
            if action is None:
                continue  # nothing due (e.g. over): the sync cleared it from the index
            if room_action(after, now, rules) is not None:
                summary.failed += 1
                if after.nbf is not None and now >= after.nbf and not after.cancelled:
                    summary.overdue += 1
                if after.pending_reason in _STOP_REASONS:
                    # Every other booking would fail alike: stop instead of hammering Daily.
                    summary.remaining += len(page) - page.index(listed) - 1
                    return True
                room_limit_reached |= after.pending_reason == "daily-room-limit"
            elif action == "delete":
                summary.deleted += 1
            elif booking.room_present:
                summary.moved += 1
            else:
                summary.created += 1
        if len(page) < PAGE:
            return False


def _orphans(rt: Runtime, deadline: float, summary: Summary) -> None:
    """Delete our rooms that no live booking owns, in batches."""
    secret = rt.secrets.get()
    now = rt.clock()
    orphans: list[str] = []

    def listing(client: DailyClient) -> list[str]:
        found = []
        for room in client.iter_rooms(deadline=deadline - SAFETY_SECONDS):
            if not is_our_room(secret.signing_key, room.name):
                continue  # another app's room, whatever its name looks like
            if now - room.created_at.astimezone(UTC).timestamp() < ORPHAN_MIN_AGE_SECONDS:
                continue
            found.append(room.name)
        return found

    try:
        candidates = rt.rooms.with_client(listing)
    except (DailyError, RoomWorkFailed) as exc:
        log.warning("reconcile: listing rooms failed: %s", exc)
        summary.failed += 1
        return
    for name in candidates:
        if not _owned(rt, name, now):
            orphans.append(name)
    if not orphans:
        return
    try:
        summary.orphans_deleted += rt.rooms.with_client(
            lambda client: client.delete_rooms(orphans, deadline=deadline - SAFETY_SECONDS)
        )
    except (DailyError, RoomWorkFailed) as exc:
        log.warning("reconcile: deleting %d orphan rooms failed: %s", len(orphans), exc)
        summary.failed += 1
        summary.remaining += len(orphans)


def _owned(rt: Runtime, room_name: str, now: float) -> bool:
    """True when a live booking holds this room (a moved meeting's current booking counts);
    a host's shared room while any of the host's bookings may still need it."""
    live_until = rt.store.host_room_live_until(room_name)
    if live_until is not None:
        lead = rt.settings.room_lead_minutes * 60
        return now < live_until + lead
    booking_id = rt.store.room_owner(room_name)
    for _ in range(8):
        booking: Booking | None = rt.store.get(booking_id) if booking_id else None
        if booking is None:
            return False
        if booking.moved_to is None:
            return not booking.cancelled
        booking_id = booking.moved_to
    return True  # a long chain of moves: leave it rather than guess


def schedule_deadline(lambda_context: Any, default_seconds: float = 240.0) -> float:
    """The run's deadline from the Lambda's remaining time (or a default outside Lambda)."""
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    seconds = remaining() / 1000 - 5 if callable(remaining) else default_seconds
    return time.monotonic() + max(seconds, 1.0)
