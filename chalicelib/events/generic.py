"""roomlinks' own signed format (Standard Webhooks envelope, contract §2.2 ``generic``).

- ``type`` ``calendar_event.created|updated|cancelled``; any other type is our sender's mistake
  and refused (``unsupported-type``), unlike vendors' extra triggers.
- ``timestamp`` (RFC 3339, or Unix seconds) is the version; NaN, infinities and values outside
  1900..2199 are ``time-out-of-range``.
- ``data.rrule`` (optional, ``FREQ=WEEKLY;BYDAY=MO`` or ``RRULE:…``) makes a recurring series
  from ``data.start``/``data.end`` as its first occurrence, repeating at that wall-clock time
  in ``data.time_zone`` (UTC when none is given).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.model import CalendarEvent, EventAction, Person, Recurrence, make_version
from chalicelib.events.payload import (
    envelope_action,
    load_json_object,
    optional_list,
    optional_object,
    optional_str,
    refusing_bad_input,
    required_str,
)
from chalicelib.events.recurrence_rules import series_from_rule
from chalicelib.events.timeparse import bounded, instant_of, out_of_range, read_datetime

SOURCE = "generic"
_ACTIONS = {
    "calendar_event.created": EventAction.CREATE,
    "calendar_event.updated": EventAction.UPDATE,
    "calendar_event.cancelled": EventAction.CANCEL,
}


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    del content_type  # always JSON
    envelope = load_json_object(body)
    action = envelope_action(envelope, "type", _ACTIONS, refuse_others_with="unsupported-type")
    data = optional_object(envelope, "data")
    zone = optional_str(data, "time_zone")
    start = end = None
    recurrence: Recurrence | None = None
    if action is not EventAction.CANCEL or ("start" in data and "end" in data):
        written = read_datetime(data.get("start"), field="data.start")
        start = instant_of(written, zone, field="data.start")
        end = instant_of(read_datetime(data.get("end"), field="data.end"), zone, field="data.end")
        rule = optional_str(data, "rrule")
        if rule is not None and action is not EventAction.CANCEL:
            recurrence = series_from_rule(rule, written, start, end, zone)
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
        recurrence=recurrence,
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
        if not math.isfinite(value):
            raise out_of_range("timestamp")
        try:
            return bounded(datetime.fromtimestamp(value, UTC), "timestamp")
        except (OverflowError, ValueError, OSError):  # beyond what the platform's time_t holds
            raise out_of_range("timestamp") from None
    return instant_of(read_datetime(value, field="timestamp"), "UTC", field="timestamp")
