"""Orchestration: a delivery in, a booking decided and stored, Daily brought in step.

Every decision is made against the booking as read, and written with a condition on that
read (see ``store``), so concurrent deliveries of one event serialise: one creates, the
others re-read and answer ``unchanged`` with the same links.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from chalicelib.config import Settings, settings
from chalicelib.errors import InvalidRequestError, PayloadTooLargeError, UpstreamUnavailableError
from chalicelib.events.model import CalendarEvent, EventAction
from chalicelib.events.registry import PARSER_MODULES, parse_event
from chalicelib.links import booking_answer, daily_room_url, iso_utc
from chalicelib.policy import RoomWindow, lineage_key, room_name, room_window
from chalicelib.rooms import DailyRooms
from chalicelib.secrets import AppSecret, SecretCache
from chalicelib.store import Booking, BookingConflict, BookingStore, retention_until
from chalicelib.webhook_auth import verify_origin

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
_MAX_DECISION_ROUNDS = 8


@dataclass
class Runtime:
    """Everything a request needs, created once per container on first use."""

    settings: Settings
    secrets: SecretCache
    store: BookingStore
    rooms: DailyRooms
    clock: Callable[[], float] = time.time


@cache
def runtime() -> Runtime:
    config = settings()
    secrets = SecretCache(config.secret_id)
    store = BookingStore(config.bookings_table)
    return Runtime(config, secrets, store, DailyRooms(secrets, store, config.daily_api_url))


def receive_webhook(
    source: str,
    headers: Mapping[str, str],
    body: bytes,
    content_type: str | None,
    *,
    public_url: str,
    deadline: float | None,
    rt: Runtime | None = None,
) -> dict[str, Any]:
    """Authenticate, parse and apply one delivery; the answer of contract §2.2."""
    if source not in PARSER_MODULES:
        raise InvalidRequestError(f"unknown source {source[:40]!r}", code="unknown-source")
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError("the body is over 256 KiB")
    rt = rt or runtime()
    now = rt.clock()
    secret = rt.secrets.get()
    verify_origin(source, headers, body, secret.hook_secrets(source), now)
    event = parse_event(source, body, content_type, datetime.fromtimestamp(now, UTC))
    booking, outcome = BookingDecider(rt, secret, deadline).apply(event)
    return booking_answer(
        booking,
        outcome,
        signing_key=secret.signing_key,
        # Read again: a Daily 401 while applying the event may have refreshed a rotated key.
        api_key=rt.secrets.get().daily_api_key,
        domain_id=booking.domain_id,
        public_url=rt.settings.public_url or public_url,
    )


def content_hash(event: CalendarEvent) -> str:
    """What a booking's answer depends on; equal hashes mean a replay changes nothing."""
    material = event.model_dump(
        mode="json", include={"start", "end", "title", "organizer", "attendees", "overrides"}
    )
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class BookingDecider:
    """Applies one event to its booking: created, updated, unchanged, stale or cancelled."""

    def __init__(self, rt: Runtime, secret: AppSecret, deadline: float | None) -> None:
        self._rt = rt
        self._store = rt.store
        self._rooms = rt.rooms
        self._signing_key = secret.signing_key
        self._deadline = deadline

    def apply(self, event: CalendarEvent) -> tuple[Booking, str]:
        for _ in range(_MAX_DECISION_ROUNDS):
            current = self._store.get(event.booking_id)
            try:
                if current is None:
                    return self._first(event)
                return self._next(current, event)
            except BookingConflict:
                continue  # someone wrote first: read again and decide on what they wrote
        raise UpstreamUnavailableError("the booking is changing too fast; retry", retry_after=2)

    # -- first delivery -------------------------------------------------------------------

    def _first(self, event: CalendarEvent) -> tuple[Booking, str]:
        now = int(self._rt.clock())
        if event.action is EventAction.CANCEL:
            # Recorded so that a late create with an older or equal version cannot resurrect it.
            tombstone = self._new_booking(event, lineage=event.booking_id, now=now).model_copy(
                update={"cancelled": True, "owns_room": False, "room_synced": True}
            )
            return self._store.insert(tombstone), "cancelled"
        lineage, room_is_live = self._take_over_previous(event)
        window = self._window(event)
        booking = self._describe(self._new_booking(event, lineage=lineage, now=now), event, window)
        booking = self._sync_room(booking, window, existing=room_is_live)
        # The invite link names the lineage; point it at the booking that now holds the room.
        self._store.put_meta(
            invite_pointer(self._signing_key, lineage),
            {"booking": booking.booking_id},
            keep_until=booking.expires_at,
        )
        return self._store.insert(booking), "created"

    def _take_over_previous(self, event: CalendarEvent) -> tuple[str, bool]:
        """A reschedule to a new id keeps the meeting's lineage: room name and invite links.

        Returns the lineage and whether its room is live at Daily (then only its window moves).
        """
        previous_id = event.previous_booking_id
        previous = self._store.get(previous_id) if previous_id else None
        if previous is None:
            return event.booking_id, False
        if previous.moved_to is None and not previous.cancelled:
            # Claim the room first: a late cancellation of the old booking then leaves it be.
            self._store.replace(
                previous.model_copy(
                    update={
                        "cancelled": True,
                        "owns_room": False,
                        "room_synced": True,
                        "moved_to": event.booking_id,
                        "updated_at": int(self._rt.clock()),
                    }
                )
            )
            return previous.lineage, previous.room_synced
        return previous.lineage, False

    def _new_booking(self, event: CalendarEvent, *, lineage: str, now: int) -> Booking:
        return Booking(
            booking_id=event.booking_id,
            source=event.source,
            event_id=event.event_id,
            version=event.version,
            content_hash=content_hash(event) if event.action is not EventAction.CANCEL else None,
            lineage=lineage,
            room_name=room_name(self._signing_key, lineage),
            issued_at=now,
            created_at=now,
            updated_at=now,
            expires_at=retention_until(None, now),
        )

    # -- later deliveries -----------------------------------------------------------------

    def _next(self, current: Booking, event: CalendarEvent) -> tuple[Booking, str]:
        order = _compare(event.version, current.version)
        if event.action is EventAction.CANCEL:
            if current.cancelled:
                return self._heal(current), "unchanged"
            if order < 0:
                return current, "stale"
            return self._cancel(current, event), "cancelled"
        if current.cancelled:
            # Only a strictly newer version brings a cancelled booking back (never a moved one).
            if current.moved_to is not None or event.version is None or order <= 0:
                return current, "stale"
            return self._update(current, event, resurrect=True), "updated"
        if order < 0:
            return current, "stale"
        if content_hash(event) == current.content_hash:
            return self._heal(current), "unchanged"
        if order == 0 and event.version is not None:
            return current, "stale"  # same version, other content: the first one stays
        return self._update(current, event, resurrect=False), "updated"

    def _update(self, current: Booking, event: CalendarEvent, *, resurrect: bool) -> Booking:
        now = int(self._rt.clock())
        window = self._window(event)
        moved = (window.nbf, window.exp, window.privacy) != (
            current.nbf,
            current.exp,
            current.privacy,
        )
        changed = self._describe(current, event, window).model_copy(
            update={
                "cancelled": False,
                "owns_room": True,
                "version": event.version if event.version is not None else current.version,
                "content_hash": content_hash(event),
                "issued_at": now,
                "updated_at": now,
            }
        )
        if resurrect or not current.room_synced:
            changed = self._sync_room(changed, window, existing=False)
        elif moved:
            changed = self._sync_room(changed, window, existing=True)
        return self._store.replace(changed)

    def _cancel(self, current: Booking, event: CalendarEvent) -> Booking:
        now = int(self._rt.clock())
        gone = self._rooms.delete(current.room_name, self._deadline) if current.owns_room else True
        return self._store.replace(
            current.model_copy(
                update={
                    "cancelled": True,
                    "version": event.version if event.version is not None else current.version,
                    "room_synced": gone,
                    "owns_room": current.owns_room and not gone,
                    "updated_at": now,
                    "expires_at": retention_until(current.exp, now),
                }
            )
        )

    def _heal(self, current: Booking) -> Booking:
        """A replay retries whatever Daily work an earlier delivery could not finish."""
        if current.room_synced:
            return current
        if current.cancelled:
            if not self._rooms.delete(current.room_name, self._deadline):
                return current
            healed = current.model_copy(update={"room_synced": True, "owns_room": False})
        else:
            healed = self._sync_room(current, stored_window(current), existing=False)
            if not healed.room_synced:
                return current
        return self._store.replace(healed.model_copy(update={"updated_at": int(self._rt.clock())}))

    # -- shared pieces --------------------------------------------------------------------

    def _window(self, event: CalendarEvent) -> RoomWindow:
        config = self._rt.settings
        return room_window(
            event,
            early_join_minutes=config.early_join_minutes,
            grace_minutes=config.grace_minutes,
            default_privacy=config.room_privacy,
        )

    def _describe(self, booking: Booking, event: CalendarEvent, window: RoomWindow) -> Booking:
        """The booking's copy of the event: what answers and links are built from."""
        return booking.model_copy(
            update={
                "starts_at": iso_utc(window.starts_at),
                "ends_at": iso_utc(window.ends_at),
                "nbf": window.nbf,
                "exp": window.exp,
                "privacy": window.privacy,
                "title": event.title,
                "organizer": event.organizer,
                "attendees": event.attendees,
                "expires_at": retention_until(window.exp, self._rt.clock()),
            }
        )

    def _sync_room(self, booking: Booking, window: RoomWindow, *, existing: bool) -> Booking:
        """Bring Daily's room in line with ``window``; pending (not synced) if Daily is away."""
        if existing:
            room = self._rooms.update(booking.room_name, window, self._deadline)
        else:
            room = self._rooms.ensure(booking.room_name, window, self._deadline)
        domain = self._rooms.domain(self._deadline)
        if room is not None:
            room_url: str | None = room.url
        elif domain is not None:
            room_url = daily_room_url(domain, booking.room_name)
        else:
            room_url = booking.room_url
        return booking.model_copy(
            update={
                "room_synced": room is not None,
                "room_url": room_url,
                "domain_id": domain.domain_id if domain else booking.domain_id,
            }
        )


def invite_pointer(signing_key: str, lineage: str) -> str:
    """The table key that maps a lineage's invite links to its current booking."""
    return invite_pointer_for(lineage_key(signing_key, lineage))


def invite_pointer_for(key: str) -> str:
    return f"lineage#{key}"


def stored_window(booking: Booking) -> RoomWindow:
    """The window a live booking was stored with."""
    assert booking.starts_at and booking.ends_at and booking.nbf is not None and booking.exp
    return RoomWindow(
        starts_at=datetime.fromisoformat(booking.starts_at),
        ends_at=datetime.fromisoformat(booking.ends_at),
        nbf=booking.nbf,
        exp=booking.exp,
        privacy=booking.privacy,
    )


def _compare(incoming: int | None, stored: int | None) -> int:
    """Version order; an unversioned delivery counts as the latest (the latest delivery wins)."""
    if incoming is None:
        return 1 if stored is None else 0
    if stored is None:
        return 1
    return (incoming > stored) - (incoming < stored)
