"""iCalendar (RFC 5545) / iTIP (RFC 5546) bodies → ``CalendarEvent`` (source ``ical``).

Reading the body
- UTF-8, unless the Content-Type names another ``charset``; a UTF-8 BOM is dropped. Folded
  lines (CRLF or LF, then a space or a tab) are unfolded on the raw bytes before decoding, so
  a fold that splits a multi-byte character, as some senders emit, still reads correctly.
- Anything ``icalendar`` cannot parse, a body that is not one VCALENDAR, one without a VEVENT,
  and a VEVENT property we need whose value is malformed are all ``json-parsing-error``.

Which event
- ``METHOD`` may be absent, ``PUBLISH``, ``REQUEST`` or ``CANCEL``. ``REPLY``, ``COUNTER`` and the
  other iTIP methods describe one attendee's answer, not the meeting, and are refused
  (``unsupported-method``): taking them as a new version would drop the other attendees.
- One meeting per body: every VEVENT must share one UID (else ``multiple-events``). The master
  (no RECURRENCE-ID) is used when present and overrides next to it are ignored; with only
  overrides, exactly one is accepted (several → ``multiple-occurrences``).
- Identity is ``UID``, or ``UID/<RECURRENCE-ID as UTC YYYYMMDDTHHMMSSZ>`` for one occurrence.
- A recurring master (RRULE) gets a room for its first occurrence (DTSTART/DTEND) only, under
  the plain UID; occurrences sent on their own (with RECURRENCE-ID) get their own ids.
- ``METHOD:CANCEL`` or ``STATUS:CANCELLED`` cancels. A cancellation may lack DTSTART; it carries
  its times only when DTSTART is a date-time.
- Create or update: ``SEQUENCE > 0`` is UPDATE, otherwise CREATE; version is (SEQUENCE, DTSTAMP).

Times
- ``TZID`` is resolved with ``resolve_zone`` (IANA, UTC, Windows names such as
  ``W. Europe Standard Time``), or for an RFC 5545 §3.2.19 globally unique id
  (``/vendor/…/Europe/Berlin``) by its trailing IANA name. The wall-clock time is attached with
  ``localize`` (RFC 5545 §3.3.5 for gaps and overlaps). VTIMEZONE components are removed before
  parsing and never used: a zone we cannot name is ``unknown-time-zone``.
- ``…Z`` is UTC. A floating time (no TZID, no Z) is ``missing-time-zone``. ``VALUE=DATE`` is
  ``all-day-event``.
- ``DURATION`` (when there is no DTEND) is exact elapsed time from DTSTART. Without DTEND and
  DURATION the event lasts zero time, which the schedule check refuses (end ≤ start).
"""

from __future__ import annotations

import codecs
import re
import warnings
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import icalendar

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.model import CalendarEvent, EventAction, Person, make_version
from chalicelib.events.people import make_person
from chalicelib.events.timeparse import localize, resolve_zone

SOURCE = "ical"

_FOLD_BYTES = re.compile(rb"\r?\n[ \t]")
_FOLD_TEXT = re.compile(r"\r?\n[ \t]")
_URI_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_ACCEPTED_METHODS = frozenset({"", "PUBLISH", "REQUEST", "CANCEL"})
_NOT_PEOPLE = frozenset({"ROOM", "RESOURCE"})


def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    calendar = _load_calendar(body, content_type)
    method = _text(calendar, "METHOD").upper()
    if method not in _ACCEPTED_METHODS:
        raise InvalidRequestError(
            f"iTIP METHOD {method[:40]!r} does not describe the meeting", code="unsupported-method"
        )
    vevent = _choose_event(calendar)
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
    start, end = _times(vevent, cancelled=cancelled)
    organizer = _prop(vevent, "ORGANIZER")
    return CalendarEvent(
        source=SOURCE,
        event_id=_event_id(uid, _prop(vevent, "RECURRENCE-ID")),
        action=action,
        version=version,
        start=start,
        end=end,
        title=_text(vevent, "SUMMARY") or None,
        organizer=_person(organizer) if organizer is not None else None,
        attendees=tuple(_attendees(vevent)),
    )


# --- the body ---------------------------------------------------------------------------


def _load_calendar(body: bytes, content_type: str | None) -> Any:
    # VTIMEZONEs are never used (zones are resolved by name), so they are cut before parsing:
    # icalendar would build a zone from each and cache it process-wide, and a broken one
    # would fail an otherwise good body.
    text = _without_vtimezones(_decode(body, _charset(content_type)))
    try:
        with warnings.catch_warnings():
            # icalendar warns when it guesses a globally unique TZID; _zone() decides itself.
            warnings.simplefilter("ignore", icalendar.GloballyUniqueTZIDGuessed)
            # Always bytes: icalendar reads a str without line breaks as a file path.
            calendar = icalendar.Calendar.from_ical(text.encode("utf-8"))
    except Exception:  # any failure inside the parser means the body is not iCalendar
        raise JsonParsingError("the body is not a valid iCalendar object") from None
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise JsonParsingError("the body must be one VCALENDAR object")
    return calendar


def _charset(content_type: str | None) -> str:
    for parameter in (content_type or "").split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def _decode(body: bytes, charset: str) -> str:
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise JsonParsingError(f"unsupported charset {charset[:40]!r}") from None
    utf8 = codec == "utf-8"
    if utf8:
        # Unfold before decoding: a fold may split a multi-byte character.
        body = _FOLD_BYTES.sub(b"", body.removeprefix(codecs.BOM_UTF8))
    try:
        text = body.decode(codec).removeprefix("\ufeff")
    except (UnicodeDecodeError, LookupError):
        raise JsonParsingError(f"the body is not valid {codec}") from None
    return text if utf8 else _FOLD_TEXT.sub("", text)


def _without_vtimezones(text: str) -> str:
    """The unfolded text without its VTIMEZONE components (one pass, line by line)."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        marker = line.strip().upper()
        if inside:
            inside = marker != "END:VTIMEZONE"
        elif marker == "BEGIN:VTIMEZONE":
            inside = True
        else:
            kept.append(line)
    return "".join(kept)


def _choose_event(calendar: Any) -> Any:
    events = [c for c in calendar.subcomponents if getattr(c, "name", None) == "VEVENT"]
    if not events:
        raise JsonParsingError("the calendar holds no VEVENT")
    if len({_text(event, "UID") for event in events}) > 1:
        raise InvalidRequestError(
            "the calendar holds several meetings (different UIDs); send one per request",
            code="multiple-events",
        )
    masters = [event for event in events if _prop(event, "RECURRENCE-ID") is None]
    if masters:
        return masters[0]
    if len(events) > 1:
        raise InvalidRequestError(
            "the calendar holds several occurrences and no master; send one per request",
            code="multiple-occurrences",
        )
    return events[0]


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
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _is_timed(prop: Any) -> bool:
    return isinstance(prop.dt, datetime) and str(prop.params.get("VALUE", "")).upper() != "DATE"


def _instant(prop: Any, name: str) -> datetime:
    """A DATE-TIME property as an aware UTC datetime (TZID, Z, or refused)."""
    value = prop.dt
    if isinstance(value, date) and not _is_timed(prop):
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    if not isinstance(value, datetime):
        raise InvalidRequestError(f"{name} must be a date-time", code="invalid-time")
    tzid = prop.params.get("TZID")
    if tzid:
        # The wall-clock as written; whatever zone icalendar attached (it keeps a
        # process-wide cache) is dropped, and localize() applies RFC 5545 §3.3.5.
        return localize(value.replace(tzinfo=None), _zone(str(tzid)))
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    raise InvalidRequestError(
        f"{name} is a floating local time with no TZID", code="missing-time-zone"
    )


def _zone(tzid: str) -> tzinfo:
    try:
        return resolve_zone(tzid)
    except InvalidRequestError:
        if not tzid.startswith("/"):
            raise
    # RFC 5545 §3.2.19 globally unique TZID: try the longest trailing IANA-looking name.
    parts = tzid.strip("/").split("/")
    for first in range(1, len(parts)):
        with suppress(InvalidRequestError):
            return resolve_zone("/".join(parts[first:]))
    raise InvalidRequestError(f"unknown time zone {tzid[:64]!r}", code="unknown-time-zone")


def _times(vevent: Any, *, cancelled: bool) -> tuple[datetime | None, datetime | None]:
    dtstart = _prop(vevent, "DTSTART")
    if cancelled and (dtstart is None or not _is_timed(dtstart)):
        return None, None
    if dtstart is None:
        raise InvalidRequestError("DTSTART is required", code="missing-field")
    start = _instant(dtstart, "DTSTART")
    dtend = _prop(vevent, "DTEND")
    if dtend is not None:
        return start, _instant(dtend, "DTEND")
    duration = _prop(vevent, "DURATION")
    if duration is None:
        return start, start
    if not isinstance(duration.dt, timedelta):
        raise InvalidRequestError("DURATION must be a duration", code="invalid-time")
    return start, start + duration.dt


def _event_id(uid: str, recurrence_id: Any) -> str:
    if recurrence_id is None:
        return uid
    if isinstance(recurrence_id.dt, datetime):
        occurrence = _instant(recurrence_id, "RECURRENCE-ID").strftime("%Y%m%dT%H%M%SZ")
    elif isinstance(recurrence_id.dt, date):
        occurrence = recurrence_id.dt.strftime("%Y%m%d")
    else:
        raise InvalidRequestError("RECURRENCE-ID must be a date-time", code="invalid-time")
    return f"{uid}/{occurrence}"


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
