"""Small builders for the decision-core tests: events, stored bookings, a Daily stand-in.

Stored bookings are built here by hand from an event (window arithmetic included), not by
``decide``, so a table row states its input independently of the code under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from chalicelib.booking import RETENTION_SECONDS, Booking, RoomWindow, content_hash, iso_utc
from chalicelib.events.model import CalendarEvent, EventAction, Person, make_version
from chalicelib.room_rules import room_name
from chalicelib.room_work import Rules
from chalicelib.rooms import DailyRooms, PendingReason, RoomWorkFailed

KEY = "test-signing-key-0123456789"
RULES = Rules(signing_key=KEY)  # contract defaults: 10 min early join, 15 min grace, 24 h lead
LEAD = 24 * 3600
EARLY = 10 * 60
GRACE = 15 * 60

NOW = int(datetime(2030, 3, 4, 9, 0, tzinfo=UTC).timestamp())
SOON = datetime.fromtimestamp(NOW, UTC) + timedelta(hours=2)  # due under the 24 h lead
LATER = SOON + timedelta(hours=1)
FAR = datetime.fromtimestamp(NOW, UTC) + timedelta(days=3)  # deferred under the 24 h lead

ANN = Person(email="ann@example.com", name="Ann")
BOB = Person(email="bob@example.com", name="Bob")
CAROL = Person(email="carol@example.com", name="Carol")
OLIVIA = Person(email="olivia@example.com", name="Olivia")


def version(sequence: int | None) -> int | None:
    return None if sequence is None else make_version(sequence)


def event(
    sequence: int | None = None,
    *,
    action: EventAction = EventAction.CREATE,
    start: datetime = SOON,
    minutes: int = 30,
    attendees: tuple[Person, ...] = (ANN, BOB),
    title: str = "Design review",
    event_id: str = "X",
    previous: str | None = None,
) -> CalendarEvent:
    """One Zapier-style delivery of meeting ``event_id`` with ``sequence`` as its version."""
    timed = action in (EventAction.CREATE, EventAction.UPDATE, EventAction.ADD_ATTENDEE)
    return CalendarEvent(
        source="zapier",
        event_id=event_id,
        action=action,
        version=version(sequence),
        start=start if timed else None,
        end=start + timedelta(minutes=minutes) if timed else None,
        title=title if timed else None,
        organizer=OLIVIA if timed else None,
        attendees=attendees,
        previous_event_id=previous,
    )


def cancel(sequence: int | None = None, *, event_id: str = "X") -> CalendarEvent:
    return event(sequence, action=EventAction.CANCEL, attendees=(), event_id=event_id)


def nbf_of(start: datetime) -> int:
    return int(start.timestamp()) - EARLY


def exp_of(start: datetime, minutes: int = 30) -> int:
    return int(start.timestamp()) + minutes * 60 + GRACE


def stored(source_event: CalendarEvent, *, revision: int = 1, **state: Any) -> Booking:
    """The booking a table would hold after ``source_event``, with ``state`` over it."""
    assert source_event.start is not None and source_event.end is not None
    booking_id = source_event.booking_id
    lineage = state.pop("lineage", booking_id)
    nbf = int(source_event.start.timestamp()) - EARLY
    exp = int(source_event.end.timestamp()) + GRACE
    values: dict[str, Any] = {
        "booking_id": booking_id,
        "source": source_event.source,
        "event_id": source_event.event_id,
        "version": source_event.version,
        "content_hash": content_hash(source_event),
        "lineage": lineage,
        "room_name": room_name(KEY, lineage),
        "starts_at": iso_utc(source_event.start),
        "ends_at": iso_utc(source_event.end),
        "nbf": nbf,
        "exp": exp,
        "title": source_event.title,
        "organizer": source_event.organizer,
        "attendees": source_event.attendees,
        "issued_at": NOW - 600,
        "created_at": NOW - 600,
        "updated_at": NOW - 600,
        "expires_at": exp + RETENTION_SECONDS,
        "revision": revision,
    }
    values.update(state)
    return Booking(**values)


def tombstone(sequence: int | None, *, event_id: str = "X", revision: int = 1) -> Booking:
    """What a cancellation of an unknown booking leaves behind."""
    booking_id = f"zapier:{event_id}"
    return Booking(
        booking_id=booking_id,
        source="zapier",
        event_id=event_id,
        cancelled=True,
        version=version(sequence),
        lineage=booking_id,
        room_name=room_name(KEY, booking_id),
        room_synced=True,
        issued_at=NOW - 600,
        created_at=NOW - 600,
        updated_at=NOW - 600,
        expires_at=NOW - 600 + RETENTION_SECONDS,
        revision=revision,
    )


@dataclass
class FakeRooms:
    """A stand-in for ``DailyRooms``: Daily as a dict of room name → (nbf, exp, privacy).

    ``fail`` makes every call raise ``RoomWorkFailed(fail)`` (after recording it); ``hook``
    runs once, inside the next call, *before* that call takes effect at "Daily": that is how a
    test makes another writer's whole delivery happen while this one's Daily call is in flight.
    """

    rooms: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    fail: PendingReason | None = None
    hook: Callable[[], object] | None = None

    def as_daily(self) -> DailyRooms:
        return cast(DailyRooms, self)

    def _in_flight(self, what: str, name: str) -> None:
        self.calls.append((what, name))
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        if self.fail is not None:
            raise RoomWorkFailed(self.fail)

    def ensure(self, name: str, window: RoomWindow, deadline: float | None) -> None:
        self._in_flight("ensure", name)
        self.rooms[name] = (window.nbf, window.exp, window.privacy)

    def move(self, name: str, window: RoomWindow, deadline: float | None) -> None:
        self._in_flight("move", name)
        self.rooms[name] = (window.nbf, window.exp, window.privacy)

    def delete(self, name: str, deadline: float | None) -> None:
        self._in_flight("delete", name)
        self.rooms.pop(name, None)

    def domain(self, deadline: float | None) -> None:
        return None
