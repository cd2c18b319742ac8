"""The stored booking: what roomlinks promised for one meeting, and what Daily must match.

A booking is the table's truth (see ``table``); Daily is brought in line with it afterwards
(see ``sync``). Everything here is pure data and arithmetic on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.daily import Privacy
from chalicelib.events.model import CalendarEvent, Person, Recurrence

# Tombstones and finished bookings are kept long enough to outlive every sender's replays
# (Zapier ~10 h, Calendly 24 h, Standard Webhooks senders days).
RETENTION_SECONDS = 14 * 24 * 3600

BookingStatus = Literal["scheduled", "pending", "cancelled"]


class Outcome(StrEnum):
    """What one delivery did to its booking (contract §2.2)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RoomWindow:
    """When a room can be joined: ``nbf``/``exp`` in unix seconds, plus the meeting times."""

    starts_at: datetime
    ends_at: datetime
    nbf: int
    exp: int
    privacy: Privacy
    # An organizer's shared room (ROOM_MODE=per_host): no window of its own, tokens stop.
    shared: bool = False

    def room_properties(self) -> dict[str, object]:
        if self.shared:
            # Daily's per-host pattern: the room lives on; each token's exp is the hard stop.
            return {}
        # The room's exp is the hard stop: tokens carry no eject settings of their own.
        return {"nbf": self.nbf, "exp": self.exp, "eject_at_room_exp": True}


class Booking(BaseModel):
    """One meeting's record. ``revision`` orders writes (see ``store``)."""

    model_config = ConfigDict(frozen=True)

    booking_id: str
    source: str
    event_id: str
    cancelled: bool = False
    version: int | None = None
    content_hash: str | None = None
    # The booking a room was first made for; a rescheduled meeting keeps it, and with it
    # the room name and the invite links.
    lineage: str
    room_name: str
    privacy: Privacy = "private"
    # The room is its organizer's shared room (ROOM_MODE=per_host), not the booking's own.
    host_room: bool = False
    # Daily may hold this booking's room (it was created, or a create was attempted).
    room_present: bool = False
    # Daily matches this revision (room live with this window, or gone once cancelled, or
    # nothing due yet); False means work left for a replay, an invite click or reconcile.
    room_synced: bool = False
    # Why the room is not there yet when it should be (contract §2.2 ``pending_reason``).
    pending_reason: str | None = None
    # Failed Daily attempts in a row (reconcile backs off per booking); 0 once in step.
    attempts: int = 0
    moved_to: str | None = None
    # When the reconcile job must look at this booking next (sparse index; see ``table``).
    reconcile_at: int | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    nbf: int | None = None
    exp: int | None = None
    title: str | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    # A recurring series: the window above is its current occurrence; reconcile moves it on.
    recurrence: Recurrence | None = None
    # The frontend caller (JWT ``sub``) that created an ad-hoc room; None for calendar events.
    creator: str | None = None
    issued_at: int
    revision: int = 0
    created_at: int
    updated_at: int
    expires_at: int

    @property
    def status(self) -> BookingStatus:
        if self.cancelled:
            return "cancelled"
        return "pending" if self.pending_reason else "scheduled"

    @property
    def window(self) -> RoomWindow:
        """The window a live booking was stored with."""
        assert self.starts_at and self.ends_at and self.nbf is not None and self.exp is not None
        return RoomWindow(
            starts_at=datetime.fromisoformat(self.starts_at),
            ends_at=datetime.fromisoformat(self.ends_at),
            nbf=self.nbf,
            exp=self.exp,
            # An organizer's one room is private (contract §2.2), whatever a booking asked.
            privacy="private" if self.host_room else self.privacy,
            shared=self.host_room,
        )

    def __repr__(self) -> str:
        return f"Booking({self.booking_id!r}, revision={self.revision}, status={self.status})"


def retention_until(exp: int | None, now: float) -> int:
    """When the table may forget a booking (DynamoDB TTL): well after its room's end."""
    return int(max(exp or 0, now)) + RETENTION_SECONDS


def content_hash(event: CalendarEvent) -> str:
    """What a booking's answer depends on; equal hashes mean a replay changes nothing."""
    material = event.model_dump(
        mode="json",
        include={"start", "end", "title", "organizer", "attendees", "overrides", "recurrence"},
    )
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def iso_utc(value: datetime | int | None) -> str | None:
    """``2026-12-01T15:00:00Z`` from an aware datetime or unix seconds."""
    if value is None:
        return None
    moment = datetime.fromtimestamp(value, UTC) if isinstance(value, int) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
