"""Bookings storage: the interface every implementation keeps, and what they share.

Concurrency is optimistic: a booking carries a ``revision``; a writer states the revision it
read and loses with ``BookingConflict`` if someone else wrote first, then re-reads and decides
again. A new booking is written only if none exists, so one event delivered many times at
once yields one record. ``memory_store`` holds the in-memory twin for fast tests; races and
exactly-once are proven against dynalite (a real DynamoDB protocol server).
``dynamo_store`` holds the DynamoDB implementation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.booking import Booking
from chalicelib.daily.models import Domain
from chalicelib.errors import PayloadTooLargeError
from chalicelib.table import RECONCILE_AT_ATTRIBUTE, RECONCILE_SHARD, RECONCILE_SHARD_ATTRIBUTE

# DynamoDB refuses items over 400 KB; stay clear of it with a margin for attribute names.
MAX_ITEM_BYTES = 380_000
IDEMPOTENCY_SECONDS = 24 * 3600


class BookingConflict(Exception):
    """Another writer changed the booking first; re-read and decide again."""


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first use of an ``Idempotency-Key``: what was asked and which booking answered."""

    body_hash: str
    booking_id: str
    starts_at: str
    created_at: int


class BookingStore(Protocol):
    """What the service needs from storage; every booking write is conditional."""

    def get(self, booking_id: str) -> Booking | None: ...

    def insert(self, booking: Booking) -> Booking:
        """Write a booking that must not exist yet (``BookingConflict`` if it does)."""
        ...

    def replace(self, booking: Booking) -> Booking:
        """Write a new state over the revision ``booking`` was derived from."""
        ...

    def change(self, booking: Booking, **fields: StateValue) -> Booking:
        """Change a few scalar fields of ``booking`` over its revision (cheaper than
        ``replace`` for a large booking: the attendees are not written again)."""
        ...

    def invite_target(self, lineage_key: str) -> str | None:
        """The booking id a lineage's invite links lead to now."""
        ...

    def point_invites(
        self, lineage_key: str, room_name: str, booking_id: str, *, keep_until: int
    ) -> None:
        """The lineage's invite links and its room now belong to ``booking_id``."""
        ...

    def room_owner(self, room_name: str) -> str | None:
        """The booking id whose room ``room_name`` is (reconcile's orphan check)."""
        ...

    def due_bookings(self, now: int, limit: int) -> list[Booking]:
        """Bookings whose reconcile time has come, soonest first (the sparse index)."""
        ...

    def extend_host_room(self, room_name: str, live_until: int) -> None:
        """A host's shared room is needed at least until ``live_until`` (only ever extended)."""
        ...

    def host_room_live_until(self, room_name: str) -> int | None: ...

    def take_lease(self, job: str, holder: str, now: int, until: int) -> bool:
        """Hold ``job`` until ``until`` unless another holder's lease is still running."""
        ...

    def release_lease(self, job: str, holder: str, now: int) -> None: ...

    def daily_domain(self, key_fingerprint: str) -> Domain | None: ...

    def remember_daily_domain(self, key_fingerprint: str, domain: Domain) -> None: ...

    def claim_idempotency(self, key_id: str, record: IdempotencyRecord) -> IdempotencyRecord:
        """Store ``record`` unless the key was used before; the record that holds the key."""
        ...


StateValue = str | int | bool | None


def changed(booking: Booking, fields: dict[str, StateValue]) -> Booking:
    """``booking`` with ``fields`` changed, one revision on."""
    return booking.model_copy(update={**fields, "revision": booking.revision + 1})


def stored_item(booking: Booking, revision: int) -> tuple[Booking, dict[str, Any]]:
    stored = booking.model_copy(update={"revision": revision})
    values = stored.model_dump(mode="json", exclude_none=True)
    if RECONCILE_AT_ATTRIBUTE in values:
        values[RECONCILE_SHARD_ATTRIBUTE] = RECONCILE_SHARD
    if len(json.dumps(values)) > MAX_ITEM_BYTES:
        raise PayloadTooLargeError(
            "the booking is too large to store (too many or too long attendee entries)",
            code="booking-too-large",
        )
    return stored, values
