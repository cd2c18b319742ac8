"""Google Calendar API v3 Event resources → CalendarEvent."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError, RoomlinksError
from chalicelib.events import google
from chalicelib.events.model import EventAction, Person, Recurrence, make_version
from tests.events import NOW, fixture, intake, utc

SOURCE = "google"
JSON = "application/json"

PRIYA = Person(email="priya@example.com", name="Priya Raman")
JANA = Person(email="jana@example.de", name="Jana Schmidt")

EXPECTED: dict[str, dict[str, Any]] = {
    "confirmed_event.json": {
        "event_id": "5v1q3b8ti2k6vuf0m9o7c3nq4g",
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 4, 16, 20, 11, 556000)),
        "start": utc(2027, 11, 16, 18, 0),
        "end": utc(2027, 11, 16, 18, 45),
        "title": "Quarterly roadmap review",
        "organizer": PRIYA,
        # organizer row and the room dropped; the declined attendee kept; order as sent
        "attendees": (
            Person(email="Tomas.Novak@example.org", name="Tomáš Novák"),
            Person(email="li.wei@example.net"),
            Person(email="sam@example.com", name="Sam Okafor"),
        ),
        "previous_event_id": None,
    },
    "updated_local_time.json": {
        "event_id": "0d7m1kq2bql9j8v6eq3g5s2p1c",
        "action": EventAction.UPDATE,
        "version": make_version(2, utc(2027, 10, 6, 9, 13, 34, 113000)),
        # no offset in dateTime: read in timeZone Europe/Berlin (CET, +01:00)
        "start": utc(2027, 11, 18, 13, 30),
        "end": utc(2027, 11, 18, 14, 15),
        "title": "Design sync",
        "organizer": JANA,
        # the same address twice (different case): the first one wins
        "attendees": (Person(email="ALEX@example.com", name="Alex Kim"),),
        "previous_event_id": None,
    },
    "recurring_instance.json": {
        "event_id": "4h8q0vl2r5mkd3b1ej6s9c7t0a_20271201T170000Z",
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 7, 10, 0)),
        "start": utc(2027, 12, 1, 17, 0),
        "end": utc(2027, 12, 1, 17, 30),
        "title": "Weekly 1:1",
        "organizer": Person(email="maria@example.com", name="María García"),
        "attendees": (Person(email="dev@example.com", name="Dev Patel"),),
        "previous_event_id": None,
        # one instance stays a single booking; it names its series and its slot
        "series_event_id": "4h8q0vl2r5mkd3b1ej6s9c7t0a",
        "original_start": utc(2027, 12, 1, 17, 0),
    },
    "recurring_weekly_new_york.json": {
        # Tuesdays 10:00 New York since 9 March (EST, 15:00Z); 1 June is an EXDATE, so on
        # 1 June the series serves 8 June, 10:00 EDT = 14:00Z
        "event_id": "9f3k2m1n0p8q7r6s5t4u3v2w1x",
        "action": EventAction.UPDATE,
        "version": make_version(1, utc(2027, 5, 20, 9, 30)),
        "start": utc(2027, 6, 8, 14, 0),
        "end": utc(2027, 6, 8, 14, 45),
        "title": "Platform standup",
        "organizer": PRIYA,
        "attendees": (Person(email="li.wei@example.net", name="Li Wei"),),
        "previous_event_id": None,
        "recurrence": Recurrence(
            local_start=datetime(2027, 3, 9, 10, 0),
            duration_seconds=45 * 60,
            zone="America/New_York",
            rrules=("FREQ=WEEKLY;WKST=SU;BYDAY=TU",),
            exdates=(utc(2027, 6, 1, 14, 0),),
        ),
    },
    "cancelled_stub.json": {
        "event_id": "5v1q3b8ti2k6vuf0m9o7c3nq4g",
        "action": EventAction.CANCEL,
        "version": None,
        "start": None,
        "end": None,
        "title": None,
        "organizer": None,
        "attendees": (),
        "previous_event_id": None,
    },
    "cancelled_stub_no_kind.json": {
        "event_id": "7kq0j3f1a2b4c6d8e0g2h4i6j8",
        "action": EventAction.CANCEL,
        "version": None,
        "start": None,
        "end": None,
        "title": None,
        "organizer": None,
        "attendees": (),
        "previous_event_id": None,
    },
    "cancelled_event.json": {
        "event_id": "0d7m1kq2bql9j8v6eq3g5s2p1c",
        "action": EventAction.CANCEL,
        "version": make_version(3, utc(2027, 10, 8, 7, 45)),
        "start": utc(2027, 11, 18, 13, 30),
        "end": utc(2027, 11, 18, 14, 15),
        "title": "Design sync",
        "organizer": JANA,
        "attendees": (Person(email="alex@example.com", name="Alex Kim"),),
        "previous_event_id": None,
    },
    "cancelled_all_day.json": {
        "event_id": "2a4c6e8g0i2k4m6o8q0s2u4w6y",
        "action": EventAction.CANCEL,
        "version": make_version(1, utc(2027, 10, 8, 7, 45)),
        "start": None,
        "end": None,
        "title": "Offsite",
        "organizer": None,
        "attendees": (),
        "previous_event_id": None,
    },
    "unicode.json": {
        "event_id": "9u8n1c0d3e5f7g9h1i3j5k7l9m",
        "action": EventAction.CREATE,
        "version": make_version(None, utc(2027, 10, 1)),
        "start": utc(2027, 11, 19, 1, 0),
        "end": utc(2027, 11, 19, 2, 0),
        "title": "週次ミーティング 🚀 — Zoe\u0308's cafe\u0301",
        "organizer": Person(email="hana@example.jp", name="山田 花子"),
        "attendees": (
            Person(email="zoe@example.fr", name="Zoe\u0308 A\u030angstro\u0308m 👩\u200d💻"),
            Person(email="kim@example.kr", name="김민준"),
        ),
        "previous_event_id": None,
    },
}

REFUSALS: dict[str, tuple[type[RoomlinksError], str | None]] = {
    "refuse_all_day.json": (InvalidRequestError, "all-day-event"),
    "refuse_end_before_start.json": (InvalidRequestError, "end-before-start"),
    "refuse_already_over.json": (InvalidRequestError, "event-ended"),
    "refuse_malformed.json": (JsonParsingError, None),
    "refuse_missing_id.json": (InvalidRequestError, "missing-field"),
    "refuse_unknown_zone.json": (InvalidRequestError, "unknown-time-zone"),
    "refuse_missing_time_zone.json": (InvalidRequestError, "missing-time-zone"),
    # Google requires start.timeZone on recurring events: the zone the series repeats in
    "refuse_recurring_without_zone.json": (InvalidRequestError, "missing-time-zone"),
}


def test_unicode_survives_unnormalized() -> None:
    event = google.parse(fixture(SOURCE, "unicode.json"), JSON)
    assert event.title is not None
    assert "e\u0301" in event.title  # combining acute kept, not composed to é
    assert not unicodedata.is_normalized("NFC", event.title)
    assert [a.name for a in event.attendees] == [
        "Zoe\u0308 A\u030angstro\u0308m 👩\u200d💻",
        "김민준",
    ]


def test_occurrence_identity_ignores_series_id() -> None:
    event = google.parse(fixture(SOURCE, "recurring_instance.json"), JSON)
    assert event.event_id.endswith("_20271201T170000Z")
    assert event.event_id != "4h8q0vl2r5mkd3b1ej6s9c7t0a"


def _event(**changes: Any) -> bytes:
    base: dict[str, Any] = {
        "kind": "calendar#event",
        "id": "evt1",
        "status": "confirmed",
        "start": {"dateTime": "2027-11-16T10:00:00Z"},
        "end": {"dateTime": "2027-11-16T11:00:00Z"},
    }
    base.update(changes)
    return json.dumps(base).encode()


def test_offset_wins_over_time_zone() -> None:
    body = _event(
        start={"dateTime": "2027-11-16T10:00:00+05:30", "timeZone": "Europe/Berlin"},
        end={"dateTime": "2027-11-16T11:00:00+05:30", "timeZone": "Europe/Berlin"},
    )
    event = google.parse(body, JSON)
    assert (event.start, event.end) == (utc(2027, 11, 16, 4, 30), utc(2027, 11, 16, 5, 30))


def test_sequence_drives_create_or_update() -> None:
    assert google.parse(_event(sequence=0), JSON).action is EventAction.CREATE
    assert google.parse(_event(), JSON).action is EventAction.CREATE
    assert google.parse(_event(sequence=1), JSON).action is EventAction.UPDATE


@pytest.mark.parametrize("sequence", ["2", 1.5, True, -1])
def test_bad_sequence_is_refused(sequence: object) -> None:
    with pytest.raises(InvalidRequestError):
        google.parse(_event(sequence=sequence), JSON)


def test_missing_end_is_refused() -> None:
    body = json.loads(_event())
    del body["end"]
    with pytest.raises(InvalidRequestError) as caught:
        google.parse(json.dumps(body).encode(), JSON)
    assert caught.value.code == "missing-field"


def test_attendee_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        google.parse(_event(attendees=["alice@example.com"]), JSON)
    assert caught.value.code == "invalid-field"


def test_attendee_without_usable_address_is_skipped() -> None:
    attendees = [{"displayName": "No address"}, {"email": "not an address"}, {"email": "a@x.io"}]
    event = google.parse(_event(attendees=attendees), JSON)
    assert event.attendees == (Person(email="a@x.io"),)


def test_two_hundred_attendees() -> None:
    attendees: list[dict[str, Any]] = [
        {
            "email": f"person{i:03d}@example.com",
            "displayName": f"Person {i} 👋",
            "responseStatus": "accepted",
        }
        for i in range(200)
    ]
    attendees.insert(0, {"email": "org@example.com", "organizer": True, "self": True})
    body = _event(organizer={"email": "org@example.com"}, attendees=attendees)
    event = intake(SOURCE, body, JSON, NOW)
    assert [a.email for a in event.attendees] == [f"person{i:03d}@example.com" for i in range(200)]
    assert event.attendees[199].name == "Person 199 👋"
