"""Cal.com webhook (``{triggerEvent, createdAt, payload}``, version 2021-10-20) → ``CalendarEvent``.

- ``BOOKING_CREATED`` → CREATE, ``BOOKING_RESCHEDULED`` → UPDATE, ``BOOKING_CANCELLED`` → CANCEL.
  ``PING`` (the "Ping test" button while setting up the webhook) and every other trigger
  (``BOOKING_REQUESTED``, ``MEETING_ENDED``, …) carry nothing to act on: ``IgnoredDelivery``.
- Identity is ``payload.uid``. A reschedule creates a booking with a new ``uid`` and names the
  old one in ``payload.rescheduleUid``, which becomes ``previous_event_id`` so the room moves.
- Version is the envelope's ``createdAt`` (when Cal.com built this delivery).
- Only the standard envelope is accepted. The flat body that Cal.com's Zapier app sends has no
  ``uid`` and no ``triggerEvent``, so it cannot be tied to a booking; it is refused (missing
  ``triggerEvent``). A custom ``payloadTemplate`` that is not JSON is a ``json-parsing-error``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.events.model import CalendarEvent, EventAction, Person, make_version
from chalicelib.events.payload import (
    envelope_action,
    instant_span,
    load_json_object,
    optional_list,
    optional_object,
    optional_str,
    optional_time,
    refusing_bad_input,
    required_str,
)
from chalicelib.events.people import make_person, person_from

SOURCE = "calcom"

_ACTIONS = {
    "BOOKING_CREATED": EventAction.CREATE,
    "BOOKING_RESCHEDULED": EventAction.UPDATE,
    "BOOKING_CANCELLED": EventAction.CANCEL,
}


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    envelope = load_json_object(body)
    action = envelope_action(envelope, "triggerEvent", _ACTIONS)
    version = make_version(updated=optional_time(envelope, "createdAt"))
    payload = optional_object(envelope, "payload")
    event_id = required_str(payload, "uid", label="payload.uid")
    previous = optional_str(payload, "rescheduleUid") if action is EventAction.UPDATE else None
    start, end = instant_span(
        payload, "startTime", "endTime", cancelled=action is EventAction.CANCEL, where="payload."
    )
    organizer = optional_object(payload, "organizer")
    return CalendarEvent(
        source=SOURCE,
        event_id=event_id,
        action=action,
        version=version,
        start=start,
        end=end,
        title=optional_str(payload, "title"),
        organizer=make_person(optional_str(organizer, "email"), optional_str(organizer, "name")),
        attendees=tuple(_attendees(payload)),
        previous_event_id=previous if previous != event_id else None,
    )


def _attendees(payload: dict[str, Any]) -> list[Person]:
    people = (
        person_from(entry, field="payload.attendees")
        for entry in optional_list(payload, "attendees")
    )
    return [person for person in people if person is not None]
