"""The in-memory ``BookingStore``: the same conditional-write rules in a dict (fast tests).

The pattern of Chalice's todo sample (``InMemoryTodoDB``) and cosmicpython's
``FakeRepository``: the decision core and ``sync`` are tested against it without AWS.
"""

from __future__ import annotations

import threading

from chalicelib.booking import Booking
from chalicelib.daily import Domain
from chalicelib.store import BookingConflict, IdempotencyRecord, StateValue, changed, stored_item


class InMemoryBookingStore:
    """``BookingStore`` in a dict, with the same conditional-write rules (fast tests)."""

    def __init__(self) -> None:
        self._bookings: dict[str, Booking] = {}
        self._pointers: dict[str, str] = {}
        self._domains: dict[str, Domain] = {}
        self._idempotency: dict[str, IdempotencyRecord] = {}
        self._rooms: dict[str, str] = {}
        self._leases: dict[str, tuple[str, int]] = {}
        self._host_rooms: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, booking_id: str) -> Booking | None:
        return self._bookings.get(booking_id)

    def insert(self, booking: Booking) -> Booking:
        stored, _ = stored_item(booking, 1)
        with self._lock:
            if booking.booking_id in self._bookings:
                raise BookingConflict
            self._bookings[booking.booking_id] = stored
        return stored

    def replace(self, booking: Booking) -> Booking:
        stored, _ = stored_item(booking, booking.revision + 1)
        return self._swap(booking, stored)

    def change(self, booking: Booking, **fields: StateValue) -> Booking:
        return self._swap(booking, changed(booking, fields))

    def _swap(self, read: Booking, stored: Booking) -> Booking:
        """Store ``stored`` only if the booking is still at the revision ``read`` was read at."""
        with self._lock:
            current = self._bookings.get(read.booking_id)
            if current is None or current.revision != read.revision:
                raise BookingConflict
            self._bookings[read.booking_id] = stored
        return stored

    def invite_target(self, lineage_key: str) -> str | None:
        return self._pointers.get(lineage_key)

    def point_invites(
        self, lineage_key: str, room_name: str, booking_id: str, *, keep_until: int
    ) -> None:
        del keep_until  # nothing expires in memory
        self._pointers[lineage_key] = booking_id
        self._rooms[room_name] = booking_id

    def room_owner(self, room_name: str) -> str | None:
        return self._rooms.get(room_name)

    def due_bookings(self, now: int, limit: int) -> list[Booking]:
        due = [
            b
            for b in self._bookings.values()
            if b.reconcile_at is not None and b.reconcile_at <= now
        ]
        return sorted(due, key=lambda b: (b.reconcile_at or 0, b.booking_id))[:limit]

    def extend_host_room(self, room_name: str, live_until: int) -> None:
        with self._lock:
            self._host_rooms[room_name] = max(self._host_rooms.get(room_name, 0), live_until)

    def host_room_live_until(self, room_name: str) -> int | None:
        return self._host_rooms.get(room_name)

    def take_lease(self, job: str, holder: str, now: int, until: int) -> bool:
        with self._lock:
            current = self._leases.get(job)
            if current is not None and current[0] != holder and current[1] >= now:
                return False
            self._leases[job] = (holder, until)
            return True

    def release_lease(self, job: str, holder: str, now: int) -> None:
        with self._lock:
            if self._leases.get(job, ("", 0))[0] == holder:
                self._leases[job] = (holder, now - 1)

    def daily_domain(self, key_fingerprint: str) -> Domain | None:
        return self._domains.get(key_fingerprint)

    def remember_daily_domain(self, key_fingerprint: str, domain: Domain) -> None:
        self._domains[key_fingerprint] = domain

    def claim_idempotency(self, key_id: str, record: IdempotencyRecord) -> IdempotencyRecord:
        with self._lock:
            return self._idempotency.setdefault(key_id, record)
