"""Webhooks by Zapier: JSON or form bodies, flat (``a__b``) or nested keys.

Zap authors map fields freely, so this parser accepts the spellings the contract lists:
``id``/``event_id``, ``title``/``summary``, ``start``/``start__dateTime`` (a time with no
offset read in ``timezone``/``start__timeZone``), attendees as objects, strings or one
comma-joined string, and ``status``/``action`` for cancellations. An optional ``rrule``
(``FREQ=WEEKLY;BYDAY=MO`` or ``RRULE:…``) makes a recurring series from ``start``/``end`` as its
first occurrence, repeating at that wall-clock time in ``timezone`` (UTC when none is given).
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qsl

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.model import (
    CalendarEvent,
    EventAction,
    EventOverrides,
    Person,
    Recurrence,
    make_version,
)
from chalicelib.events.payload import load_json_object, refusing_bad_input
from chalicelib.events.recurrence_rules import series_from_rule
from chalicelib.events.timeparse import is_date_only, parse_datetime, read_datetime

SOURCE = "zapier"
_CANCEL_WORDS = frozenset({"cancelled", "canceled", "cancel", "deleted", "delete"})
_UPDATE_WORDS = frozenset({"updated", "update", "rescheduled", "reschedule"})
_PRIVACY = frozenset({"private", "public"})


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    fields = _flatten(_decode(body, content_type))
    event_id = _first(fields, "id", "event_id", "event__id")
    if event_id is None:
        raise InvalidRequestError("id (or event_id) is required", code="missing-field")
    status = (_first(fields, "status", "action") or "").lower()
    action = (
        EventAction.CANCEL
        if status in _CANCEL_WORDS
        else EventAction.UPDATE
        if status in _UPDATE_WORDS
        else EventAction.CREATE
    )
    start, end = (None, None) if action is EventAction.CANCEL else _times(fields)
    organizer_email = _first(fields, "organizer_email", "organizer__email")
    organizer = (
        Person(
            email=organizer_email,
            name=_first(fields, "organizer_name", "organizer__displayName", "organizer__name"),
        )
        if organizer_email
        else None
    )
    return CalendarEvent(
        source=SOURCE,
        event_id=event_id,
        action=action,
        version=_version(fields),
        start=start,
        end=end,
        title=_first(fields, "title", "summary"),
        organizer=organizer,
        attendees=tuple(_attendees(fields.get("attendees"))),
        overrides=_overrides(fields),
        recurrence=_series(fields, start, end),
    )


def _decode(body: bytes, content_type: str | None) -> dict[str, Any]:
    if content_type and "application/x-www-form-urlencoded" in content_type.lower():
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonParsingError("the form body is not UTF-8") from None
        # parse_qsl applies form rules: '+' is a space, an offset's '+' must come as %2B.
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        except ValueError:
            raise JsonParsingError("the form body cannot be parsed") from None
        form: dict[str, Any] = {}
        for key, value in pairs:
            name = key.removesuffix("[]")
            if name in form:
                previous = form[name]
                form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                form[name] = [value] if key.endswith("[]") else value
        return form
    return load_json_object(body)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become ``a__b`` keys (``a.b`` too), so both spellings read alike."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = prefix + str(key).replace(".", "__")
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "__"))
        else:
            flat[name] = value
    return flat


def _first(fields: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = fields.get(name)
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, list | dict):
            raise InvalidRequestError(f"{name} must be a single value", code="invalid-field")
        text = str(value).strip()
        if text:
            return text
    return None


def _times(fields: dict[str, Any]) -> tuple[Any, Any]:
    if _first(fields, "start__date") and not _first(fields, "start__dateTime", "start"):
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    zone = _first(fields, "timezone", "time_zone", "start__timeZone")
    start_text = _first(fields, "start__dateTime", "start")
    end_text = _first(fields, "end__dateTime", "end")
    if start_text is None or end_text is None:
        raise InvalidRequestError("start and end are required", code="missing-field")
    if is_date_only(start_text) or is_date_only(end_text):
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    end_zone = _first(fields, "end__timeZone") or zone
    return (
        parse_datetime(start_text, zone, field="start"),
        parse_datetime(end_text, end_zone, field="end"),
    )


def _series(fields: dict[str, Any], start: Any, end: Any) -> Recurrence | None:
    rule = _first(fields, "rrule")
    if rule is None or start is None or end is None:
        return None
    written = read_datetime(_first(fields, "start__dateTime", "start"), field="start")
    zone = _first(fields, "timezone", "time_zone", "start__timeZone")
    return series_from_rule(rule, written, start, end, zone)


def _version(fields: dict[str, Any]) -> int | None:
    sequence_text = _first(fields, "sequence")
    updated_text = _first(fields, "updated", "updated_at")
    sequence: int | None = None
    if sequence_text is not None:
        try:
            sequence = int(sequence_text)
        except ValueError:
            raise InvalidRequestError("sequence must be an integer", code="invalid-field") from None
    updated = parse_datetime(updated_text, "UTC", field="updated") if updated_text else None
    return make_version(sequence, updated)


def _attendees(value: Any) -> list[Person]:
    if value is None or value == "":
        return []
    items: list[Any]
    if isinstance(value, str):
        items = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise InvalidRequestError("attendees must be a list or a string", code="invalid-field")
    people: list[Person] = []
    for item in items:
        if isinstance(item, dict):
            email = item.get("email") or item.get("emailAddress") or item.get("address")
            name = item.get("name") or item.get("displayName")
            if not isinstance(email, str):
                raise InvalidRequestError("every attendee needs an email", code="invalid-field")
            people.append(Person(email=email, name=name if isinstance(name, str) else None))
        elif isinstance(item, str):
            # "Ann Lee <ann@example.com>" and plain addresses both occur in mapped fields.
            name, email = parseaddr(item.strip())
            people.append(Person(email=email or item.strip(), name=name or None))
        else:
            raise InvalidRequestError("attendees must be objects or strings", code="invalid-field")
    return people


def _overrides(fields: dict[str, Any]) -> EventOverrides:
    def minutes(name: str) -> int | None:
        text = _first(fields, name)
        if text is None:
            return None
        try:
            return int(text)
        except ValueError:
            raise InvalidRequestError(f"{name} must be an integer", code="invalid-field") from None

    privacy = (_first(fields, "privacy") or "").lower() or None
    if privacy is not None and privacy not in _PRIVACY:
        raise InvalidRequestError("privacy must be 'private' or 'public'", code="invalid-field")
    return EventOverrides(
        early_join_minutes=minutes("early_join_minutes"),
        grace_minutes=minutes("grace_minutes"),
        privacy="public" if privacy == "public" else "private" if privacy else None,
    )
