"""Calendly v2 webhooks → CalendarEvent."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError, RoomlinksError
from chalicelib.events import calendly
from chalicelib.events.model import EventAction, IgnoredDelivery, Person, make_version
from tests.events import NOW, fixture, intake, utc

SOURCE = "calendly"
JSON = "application/json"

OLD_MEETING = "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2"
NEW_MEETING = "https://api.calendly.com/scheduled_events/HXHXEDBBEBFEDSA3"
HOST = Person(email="host@example.com", name="Helen Host")
JOHN = Person(email="test@example.com", name="John Doe")

EXPECTED: dict[str, dict[str, Any]] = {
    "invitee_created.json": {
        "event_id": OLD_MEETING,
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 15, 18, 29, 0, 112233)),
        "start": utc(2027, 12, 6, 20, 0),
        "end": utc(2027, 12, 6, 20, 30),
        "title": "30 Minute Meeting",
        "organizer": HOST,  # the first membership; the co-host is not an attendee
        "attendees": (
            JOHN,
            Person(email="guest.one@example.com"),
            Person(email="Guest.Two@Example.com"),
        ),
        "previous_event_id": None,
    },
    "invitee_created_rescheduled.json": {
        "event_id": NEW_MEETING,
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 18, 7, 0, 1, 1)),
        "start": utc(2027, 12, 7, 15, 0),
        "end": utc(2027, 12, 7, 15, 30),
        "title": "30 Minute Meeting",
        "organizer": HOST,
        "attendees": (JOHN,),
        "previous_event_id": OLD_MEETING,
    },
    "invitee_canceled_rescheduled.json": {
        "event_id": OLD_MEETING,
        "action": EventAction.CANCEL,
        "version": make_version(updated=utc(2027, 10, 18, 7, 0, 1)),
        "start": utc(2027, 12, 6, 20, 0),
        "end": utc(2027, 12, 6, 20, 30),
        "title": "30 Minute Meeting",
        "organizer": HOST,
        "attendees": (JOHN,),
        "previous_event_id": None,
    },
    "invitee_canceled.json": {
        "event_id": NEW_MEETING,
        "action": EventAction.CANCEL,
        "version": make_version(updated=utc(2027, 10, 25, 12, 0, 0, 654321)),
        "start": utc(2027, 12, 7, 15, 0),
        "end": utc(2027, 12, 7, 15, 30),
        "title": "30 Minute Meeting",
        "organizer": HOST,
        "attendees": (JOHN,),
        # old_invitee on a cancellation does not move anything
        "previous_event_id": None,
    },
    "group_invitee_canceled.json": {
        # one of two invitees leaves a group event that stays active: only she is removed
        "event_id": "https://api.calendly.com/scheduled_events/GROUP00000000001",
        "action": EventAction.REMOVE_ATTENDEE,
        "version": make_version(updated=utc(2027, 11, 2, 9, 15, 0, 250000)),
        "start": utc(2027, 12, 9, 16, 0),
        "end": utc(2027, 12, 9, 17, 0),
        "title": "Onboarding Workshop",
        "organizer": HOST,
        "attendees": (Person(email="rosa@example.org", name="Rosa Diaz"),),
        "previous_event_id": None,
    },
    "group_last_invitee_canceled.json": {
        # the last active invitee leaves: the meeting is cancelled for everyone
        "event_id": "https://api.calendly.com/scheduled_events/GROUP00000000001",
        "action": EventAction.CANCEL,
        "version": make_version(updated=utc(2027, 11, 3, 10, 0)),
        "start": utc(2027, 12, 9, 16, 0),
        "end": utc(2027, 12, 9, 17, 0),
        "title": "Onboarding Workshop",
        "organizer": HOST,
        "attendees": (Person(email="tom@example.org", name="Tom Reyes"),),
        "previous_event_id": None,
    },
    "unicode.json": {
        "event_id": "https://api.calendly.com/scheduled_events/UNICODE0000000001",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 16)),
        "start": utc(2027, 12, 8, 0, 30),
        "end": utc(2027, 12, 8, 1, 0),
        "title": "初回相談 (30分) ☕ — Noe\u0308l",
        "organizer": Person(email="bjork@example.is", name="Bjo\u0308rk Guðmundsdóttir"),
        "attendees": (
            Person(email="aiko@example.jp", name="佐々木 愛子 🌸"),
            Person(email="noel@example.fr"),
        ),
        "previous_event_id": None,
    },
}

REFUSALS: dict[str, tuple[type[RoomlinksError], str | None]] = {
    "refuse_all_day.json": (InvalidRequestError, "all-day-event"),
    "refuse_end_before_start.json": (InvalidRequestError, "end-before-start"),
    "refuse_already_over.json": (InvalidRequestError, "event-ended"),
    "refuse_malformed.json": (JsonParsingError, None),
    "refuse_missing_uri.json": (InvalidRequestError, "missing-field"),
    # Calendly sends UTC instants; a time without an offset has no zone to be read in
    "refuse_missing_offset.json": (InvalidRequestError, "missing-time-zone"),
    "refuse_bad_old_invitee.json": (InvalidRequestError, "invalid-field"),
}


IGNORED: dict[str, str] = {
    "ignore_invitee_no_show.json": "event 'invitee_no_show.created' carries no meeting to act on",
    "ignore_routing_form_submission.json": (
        "event 'routing_form_submission.created' carries no meeting to act on"
    ),
}


def test_reschedule_pair_links_old_and_new_meeting() -> None:
    created = calendly.parse(fixture(SOURCE, "invitee_created_rescheduled.json"), JSON)
    canceled = calendly.parse(fixture(SOURCE, "invitee_canceled_rescheduled.json"), JSON)
    assert created.previous_booking_id == canceled.booking_id == f"calendly:{OLD_MEETING}"


def test_unicode_survives_unnormalized() -> None:
    event = calendly.parse(fixture(SOURCE, "unicode.json"), JSON)
    assert event.organizer is not None
    assert event.organizer.name == "Bjo\u0308rk Guðmundsdóttir"
    assert not unicodedata.is_normalized("NFC", event.organizer.name)


def _webhook(event: str = "invitee.created", **payload: Any) -> bytes:
    body: dict[str, Any] = {
        "email": "invitee@example.com",
        "name": "In Vitee",
        "scheduled_event": {
            "uri": "https://api.calendly.com/scheduled_events/TEST000000000001",
            "name": "Intro",
            "start_time": "2027-12-06T20:00:00.000000Z",
            "end_time": "2027-12-06T20:30:00.000000Z",
            "event_memberships": [{"user_email": "host@example.com", "user_name": "Helen Host"}],
            "event_guests": [],
        },
    }
    body.update(payload)
    return json.dumps(
        {"event": event, "created_at": "2027-10-15T18:29:00.000000Z", "payload": body}
    ).encode()


@pytest.mark.parametrize(
    "event",
    [
        "invitee_no_show.created",
        "invitee_no_show.deleted",
        "routing_form_submission.created",
        "invitee.updated",
    ],
)
def test_other_events_are_ignored(event: str) -> None:
    with pytest.raises(IgnoredDelivery) as caught:
        calendly.parse(_webhook(event), JSON)
    assert caught.value.reason == f"event {event!r} carries no meeting to act on"


def _group_cancel(status: object, counter: object) -> bytes:
    meeting = {
        "uri": "https://api.calendly.com/scheduled_events/TEST000000000001",
        "start_time": "2027-12-06T20:00:00.000000Z",
        "end_time": "2027-12-06T20:30:00.000000Z",
        "status": status,
        "event_guests": [{"email": "guest@example.net"}],
    }
    if counter is not None:
        meeting["invitees_counter"] = {"active": counter, "limit": 5, "total": 3}
    return _webhook("invitee.canceled", scheduled_event=meeting)


@pytest.mark.parametrize(
    ("status", "active_invitees", "action"),
    [
        ("active", 2, EventAction.REMOVE_ATTENDEE),
        ("active", None, EventAction.REMOVE_ATTENDEE),  # not counted: the status decides
        ("active", 0, EventAction.CANCEL),  # the last invitee left
        ("canceled", 2, EventAction.CANCEL),  # the host cancelled the meeting itself
        (None, None, EventAction.CANCEL),
    ],
)
def test_only_the_meeting_own_cancellation_cancels(
    status: object, active_invitees: object, action: EventAction
) -> None:
    event = calendly.parse(_group_cancel(status, active_invitees), JSON)
    assert event.action is action
    if action is EventAction.REMOVE_ATTENDEE:
        # only the leaving invitee, not the guests who stay
        assert event.attendees == (Person(email="invitee@example.com", name="In Vitee"),)


def test_a_leaving_invitee_keeps_times_only_when_sent() -> None:
    body = json.loads(_group_cancel("active", 1))
    del body["payload"]["scheduled_event"]["start_time"]
    event = calendly.parse(json.dumps(body).encode(), JSON)
    assert (event.action, event.start, event.end) == (EventAction.REMOVE_ATTENDEE, None, None)


def test_a_leaving_invitee_needs_an_address() -> None:
    body = json.loads(_group_cancel("active", 1))
    del body["payload"]["email"]
    with pytest.raises(InvalidRequestError) as caught:
        calendly.parse(json.dumps(body).encode(), JSON)
    assert caught.value.code == "missing-field"


def test_removing_an_attendee_is_not_checked_against_the_clock() -> None:
    # the meeting may be over by the time Calendly delivers; nothing is scheduled anyway
    event = intake(SOURCE, _group_cancel("active", 1), JSON, utc(2028, 1, 1))
    assert event.action is EventAction.REMOVE_ATTENDEE


def test_no_hosts_means_no_organizer() -> None:
    body = json.loads(_webhook())
    body["payload"]["scheduled_event"]["event_memberships"] = []
    event = calendly.parse(json.dumps(body).encode(), JSON)
    assert event.organizer is None
    assert event.attendees == (Person(email="invitee@example.com", name="In Vitee"),)


def test_two_hundred_guests() -> None:
    body = json.loads(_webhook())
    body["payload"]["scheduled_event"]["event_guests"] = [
        {"email": f"guest{i:03d}@example.net", "created_at": "2027-10-15T18:28:59.000000Z"}
        for i in range(199)
    ]
    event = intake(SOURCE, json.dumps(body).encode(), JSON, NOW)
    expected = ["invitee@example.com"] + [f"guest{i:03d}@example.net" for i in range(199)]
    assert [a.email for a in event.attendees] == expected
