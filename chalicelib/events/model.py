"""The one normalized shape every inbound source is parsed into."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.errors import InvalidRequestError

# A version is one integer so DynamoDB can compare it in a condition expression:
# the source's sequence number first, then its modification time in milliseconds.
_MS_PER_SEQUENCE = 10**13


def make_version(sequence: int | None = None, updated: datetime | None = None) -> int | None:
    """Order versions of one event by (sequence, updated); None when the source gives neither."""
    if sequence is None and updated is None:
        return None
    if sequence is not None and sequence < 0:
        raise InvalidRequestError("sequence must not be negative", code="invalid-version")
    millis = int(updated.timestamp() * 1000) if updated is not None else 0
    return (sequence or 0) * _MS_PER_SEQUENCE + max(millis, 0)


class EventAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"


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
    privacy: Literal["private", "public"] | None = None


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

    @field_validator("start", "end")
    @classmethod
    def _aware_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("times must carry a zone")
        return value.astimezone(UTC)

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
        object.__setattr__(self, "attendees", tuple(kept))
        if self.action is not EventAction.CANCEL and (self.start is None or self.end is None):
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


def check_schedule(event: CalendarEvent, now: datetime) -> None:
    """Refuse what cannot get a room: end ≤ start, or a meeting already over."""
    if event.action is EventAction.CANCEL or event.start is None or event.end is None:
        return
    if event.end <= event.start:
        raise InvalidRequestError("the event ends before it starts", code="end-before-start")
    if event.end <= now:
        raise InvalidRequestError("the event is already over", code="event-ended")
