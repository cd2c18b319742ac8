"""iCalendar (RFC 5545) / iTIP (RFC 5546) bodies → ``CalendarEvent`` (source ``ical``).

Reading the body: see ``ical_text`` (charsets, folding, what is unparseable).

Which event
- ``METHOD`` may be absent, ``PUBLISH``, ``REQUEST`` or ``CANCEL``. ``REPLY``, ``COUNTER``,
  ``REFRESH`` and ``DECLINECOUNTER`` are one attendee's answer or question, not the meeting:
  taking them as a version would drop the other attendees, so they are ignored
  (``IgnoredDelivery``). Any other method (``ADD``, ``X-…``) is ``unsupported-method``.
- A calendar with no VEVENT (a VFREEBUSY, a VTODO) is ``no-event``.
- One meeting per body: every VEVENT must share one UID (else ``multiple-events``).
- The master (no RECURRENCE-ID) is the event. Overrides next to it are bookings of their own,
  created by their own deliveries; the master's series skips their slots
  (``Recurrence.skipped``). With only overrides, exactly one is accepted (several →
  ``multiple-occurrences``): a single booking ``UID/<RECURRENCE-ID as UTC YYYYMMDDTHHMMSSZ>``
  with ``series_event_id`` = UID and ``original_start`` = that RECURRENCE-ID.
- ``METHOD:CANCEL`` or ``STATUS:CANCELLED`` cancels. A cancellation may lack DTSTART; it carries
  its times only when DTSTART is a date-time.
- Create or update: ``SEQUENCE > 0`` is UPDATE, otherwise CREATE; version is (SEQUENCE, DTSTAMP).

Times
- TZIDs, the body's VTIMEZONEs and RFC 5545 §3.3.5: see ``ical_times``. ``…Z`` is UTC; a
  floating time (no TZID, no Z) is ``missing-time-zone``; ``VALUE=DATE`` is ``all-day-event``.
- ``DURATION`` (when there is no DTEND) is exact elapsed time from DTSTART. Without DTEND and
  DURATION the event lasts zero time, which the schedule check refuses (end ≤ start).

A master with RRULE or RDATE is a recurring series (``Recurrence``): it repeats at DTSTART's
wall-clock time in DTSTART's zone (the body's VTIMEZONE, stored with the series, or the
zone's name), minus EXDATEs and the overridden slots.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.ical_text import load_calendar
from chalicelib.events.ical_times import Zones, instant, is_timed, wall_clock, zone_for
from chalicelib.events.model import (
    CalendarEvent,
    EventAction,
    IgnoredDelivery,
    Person,
    Recurrence,
    make_version,
)
from chalicelib.events.payload import refusing_bad_input
from chalicelib.events.people import make_person
from chalicelib.events.recurrence_rules import date_list, make_recurrence
from chalicelib.events.timeparse import bounded, out_of_range

SOURCE = "ical"

_READ_METHODS = frozenset({"", "PUBLISH", "REQUEST", "CANCEL"})
_ANSWER_METHODS = frozenset({"REPLY", "COUNTER", "REFRESH", "DECLINECOUNTER"})
_NOT_PEOPLE = frozenset({"ROOM", "RESOURCE"})
_URI_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    calendar, zones = load_calendar(body, content_type)
    method = _text(calendar, "METHOD").upper()
    if method in _ANSWER_METHODS:
        raise IgnoredDelivery(f"iTIP METHOD {method} is an attendee's answer, not the meeting")
    if method not in _READ_METHODS:
        raise InvalidRequestError(
            f"iTIP METHOD {method[:40]!r} does not describe the meeting", code="unsupported-method"
        )
    vevent, overrides = _choose_event(calendar)
    uid = _text(vevent, "UID")
    if not uid:
        raise InvalidRequestError("UID is required", code="missing-field")
    cancelled = method == "CANCEL" or _text(vevent, "STATUS").upper() == "CANCELLED"
    sequence = _sequence(vevent)
    stamp = _prop(vevent, "DTSTAMP")
    version = make_version(sequence, _stamp(stamp) if stamp is not None else None)
    if cancelled:
        action = EventAction.CANCEL
    elif sequence:
        action = EventAction.UPDATE
    else:
        action = EventAction.CREATE
    start, end = _times(vevent, zones, cancelled=cancelled)
    recurrence_id = _prop(vevent, "RECURRENCE-ID")
    original = _original_start(recurrence_id, zones)
    organizer = _prop(vevent, "ORGANIZER")
    return CalendarEvent(
        source=SOURCE,
        event_id=_event_id(uid, recurrence_id, original),
        action=action,
        version=version,
        start=start,
        end=end,
        title=_text(vevent, "SUMMARY") or None,
        organizer=_person(organizer) if organizer is not None else None,
        attendees=tuple(_attendees(vevent)),
        recurrence=None if cancelled else _series(vevent, overrides, zones, start, end),
        series_event_id=uid if recurrence_id is not None else None,
        original_start=original,
    )


def _choose_event(calendar: Any) -> tuple[Any, list[Any]]:
    """(the VEVENT to read, the overrides beside it when it is the master)."""
    events = [c for c in calendar.subcomponents if getattr(c, "name", None) == "VEVENT"]
    if not events:
        raise InvalidRequestError("the calendar holds no VEVENT", code="no-event")
    if len({_text(event, "UID") for event in events}) > 1:
        raise InvalidRequestError(
            "the calendar holds several meetings (different UIDs); send one per request",
            code="multiple-events",
        )
    masters = [event for event in events if _prop(event, "RECURRENCE-ID") is None]
    if masters:
        return masters[0], [event for event in events if event not in masters]
    if len(events) > 1:
        raise InvalidRequestError(
            "the calendar holds several occurrences and no master; send one per request",
            code="multiple-occurrences",
        )
    return events[0], []


# --- properties -------------------------------------------------------------------------


def _prop(component: Any, name: str) -> Any:
    """One property (the first, if repeated), or None; a malformed value is unparseable."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, icalendar.vBroken):
        raise JsonParsingError(f"{name} could not be parsed")
    return value


def _props(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    values = value if isinstance(value, list) else [] if value is None else [value]
    if any(isinstance(item, icalendar.vBroken) for item in values):
        raise JsonParsingError(f"{name} could not be parsed")
    return values


def _text(component: Any, name: str) -> str:
    value = _prop(component, name)
    return str(value).strip() if value is not None else ""


def _sequence(vevent: Any) -> int | None:
    value = _prop(vevent, "SEQUENCE")
    return int(value) if value is not None else None


def _stamp(prop: Any) -> datetime:
    """DTSTAMP: UTC by definition, so a (non-conforming) floating value is read as UTC."""
    value = prop.dt
    if not isinstance(value, datetime):
        raise InvalidRequestError("DTSTAMP must be a date-time", code="invalid-time")
    return bounded(value if value.tzinfo is not None else value.replace(tzinfo=UTC), "DTSTAMP")


def _times(
    vevent: Any, zones: Zones, *, cancelled: bool
) -> tuple[datetime | None, datetime | None]:
    dtstart = _prop(vevent, "DTSTART")
    if cancelled and (dtstart is None or not is_timed(dtstart)):
        return None, None
    if dtstart is None:
        raise InvalidRequestError("DTSTART is required", code="missing-field")
    start = instant(dtstart, "DTSTART", zones)
    dtend = _prop(vevent, "DTEND")
    if dtend is not None:
        return start, instant(dtend, "DTEND", zones)
    duration = _prop(vevent, "DURATION")
    if duration is None:
        return start, start
    if not isinstance(duration.dt, timedelta):
        raise InvalidRequestError("DURATION must be a duration", code="invalid-time")
    try:
        return start, bounded(start + duration.dt, "DTEND")
    except OverflowError:  # e.g. DURATION:P3000000D
        raise out_of_range("DTSTART + DURATION") from None


def _original_start(recurrence_id: Any, zones: Zones) -> datetime | None:
    """A timed RECURRENCE-ID as UTC (a date-valued one names a whole day, no instant)."""
    if recurrence_id is None or not is_timed(recurrence_id):
        return None
    return instant(recurrence_id, "RECURRENCE-ID", zones)


def _event_id(uid: str, recurrence_id: Any, original: datetime | None) -> str:
    if recurrence_id is None:
        return uid
    if original is not None:
        return f"{uid}/{original:%Y%m%dT%H%M%SZ}"
    if isinstance(recurrence_id.dt, date):
        return f"{uid}/{recurrence_id.dt:%Y%m%d}"
    raise InvalidRequestError("RECURRENCE-ID must be a date-time", code="invalid-time")


# --- recurring series -------------------------------------------------------------------


def _series(
    vevent: Any,
    overrides: list[Any],
    zones: Zones,
    start: datetime | None,
    end: datetime | None,
) -> Recurrence | None:
    rrules = _props(vevent, "RRULE")
    rdates = _props(vevent, "RDATE")
    if not (rrules or rdates) or start is None or end is None:
        return None
    wall, zone, vtimezone = wall_clock(_prop(vevent, "DTSTART"), "DTSTART", zones)

    def instants(props: list[Any], name: str) -> list[datetime]:
        found: list[datetime] = []
        for prop in props:
            tzid = prop.params.get("TZID")
            found += date_list(
                prop.to_ical().decode("utf-8"),
                value_type=str(prop.params.get("VALUE", "DATE-TIME")).upper(),
                zone=zone_for(str(tzid), zones)[0] if tzid else zone,
                local_time=wall.time(),
                field=name,
            )
        return found

    return make_recurrence(
        wall,
        end - start,
        zone,
        vtimezone=vtimezone,
        rrules=[rule.to_ical().decode("utf-8") for rule in rrules],
        rdates=instants(rdates, "RDATE"),
        exdates=instants(_props(vevent, "EXDATE"), "EXDATE"),
        skipped=[
            slot
            for override in overrides
            if (slot := _original_start(_prop(override, "RECURRENCE-ID"), zones)) is not None
        ],
    )


# --- people -----------------------------------------------------------------------------


def _person(prop: Any) -> Person | None:
    """ORGANIZER/ATTENDEE: a ``mailto:`` address (any case) with its CN; rooms are not people."""
    if str(prop.params.get("CUTYPE", "")).upper() in _NOT_PEOPLE:
        return None
    address = str(prop).strip()
    scheme = _URI_SCHEME.match(address)
    if scheme and scheme.group(1).lower() != "mailto":
        return None  # urn:uuid:…, sip:…, tel:… cannot receive a join link
    cn = prop.params.get("CN")
    return make_person(address, str(cn) if cn is not None else None)


def _attendees(vevent: Any) -> list[Person]:
    people = (_person(prop) for prop in _props(vevent, "ATTENDEE"))
    return [person for person in people if person is not None]
