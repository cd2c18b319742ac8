"""Cal.com webhooks → CalendarEvent."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError, RoomlinksError
from chalicelib.events import calcom
from chalicelib.events.model import EventAction, IgnoredDelivery, Person, make_version
from tests.events import NOW, fixture, intake, utc

SOURCE = "calcom"
JSON = "application/json"

NINA = Person(email="nina@example.com", name="Nina Park")
OMAR = Person(email="omar@client.example", name="Omar Haddad")
TITLE = "30 Min Meeting between Nina Park and Omar Haddad"

EXPECTED: dict[str, dict[str, Any]] = {
    "booking_created.json": {
        "event_id": "q8Hn2kLsX4vT1pQw9rZy3m",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 12, 14, 3, 27, 120000)),
        "start": utc(2027, 11, 29, 15, 0),
        "end": utc(2027, 11, 29, 15, 30),
        "title": TITLE,
        "organizer": NINA,
        # a guest with an empty name keeps no name
        "attendees": (OMAR, Person(email="ceo@client.example")),
        "previous_event_id": None,
    },
    "booking_rescheduled.json": {
        "event_id": "Zr7TbW1aQe9Kc3Vn5Hs2Px",
        "action": EventAction.UPDATE,
        "version": make_version(updated=utc(2027, 10, 14, 9, 12, 45)),
        "start": utc(2027, 11, 30, 16, 0),
        "end": utc(2027, 11, 30, 16, 30),
        "title": TITLE,
        "organizer": NINA,
        "attendees": (OMAR,),
        "previous_event_id": "q8Hn2kLsX4vT1pQw9rZy3m",
    },
    "booking_cancelled.json": {
        "event_id": "Zr7TbW1aQe9Kc3Vn5Hs2Px",
        "action": EventAction.CANCEL,
        "version": make_version(updated=utc(2027, 10, 20, 18, 40, 0, 500000)),
        "start": utc(2027, 11, 30, 16, 0),
        "end": utc(2027, 11, 30, 16, 30),
        "title": TITLE,
        "organizer": NINA,
        "attendees": (OMAR,),
        "previous_event_id": None,
    },
    "unicode.json": {
        "event_id": "uNiC0dE8f7g6h5j4k3l2m1",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 13, 3, 4, 5, 678000)),
        "start": utc(2027, 12, 2, 1, 0),
        "end": utc(2027, 12, 2, 2, 0),
        "title": "相談会 🚀 with 李娜 — Cafe\u0301",
        "organizer": Person(email="soren@example.dk", name="Søren Kierkegård"),
        "attendees": (
            Person(email="li.na@example.cn", name="李娜"),
            Person(email="jose@example.es", name="Jose\u0301 🎸"),
        ),
        "previous_event_id": None,
    },
}

REFUSALS: dict[str, tuple[type[RoomlinksError], str | None]] = {
    "refuse_all_day.json": (InvalidRequestError, "all-day-event"),
    "refuse_end_before_start.json": (InvalidRequestError, "end-before-start"),
    "refuse_already_over.json": (InvalidRequestError, "event-ended"),
    # a custom payloadTemplate that is not JSON arrives form-encoded
    "refuse_form_encoded.txt": (JsonParsingError, None),
    "refuse_missing_uid.json": (InvalidRequestError, "missing-field"),
    # Cal.com sends UTC instants; a time without an offset has no zone to be read in
    "refuse_missing_offset.json": (InvalidRequestError, "missing-time-zone"),
    # the Zapier app's flat body has neither triggerEvent nor uid
    "refuse_zapier_flat.json": (InvalidRequestError, "missing-field"),
}


# Authenticated deliveries with no meeting to act on: answered 200 "ignored" by the intake.
IGNORED: dict[str, str] = {
    # the "Ping test" button while setting up the webhook (cal.com's testTrigger body)
    "ignore_ping.json": "triggerEvent 'PING' carries no meeting to act on",
    "ignore_meeting_ended.json": "triggerEvent 'MEETING_ENDED' carries no meeting to act on",
}


def test_reschedule_points_at_the_old_booking() -> None:
    event = calcom.parse(fixture(SOURCE, "booking_rescheduled.json"), JSON)
    assert event.previous_booking_id == "calcom:q8Hn2kLsX4vT1pQw9rZy3m"
    assert event.booking_id == "calcom:Zr7TbW1aQe9Kc3Vn5Hs2Px"


def test_unicode_survives_unnormalized() -> None:
    event = calcom.parse(fixture(SOURCE, "unicode.json"), JSON)
    assert event.attendees[1].name == "Jose\u0301 🎸"
    assert event.title is not None
    assert not unicodedata.is_normalized("NFC", event.title)


def _envelope(trigger: str = "BOOKING_CREATED", **payload: Any) -> bytes:
    body: dict[str, Any] = {
        "uid": "bk1",
        "title": "T",
        "startTime": "2027-11-29T15:00:00Z",
        "endTime": "2027-11-29T15:30:00Z",
        "organizer": {"name": "Nina Park", "email": "nina@example.com"},
        "attendees": [],
    }
    body.update(payload)
    return json.dumps(
        {"triggerEvent": trigger, "createdAt": "2027-10-12T14:03:27.120Z", "payload": body}
    ).encode()


@pytest.mark.parametrize(
    "trigger", ["BOOKING_REQUESTED", "BOOKING_PAID", "PING", "booking_created", "FORM_SUBMITTED"]
)
def test_other_triggers_are_ignored(trigger: str) -> None:
    with pytest.raises(IgnoredDelivery) as caught:
        calcom.parse(_envelope(trigger), JSON)
    assert caught.value.reason == f"triggerEvent {trigger!r} carries no meeting to act on"


def test_a_ping_with_an_empty_payload_is_ignored() -> None:
    body = b'{"triggerEvent": "PING", "payload": {}}'
    with pytest.raises(IgnoredDelivery):
        calcom.parse(body, JSON)


def test_a_missing_trigger_is_still_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        calcom.parse(b'{"payload": {}}', JSON)
    assert caught.value.code == "missing-field"


def test_reschedule_uid_is_ignored_outside_a_reschedule() -> None:
    event = calcom.parse(_envelope(rescheduleUid="older"), JSON)
    assert event.previous_event_id is None


def test_reschedule_to_the_same_uid_has_no_previous() -> None:
    event = calcom.parse(_envelope("BOOKING_RESCHEDULED", rescheduleUid="bk1"), JSON)
    assert (event.action, event.previous_event_id) == (EventAction.UPDATE, None)


def test_cancel_without_times_is_still_a_cancel() -> None:
    event = calcom.parse(_envelope("BOOKING_CANCELLED", startTime=None, endTime=None), JSON)
    assert (event.action, event.start, event.end) == (EventAction.CANCEL, None, None)


def test_created_without_end_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        calcom.parse(_envelope(endTime=None), JSON)
    assert caught.value.code == "missing-field"


def test_two_hundred_attendees() -> None:
    attendees = [
        {"email": f"seat{i:03d}@example.org", "name": f"Seat {i} ✨", "timeZone": "UTC"}
        for i in range(200)
    ]
    event = intake(SOURCE, _envelope(attendees=attendees), JSON, NOW)
    assert [a.email for a in event.attendees] == [f"seat{i:03d}@example.org" for i in range(200)]
    assert event.attendees[0].name == "Seat 0 ✨"
