"""Calendly v2 webhook (``{event, created_at, created_by, payload}``) → ``CalendarEvent``.

- ``invitee.created`` → CREATE, ``invitee.canceled`` → CANCEL. Any other event
  (``invitee_no_show.created``, ``routing_form_submission.created``, …) carries no meeting to act
  on: ``IgnoredDelivery`` (Calendly disables a subscription after 24 h of failed deliveries).
- Group events (``invitees_counter.limit`` above 1): ``invitee.created`` names only its own
  invitee, so it is ADD_ATTENDEE (the booking adds them to those already there).
  ``invitee.canceled`` while ``scheduled_event.status`` is still ``active`` (and
  ``invitees_counter.active``, when given, is above 0) means one invitee left a meeting that goes
  on: REMOVE_ATTENDEE with ``attendees`` = that invitee alone (times kept when present). Only
  the meeting's own cancellation (status ``canceled``) or its last invitee's cancels it.
- Identity is the meeting, ``payload.scheduled_event.uri`` (the full URI, as given), not the
  invitee: guests and hosts of one meeting share one room.
- A reschedule fires both events, in no guaranteed order: ``invitee.canceled`` (with
  ``rescheduled: true``) for the old meeting, which is a plain CANCEL of it, and
  ``invitee.created`` for the new one, whose ``old_invitee`` URI
  (``…/scheduled_events/<old>/invitees/<id>``) names the old meeting; that meeting's URI
  becomes ``previous_event_id`` so the room moves.
- Organizer: the first of ``scheduled_event.event_memberships`` (the hosts). Attendees: the
  invitee, then ``scheduled_event.event_guests``.
- Version is the envelope's ``created_at``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidRequestError
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

SOURCE = "calendly"

_ACTIONS = {
    "invitee.created": EventAction.CREATE,
    "invitee.canceled": EventAction.CANCEL,
}
_INVITEES_SEGMENT = "/invitees/"


@refusing_bad_input
def parse(body: bytes, content_type: str | None) -> CalendarEvent:
    envelope = load_json_object(body)
    action = envelope_action(envelope, "event", _ACTIONS)
    version = make_version(updated=optional_time(envelope, "created_at"))
    payload = optional_object(envelope, "payload")
    meeting = optional_object(payload, "scheduled_event")
    if action is EventAction.CANCEL and _meeting_goes_on(meeting):
        action = EventAction.REMOVE_ATTENDEE
    elif action is EventAction.CREATE and _is_group_event(meeting):
        action = EventAction.ADD_ATTENDEE
    event_id = required_str(meeting, "uri", label="payload.scheduled_event.uri")
    previous = (
        _previous_meeting(payload)
        if action in {EventAction.CREATE, EventAction.ADD_ATTENDEE}
        else None
    )
    start, end = instant_span(
        meeting,
        "start_time",
        "end_time",
        cancelled=action not in {EventAction.CREATE, EventAction.ADD_ATTENDEE},
        where="payload.scheduled_event.",
    )
    return CalendarEvent(
        source=SOURCE,
        event_id=event_id,
        action=action,
        version=version,
        start=start,
        end=end,
        title=optional_str(meeting, "name"),
        organizer=_organizer(meeting),
        attendees=tuple(
            _leaving_invitee(payload)
            if action is EventAction.REMOVE_ATTENDEE
            else _attendees(payload, meeting)
        ),
        previous_event_id=previous if previous != event_id else None,
    )


def _meeting_goes_on(meeting: dict[str, Any]) -> bool:
    """Still ``active`` with invitees left: one invitee of a group event cancelled."""
    if (optional_str(meeting, "status") or "").lower() != "active":
        return False
    active = optional_object(meeting, "invitees_counter").get("active")
    if isinstance(active, bool) or not isinstance(active, int):
        return True  # not counted: the status alone decides
    return active > 0


def _is_group_event(meeting: dict[str, Any]) -> bool:
    """A meeting several invitees book (``invitees_counter.limit`` above 1): each
    ``invitee.created`` names only its own invitee, so invitees add up."""
    limit = optional_object(meeting, "invitees_counter").get("limit")
    return isinstance(limit, int) and not isinstance(limit, bool) and limit > 1


def _previous_meeting(payload: dict[str, Any]) -> str | None:
    """The old meeting's URI from ``old_invitee`` (an invitee URI under that meeting)."""
    old_invitee = optional_str(payload, "old_invitee")
    if old_invitee is None:
        return None
    meeting, separator, _ = old_invitee.partition(_INVITEES_SEGMENT)
    if not separator or not meeting:
        raise InvalidRequestError(
            "payload.old_invitee must be an invitee URI (…/scheduled_events/<id>/invitees/<id>)",
            code="invalid-field",
        )
    return meeting


def _organizer(meeting: dict[str, Any]) -> Person | None:
    hosts = optional_list(meeting, "event_memberships")
    if not hosts:
        return None
    return person_from(
        hosts[0],
        field="payload.scheduled_event.event_memberships",
        email_key="user_email",
        name_key="user_name",
    )


def _leaving_invitee(payload: dict[str, Any]) -> list[Person]:
    invitee = make_person(optional_str(payload, "email"), optional_str(payload, "name"))
    if invitee is None:
        raise InvalidRequestError(
            "payload.email is required when one invitee leaves a group event",
            code="missing-field",
        )
    return [invitee]


def _attendees(payload: dict[str, Any], meeting: dict[str, Any]) -> list[Person]:
    invitee = make_person(optional_str(payload, "email"), optional_str(payload, "name"))
    guests = (
        person_from(entry, field="payload.scheduled_event.event_guests")
        for entry in optional_list(meeting, "event_guests")
    )
    return [person for person in (invitee, *guests) if person is not None]
