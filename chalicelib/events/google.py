"""Google Calendar API v3 Event resource → ``CalendarEvent`` (source ``google``).

- Identity is ``id``. An occurrence of a recurring series has its own instance id
  (``<series>_<start>``) and stays a single booking; its ``recurringEventId`` and
  ``originalStartTime`` become ``series_event_id``/``original_start`` (the slot the series
  skips). ``iCalUID`` is not used.
- A recurring master (one with ``recurrence``: ``RRULE:``, ``RDATE``, ``EXDATE`` lines) is a
  series whose first occurrence is ``start``/``end``; it repeats at that wall-clock time in
  ``start.timeZone``, which Google requires for recurring events (``missing-time-zone``
  without it).
- ``status: "cancelled"`` cancels. A deleted-event stub (``id``, ``status``, ``etag``) is a
  cancellation with no times and no version. A cancellation carries its times only when both
  are timed (``dateTime``); an all-day or time-less one carries none.
- Create or update: Google bumps ``sequence`` on significant changes, so ``sequence > 0`` reads
  as UPDATE and anything else as CREATE. The service orders deliveries by ``version`` (from
  ``sequence`` and ``updated``), not by this action, so the distinction is informational.
- Attendees: rooms (``resource: true``) and the entry flagged ``organizer: true`` are dropped;
  declined attendees are kept (they may change their mind and still need their link).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.model import CalendarEvent, EventAction, Person, Recurrence, make_version
from chalicelib.events.payload import (
    load_json_object,
    optional_list,
    optional_object,
    optional_str,
    optional_time,
    refusing_bad_input,
    required_str,
)
from chalicelib.events.people import as_object, make_person
from chalicelib.events.recurrence_rules import series_from_lines
from chalicelib.events.timeparse import parse_datetime, read_datetime, resolve_zone

SOURCE = "google"


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    event = load_json_object(body)
    event_id = required_str(event, "id")
    cancelled = (optional_str(event, "status") or "").lower() == "cancelled"
    sequence = _sequence(event)
    version = make_version(sequence, optional_time(event, "updated"))
    if cancelled:
        action = EventAction.CANCEL
    elif sequence:
        action = EventAction.UPDATE
    else:
        action = EventAction.CREATE
    start, end = _times(event, cancelled=cancelled)
    organizer = optional_object(event, "organizer")
    return CalendarEvent(
        source=SOURCE,
        event_id=event_id,
        action=action,
        version=version,
        start=start,
        end=end,
        title=optional_str(event, "summary"),
        organizer=make_person(
            optional_str(organizer, "email"), optional_str(organizer, "displayName")
        ),
        attendees=tuple(_attendees(event)),
        recurrence=None if cancelled else _series(event, start, end),
        series_event_id=optional_str(event, "recurringEventId"),
        original_start=_original_start(event),
    )


def _sequence(event: dict[str, Any]) -> int | None:
    value = event.get("sequence")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError("sequence must be an integer", code="invalid-field")
    return value


def _times(event: dict[str, Any], *, cancelled: bool) -> tuple[datetime | None, datetime | None]:
    start = optional_object(event, "start")
    end = optional_object(event, "end")
    if cancelled and (start.get("dateTime") is None or end.get("dateTime") is None):
        return None, None
    return _when(start, "start"), _when(end, "end")


def _when(value: dict[str, Any], field: str) -> datetime:
    """``{dateTime, timeZone}``; a ``date`` alone is an all-day value and is refused."""
    text = value.get("dateTime")
    if text is None:
        text = value.get("date")
    if text is None:
        raise InvalidRequestError(f"{field}.dateTime is required", code="missing-field")
    return parse_datetime(text, optional_str(value, "timeZone"), field=f"{field}.dateTime")


def _series(
    event: dict[str, Any], start: datetime | None, end: datetime | None
) -> Recurrence | None:
    lines = optional_list(event, "recurrence")
    if not lines or start is None or end is None:
        return None
    first = optional_object(event, "start")
    zone = optional_str(first, "timeZone")
    if zone is None:
        raise InvalidRequestError(
            "a recurring event needs start.timeZone", code="missing-time-zone"
        )
    written = read_datetime(first.get("dateTime"), field="start.dateTime")
    return series_from_lines(lines, written, start, end, resolve_zone(zone))


def _original_start(event: dict[str, Any]) -> datetime | None:
    """An instance's slot in its series (None for an all-day slot or a lone event)."""
    if optional_str(event, "recurringEventId") is None:
        return None
    original = optional_object(event, "originalStartTime")
    text = optional_str(original, "dateTime")
    if text is None:
        return None
    return parse_datetime(text, optional_str(original, "timeZone"), field="originalStartTime")


def _attendees(event: dict[str, Any]) -> list[Person]:
    people: list[Person] = []
    for entry in optional_list(event, "attendees"):
        attendee = as_object(entry, field="attendees")
        if attendee.get("resource") is True or attendee.get("organizer") is True:
            continue
        person = make_person(optional_str(attendee, "email"), optional_str(attendee, "displayName"))
        if person is not None:
            people.append(person)
    return people
