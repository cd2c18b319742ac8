"""The one normalized shape every inbound source is parsed into, and the limits it obeys.

Limits (contract §2.2 refusals; README "Supported limits"):
- every instant lies in [1900, 2200) (``timeparse``), so window arithmetic never overflows;
- an event lasts at most ``MAX_DURATION`` (7 days; a longer one is ``too-long``) and starts
  within ``DEFAULT_HORIZON`` (730 days) of now (``too-far-ahead``);
- at most ``MAX_ATTENDEES`` (1,000) attendees after de-duplication (413 ``too-many-attendees``);
- a version's sequence is 0..``MAX_SEQUENCE`` (10**6), so a version stays under 10**20,
  well inside DynamoDB's 38 significant digits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.daily.models import Privacy
from chalicelib.errors import InvalidRequestError, PayloadTooLargeError
from chalicelib.events.timeparse import EARLIEST, LATEST, bounded

MAX_ATTENDEES = 1000
MAX_SEQUENCE = 10**6
MAX_DURATION = timedelta(days=7)
DEFAULT_HORIZON = timedelta(days=730)
# A version is one integer so DynamoDB can compare it in a condition expression:
# the source's sequence number first, then its modification time in milliseconds
# (below 10**13 for any instant before 2200).
_MS_PER_SEQUENCE = 10**13


class IgnoredDelivery(Exception):  # not an error: an authenticated no-op
    """An authenticated delivery with no meeting to act on (a ping, another trigger, a reply).

    The intake answers 200 ``{"outcome": "ignored", "reason": reason}``; ``reason`` is short
    human text built from the sender's event type only, never from secrets.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_version(sequence: int | None = None, updated: datetime | None = None) -> int | None:
    """Order versions of one event by (sequence, updated); None when the source gives neither."""
    if sequence is None and updated is None:
        return None
    if sequence is not None and not 0 <= sequence <= MAX_SEQUENCE:
        raise InvalidRequestError(
            f"sequence must be between 0 and {MAX_SEQUENCE}", code="invalid-version"
        )
    millis = int(bounded(updated, "updated").timestamp() * 1000) if updated is not None else 0
    return (sequence or 0) * _MS_PER_SEQUENCE + max(millis, 0)


class EventAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"
    # One attendee left a meeting that goes on (a Calendly group event): ``attendees`` holds
    # exactly who left; the booking keeps its room for everyone else.
    REMOVE_ATTENDEE = "remove-attendee"
    # One more invitee joined a meeting that may already exist (a Calendly group event):
    # ``attendees`` holds who joined; the booking adds them to everyone already there.
    ADD_ATTENDEE = "add-attendee"


class Person(BaseModel):
    model_config = ConfigDict(frozen=True)

    email: str = Field(min_length=3, max_length=320)
    name: str | None = Field(default=None, max_length=500)

    @field_validator("email")
    @classmethod
    def _plain_address(cls, value: str) -> str:
        address = value.strip()
        if address[:7].lower() == "mailto:":
            address = address[7:]
        if "@" not in address or any(ch.isspace() for ch in address):
            raise ValueError(f"not an email address: {address[:80]!r}")
        return address

    @field_validator("name")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        stripped = value.strip() if value is not None else None
        return stripped or None

    @property
    def key(self) -> str:
        """Addresses compare case-insensitively; the case sent is kept for display."""
        return self.email.casefold()


class EventOverrides(BaseModel):
    """Per-event requests from the sender; policy clamps them to safe bounds."""

    model_config = ConfigDict(frozen=True)

    early_join_minutes: int | None = None
    grace_minutes: int | None = None
    privacy: Privacy | None = None


def _utc_in_range(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times must carry a zone")
    if not EARLIEST <= value < LATEST:
        raise ValueError("time out of the supported range (1900 to 2199)")
    return value.astimezone(UTC)


class Recurrence(BaseModel):
    """A recurring series, complete enough to expand later without the original body.

    Stored with the booking as JSON (``model_dump_json`` / ``model_validate_json``) and
    expanded by ``chalicelib.events.recurrence``. Occurrences start at ``local_start``'s
    wall-clock time in the series' zone: ``zone`` (a tz database key or ``UTC``) or, when the
    body defined its own, ``vtimezone`` (that VTIMEZONE as iCalendar text).
    """

    model_config = ConfigDict(frozen=True)

    local_start: datetime  # the first occurrence's wall-clock start, naive
    duration_seconds: int = Field(gt=0, le=int(MAX_DURATION.total_seconds()))
    zone: str | None = Field(default=None, max_length=64)
    vtimezone: str | None = Field(default=None, max_length=20_000)
    rrules: tuple[str, ...] = Field(default=(), max_length=8)  # RRULE values, no "RRULE:" prefix
    rdates: tuple[datetime, ...] = Field(default=(), max_length=1000)  # extra starts, UTC
    exdates: tuple[datetime, ...] = Field(default=(), max_length=1000)  # excluded starts, UTC
    # Original starts (UTC) of occurrences overridden or cancelled on their own: each is its
    # own booking, so the series skips it.
    skipped: tuple[datetime, ...] = Field(default=(), max_length=1000)

    @field_validator("local_start")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("local_start is a wall-clock time without a zone")
        if not EARLIEST.replace(tzinfo=None) <= value < LATEST.replace(tzinfo=None):
            raise ValueError("local_start out of the supported range (1900 to 2199)")
        return value

    @field_validator("rdates", "exdates", "skipped")
    @classmethod
    def _instants(cls, values: tuple[datetime, ...]) -> tuple[datetime, ...]:
        return tuple(sorted({_utc_in_range(value) for value in values}))

    @model_validator(mode="after")
    def _one_zone(self) -> Self:
        if (self.zone is None) == (self.vtimezone is None):
            raise ValueError("a series needs exactly one of zone and vtimezone")
        return self

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=self.duration_seconds)


class CalendarEvent(BaseModel):
    """One version of one meeting, from any source, with times in UTC."""

    model_config = ConfigDict(frozen=True)

    source: str
    event_id: str = Field(min_length=1, max_length=1024)
    action: EventAction
    version: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    title: str | None = Field(default=None, max_length=1000)
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    # Booking id (same source) this event replaces after a reschedule to a new id.
    previous_event_id: str | None = None
    overrides: EventOverrides = EventOverrides()
    # A recurring series: start/end above are its first occurrence until ``resolve`` moves
    # them to the next one not yet over.
    recurrence: Recurrence | None = None
    # A single occurrence of a series, delivered on its own: the series' event id and the
    # occurrence's original start (UTC), the slot the series booking must skip.
    series_event_id: str | None = Field(default=None, max_length=1024)
    original_start: datetime | None = None

    @field_validator("start", "end", "original_start")
    @classmethod
    def _aware_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc_in_range(value)

    @model_validator(mode="after")
    def _normalize_people(self) -> Self:
        organizer_key = self.organizer.key if self.organizer else None
        seen: set[str] = set()
        kept: list[Person] = []
        for person in self.attendees:
            if person.key == organizer_key or person.key in seen:
                continue
            seen.add(person.key)
            kept.append(person)
        if len(kept) > MAX_ATTENDEES:
            # Not a ValueError: pydantic lets it through, so the sender gets 413, not 400.
            raise PayloadTooLargeError(
                f"at most {MAX_ATTENDEES} attendees per event", code="too-many-attendees"
            )
        object.__setattr__(self, "attendees", tuple(kept))
        if self.action in _NEEDS_TIMES and (self.start is None or self.end is None):
            raise ValueError("start and end are required")
        return self

    @property
    def booking_id(self) -> str:
        return f"{self.source}:{self.event_id}"

    @property
    def previous_booking_id(self) -> str | None:
        if self.previous_event_id is None:
            return None
        return f"{self.source}:{self.previous_event_id}"


_NEEDS_TIMES = frozenset({EventAction.CREATE, EventAction.UPDATE, EventAction.ADD_ATTENDEE})


def check_duration(duration: timedelta) -> None:
    """Refuse an event (or a series' occurrence) that ends before it starts or lasts too long."""
    if duration <= timedelta(0):
        raise InvalidRequestError("the event ends before it starts", code="end-before-start")
    if duration > MAX_DURATION:
        raise InvalidRequestError(
            f"an event may last at most {MAX_DURATION.days} days", code="too-long"
        )


def check_schedule(
    event: CalendarEvent, now: datetime, *, horizon: timedelta = DEFAULT_HORIZON
) -> None:
    """Refuse what cannot get a room: end ≤ start, too long, already over, too far ahead.

    A series must be resolved to its next occurrence first (``recurrence.resolve``).
    """
    if event.action not in _NEEDS_TIMES or event.start is None or event.end is None:
        return
    check_duration(event.end - event.start)
    if event.end <= now:
        raise InvalidRequestError("the event is already over", code="event-ended")
    if event.start > now + horizon:
        raise InvalidRequestError(
            f"the event starts more than {horizon.days} days from now", code="too-far-ahead"
        )
