"""Microsoft Graph event resource → ``CalendarEvent`` (source ``graph``).

- Identity is ``id`` (case-sensitive, kept as given). ``@odata.*`` keys are ignored.
- ``start``/``end`` are ``{dateTime, timeZone}``: a wall-clock time without an offset (up to
  seven fractional digits) read in ``timeZone``, which may be IANA, ``UTC`` or a Windows name.
- ``isAllDay`` is refused (``all-day-event``); ``isCancelled`` cancels, and a cancellation
  carries its times only when they are timed.
- Graph has no revision counter: every delivery that is not a cancellation is CREATE, and the
  service orders deliveries by ``version`` (``lastModifiedDateTime``), which also makes a later
  delivery an update.
- A series master (``type: seriesMaster`` with ``recurrence``) is a recurring series whose
  first occurrence is ``start``/``end`` (``graph_recurrence`` translates its pattern and
  range and picks its zone). An ``occurrence`` or ``exception`` stays a single booking; its
  ``seriesMasterId`` and ``originalStart`` become ``series_event_id``/``original_start``.
- Attendees of ``type: "resource"`` (rooms, equipment) are dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.graph_recurrence import graph_rule, graph_series_zone
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
from chalicelib.events.recurrence_rules import make_recurrence
from chalicelib.events.timeparse import parse_datetime, resolve_zone

SOURCE = "graph"


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    event = load_json_object(body)
    event_id = required_str(event, "id")
    cancelled = event.get("isCancelled") is True
    version = make_version(updated=optional_time(event, "lastModifiedDateTime"))
    start, end = _times(event, cancelled=cancelled)
    organizer = optional_object(optional_object(event, "organizer"), "emailAddress")
    return CalendarEvent(
        source=SOURCE,
        event_id=event_id,
        action=EventAction.CANCEL if cancelled else EventAction.CREATE,
        version=version,
        start=start,
        end=end,
        title=optional_str(event, "subject"),
        organizer=make_person(optional_str(organizer, "address"), optional_str(organizer, "name")),
        attendees=tuple(_attendees(event)),
        recurrence=None if cancelled else _series(event, start, end),
        series_event_id=_series_master(event),
        original_start=optional_time(event, "originalStart") if _series_master(event) else None,
    )


def _times(event: dict[str, Any], *, cancelled: bool) -> tuple[datetime | None, datetime | None]:
    all_day = event.get("isAllDay") is True
    start = optional_object(event, "start")
    end = optional_object(event, "end")
    if cancelled and (all_day or start.get("dateTime") is None or end.get("dateTime") is None):
        return None, None
    if all_day:
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    return _when(start, "start"), _when(end, "end")


def _when(value: dict[str, Any], field: str) -> datetime:
    text = value.get("dateTime")
    if text is None:
        raise InvalidRequestError(f"{field}.dateTime is required", code="missing-field")
    return parse_datetime(text, optional_str(value, "timeZone"), field=f"{field}.dateTime")


def _series(
    event: dict[str, Any], start: datetime | None, end: datetime | None
) -> Recurrence | None:
    recurrence = optional_object(event, "recurrence")
    if optional_str(event, "type") != "seriesMaster" or not recurrence or not (start and end):
        return None
    zone = resolve_zone(graph_series_zone(event))
    rule = graph_rule(recurrence)
    return make_recurrence(
        start.astimezone(zone).replace(tzinfo=None), end - start, zone, rrules=[rule]
    )


def _series_master(event: dict[str, Any]) -> str | None:
    """The series of an ``occurrence``/``exception`` delivered on its own."""
    if optional_str(event, "type") not in {"occurrence", "exception"}:
        return None
    return optional_str(event, "seriesMasterId")


def _attendees(event: dict[str, Any]) -> list[Person]:
    people: list[Person] = []
    for entry in optional_list(event, "attendees"):
        attendee = as_object(entry, field="attendees")
        if (optional_str(attendee, "type") or "").lower() == "resource":
            continue
        address = optional_object(attendee, "emailAddress")
        person = make_person(optional_str(address, "address"), optional_str(address, "name"))
        if person is not None:
            people.append(person)
    return people
