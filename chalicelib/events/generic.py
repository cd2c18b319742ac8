"""roomlinks' own signed format (Standard Webhooks envelope, contract §2.2 ``generic``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.model import CalendarEvent, EventAction, Person, make_version
from chalicelib.events.payload import (
    envelope_action,
    load_json_object,
    optional_list,
    optional_object,
    optional_str,
    required_str,
)
from chalicelib.events.timeparse import parse_datetime

SOURCE = "generic"
_ACTIONS = {
    "calendar_event.created": EventAction.CREATE,
    "calendar_event.updated": EventAction.UPDATE,
    "calendar_event.cancelled": EventAction.CANCEL,
}


def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    del content_type  # always JSON
    envelope = load_json_object(body)
    action = envelope_action(envelope, "type", _ACTIONS, code="unsupported-type")
    data = optional_object(envelope, "data")
    zone = optional_str(data, "time_zone")
    start = end = None
    if action is not EventAction.CANCEL or ("start" in data and "end" in data):
        start = parse_datetime(data.get("start"), zone, field="data.start")
        end = parse_datetime(data.get("end"), zone, field="data.end")
    organizer = optional_object(data, "organizer")
    return CalendarEvent(
        source=SOURCE,
        event_id=required_str(data, "id", label="data.id"),
        action=action,
        version=make_version(updated=_timestamp(envelope.get("timestamp"))),
        start=start,
        end=end,
        title=optional_str(data, "title"),
        organizer=(
            Person(
                email=required_str(organizer, "email", label="data.organizer.email"),
                name=optional_str(organizer, "name"),
            )
            if organizer
            else None
        ),
        attendees=tuple(_person(item) for item in optional_list(data, "attendees")),
    )


def _person(item: Any) -> Person:
    if not isinstance(item, dict):
        raise InvalidRequestError("attendees must be objects", code="invalid-field")
    return Person(
        email=required_str(item, "email", label="attendee email"), name=optional_str(item, "name")
    )


def _timestamp(value: Any) -> datetime | None:
    """Standard Webhooks payloads carry an RFC 3339 timestamp; unix seconds are accepted too."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return parse_datetime(value, "UTC", field="timestamp")
