"""Applying decisions: the table decides, Daily follows.

``apply_event`` writes the decision first (conditional on the revision it was made
against); a writer whose write lost re-reads and decides again and never touches Daily.
``sync_booking`` then brings Daily to *what is stored* and marks the booking synced only if
its revision is still the one it synced; if another writer moved on meanwhile, it re-reads
and applies the newer state too, so the last one to touch Daily always leaves it matching
the table. Replays, invite clicks and the reconcile job call ``sync_booking`` alone.
"""

from __future__ import annotations

import logging

from chalicelib.booking import Booking, Outcome
from chalicelib.decide import Decision, decide
from chalicelib.errors import UpstreamUnavailableError
from chalicelib.events.model import CalendarEvent
from chalicelib.observability import about_booking, emit_metrics
from chalicelib.room_rules import lineage_key
from chalicelib.room_work import (
    Rules,
    action_after_own_call,
    daily_state,
    in_flight,
    reconcile_at,
    retry_at,
    room_action,
)
from chalicelib.rooms import DailyRooms, RoomWorkFailed
from chalicelib.series import advance_series, skip_occurrence
from chalicelib.store import BookingConflict, BookingStore, StateValue

log = logging.getLogger(__name__)

_MAX_ROUNDS = 8
_ROOM_METRICS = {"ensure": "RoomsEnsured", "delete": "RoomsDeleted"}


class BookingSync:
    """Applies events and brings Daily in step, for one request or one reconcile pass."""

    def __init__(
        self, store: BookingStore, rooms: DailyRooms, rules: Rules, now: int, deadline: float | None
    ) -> None:
        self._store = store
        self._rooms = rooms
        self._rules = rules
        self._now = now
        self._deadline = deadline

    def apply_event(
        self, event: CalendarEvent, *, creator: str | None = None
    ) -> tuple[Booking, Outcome]:
        """Decide, write, then sync: the stored booking after this delivery and its outcome."""
        about_booking(event.booking_id)
        for _ in range(_MAX_ROUNDS):
            current = self._store.get(event.booking_id)
            previous = None
            if current is None and event.previous_booking_id is not None:
                previous = self._store.get(event.previous_booking_id)
            decision = decide(
                current, event, self._now, self._rules, previous=previous, creator=creator
            )
            try:
                stored = self._write(decision)
            except BookingConflict:
                continue  # someone wrote first: read again and decide on what they wrote
            if decision.write == "insert" and event.series_event_id and event.original_start:
                self._skip_in_series(f"{event.source}:{event.series_event_id}", event)
            if decision.write is None and in_flight(stored, self._now):
                # Its writer is still bringing Daily in step: a replay must not do it twice.
                return stored, decision.outcome
            return self.sync_booking(stored), decision.outcome
        raise UpstreamUnavailableError("the booking is changing too fast; retry", retry_after=2)

    def _skip_in_series(self, series_id: str, occurrence: CalendarEvent) -> None:
        """An occurrence became its own booking: its series skips that slot from now on."""
        assert occurrence.original_start is not None
        for _ in range(_MAX_ROUNDS):
            series = self._store.get(series_id)
            if series is None:
                return
            skipped = skip_occurrence(series, occurrence.original_start, self._now, self._rules)
            if skipped is None:
                return
            try:
                self.sync_booking(self._store.replace(skipped))
            except BookingConflict:
                continue
            return

    def _write(self, decision: Decision) -> Booking:
        booking = decision.booking
        if decision.claim is not None:
            # Claim the room first: a late cancellation of the old booking then leaves it be.
            self._store.replace(decision.claim)
        if decision.point_invites:
            self._store.point_invites(
                lineage_key(self._rules.signing_key, booking.lineage),
                booking.room_name,
                booking.booking_id,
                keep_until=booking.expires_at,
            )
        if (
            decision.write is not None
            and booking.host_room
            and not booking.cancelled
            and booking.exp is not None
        ):
            # Only for a write: a replay or a stale version would spend a write on nothing.
            self._store.extend_host_room(booking.room_name, booking.exp)
        if decision.write == "insert":
            return self._store.insert(booking)
        if decision.write == "replace":
            return self._store.replace(booking)
        return booking

    def sync_booking(self, booking: Booking) -> Booking:
        """Bring Daily to the stored ``booking``; the booking as stored afterwards."""
        target, applied = booking, None
        for _ in range(_MAX_ROUNDS):
            acted = applied is not None
            advanced = advance_series(target, self._now, self._rules)
            if advanced is not None:
                try:
                    target = self._store.replace(advanced)
                except BookingConflict:
                    target = self._store.get(target.booking_id) or target
                continue
            if target.moved_to is not None and acted:
                # We touched the room after it moved with the meeting: re-apply its new owner.
                following = self._store.get(target.moved_to)
                if following is None:
                    return target
                target = following
                continue
            action = room_action(target, self._now, self._rules)
            if applied is not None and daily_state(target) != daily_state(applied):
                # Our own call may have undone what another writer brought in step for a
                # different state: whatever the stored state says of its sync, apply it again.
                action = action_after_own_call(target, self._now)
            if action is None:
                return self._cleared(target)
            try:
                self._perform(action, target, acted=acted)
            except RoomWorkFailed as failed:
                emit_metrics({"BookingsPending": 1}, reason=failed.reason)
                return self._mark_pending(target, failed)
            emit_metrics({_ROOM_METRICS[action]: 1})
            applied = target
            in_step: dict[str, StateValue] = {
                "room_present": action == "ensure",
                "room_synced": True,
                "pending_reason": None,
                "attempts": 0,
            }
            done = target.model_copy(update=in_step)
            try:
                return self._store.change(
                    target, **in_step, reconcile_at=reconcile_at(done, self._rules)
                )
            except BookingConflict:
                latest = self._store.get(target.booking_id)
                if latest is None:
                    return target
                target = latest
        return target

    def _cleared(self, booking: Booking) -> Booking:
        """Nothing for Daily: a booking the reconcile job looked at for nothing leaves its index
        (e.g. a meeting that ended before its room was made)."""
        if booking.reconcile_at is None or booking.reconcile_at > self._now:
            return booking
        try:
            return self._store.change(booking, reconcile_at=None)
        except BookingConflict:
            return self._store.get(booking.booking_id) or booking

    def _perform(self, action: str, booking: Booking, *, acted: bool) -> None:
        if action == "delete":
            self._rooms.delete(booking.room_name, self._deadline)
        elif booking.room_present and not acted:
            self._rooms.move(booking.room_name, booking.window, self._deadline)
        else:
            self._rooms.ensure(booking.room_name, booking.window, self._deadline)

    def _mark_pending(self, booking: Booking, failed: RoomWorkFailed) -> Booking:
        """Record why Daily work is left over; the reconcile job picks it up from the index.

        A create that reached Daily before failing leaves a room no booking claims as present;
        if the booking is then cancelled, reconcile's orphan sweep removes that room.
        """
        attempts = booking.attempts + 1
        left_over: dict[str, StateValue] = {
            "pending_reason": failed.reason,
            "room_synced": False,
            "attempts": attempts,
        }
        pending = booking.model_copy(update=left_over)
        try:
            return self._store.change(
                booking,
                **left_over,
                reconcile_at=retry_at(pending, self._rules, self._now, attempts),
            )
        except BookingConflict:
            # Someone else wrote meanwhile and syncs their own state.
            return self._store.get(booking.booking_id) or booking
