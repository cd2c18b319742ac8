"""Microsoft Graph event resources → CalendarEvent."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError, RoomlinksError
from chalicelib.events import graph
from chalicelib.events.model import EventAction, Person, Recurrence, make_version
from tests.events import NOW, fixture, intake, utc

SOURCE = "graph"
JSON = "application/json"

MEGAN = Person(email="megan@contoso.com", name="Megan Bowen")

EXPECTED: dict[str, dict[str, Any]] = {
    "single_instance.json": {
        "event_id": "AAMkAGI1AAAt9AHjAAA=",
        "action": EventAction.CREATE,
        # seven fractional digits: microseconds keep six, the version keeps milliseconds
        "version": make_version(updated=utc(2027, 10, 5, 17, 52, 2, 123456)),
        # "Pacific Standard Time" → America/Los_Angeles, PST (-08:00) in November
        "start": utc(2027, 11, 16, 17, 30),
        "end": utc(2027, 11, 16, 19, 0),
        "title": "Plan summer company picnic",
        "organizer": MEGAN,
        # the room (type resource) and the organizer dropped; the declined attendee kept
        "attendees": (
            Person(email="AdeleV@contoso.com", name="Adele Vance"),
            Person(email="AlexW@contoso.com", name="Alex Wilber"),
        ),
        "previous_event_id": None,
    },
    "utc_default.json": {
        "event_id": "AAMkADAGAADDdm4NAAA=",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 6, 8, 0)),
        "start": utc(2027, 11, 17, 13, 0),
        "end": utc(2027, 11, 17, 13, 25, 30, 500000),
        "title": "Customer call",
        "organizer": Person(email="LeeG@contoso.com", name="Lee Gu"),
        # an entry without an address (e.g. a distribution list) cannot get a link: skipped
        "attendees": (Person(email="customer@fabrikam.com", name="customer@fabrikam.com"),),
        "previous_event_id": None,
        # an occurrence stays a single booking; Graph gave no originalStart here
        "series_event_id": "AAMkADAGAAAAAA==",
    },
    "series_master_weekly.json": {
        # Mondays from 1 March, 17:00Z = 12:00 EST; the series repeats at 12:00 New York,
        # so on Tuesday 1 June it serves Monday 7 June, 12:00 EDT = 16:00Z
        "event_id": "AAMkAGI1AAAt9AHjSERIESAAA=",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 5, 18, 12, 0)),
        "start": utc(2027, 6, 7, 16, 0),
        "end": utc(2027, 6, 7, 16, 30),
        "title": "Weekly pipeline review",
        "organizer": Person(email="megan@contoso.com", name="Megan Bowen"),
        "attendees": (Person(email="AdeleV@contoso.com", name="Adele Vance"),),
        "previous_event_id": None,
        "recurrence": Recurrence(
            local_start=datetime(2027, 3, 1, 12, 0),
            duration_seconds=30 * 60,
            zone="America/New_York",
            rrules=("FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;UNTIL=20271227",),
        ),
    },
    "series_master_relative_monthly.json": {
        # the last Thursday of each month at 10:00 in "W. Europe Standard Time" (Graph's
        # originalStartTimeZone is tzone://Microsoft/Custom, so the range's zone decides):
        # 28 Jan 09:00Z = 10:00 CET; on 1 June the next is 24 June, 10:00 CEST = 08:00Z
        "event_id": "AAMkAGI1AAAt9AHjMONTHLYAAA=",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 1, 10, 9, 5)),
        "start": utc(2027, 6, 24, 8, 0),
        "end": utc(2027, 6, 24, 9, 0),
        "title": "Monatsabschluss",
        "organizer": Person(email="lena.vogel@contoso.de", name="Lena Vogel"),
        "attendees": (),
        "previous_event_id": None,
        "recurrence": Recurrence(
            local_start=datetime(2027, 1, 28, 10, 0),
            duration_seconds=60 * 60,
            zone="Europe/Berlin",
            rrules=("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=-1;INTERVAL=1;COUNT=12",),
        ),
    },
    "windows_zone.json": {
        "event_id": "AAMkADAGAADDdm4OAAA=",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 7, 10, 11, 12, 999999)),
        # "W. Europe Standard Time" → Europe/Berlin, CET (+01:00)
        "start": utc(2027, 11, 22, 7, 0),
        "end": utc(2027, 11, 22, 7, 30),
        "title": "Standort-Abstimmung",
        "organizer": Person(email="lena.vogel@contoso.de", name="Lena Vogel"),
        "attendees": (Person(email="juergen.weiss@contoso.de", name="Jürgen Weiß"),),
        "previous_event_id": None,
    },
    "cancelled.json": {
        "event_id": "AAMkAGI1AAAt9AHjAAA=",
        "action": EventAction.CANCEL,
        "version": make_version(updated=utc(2027, 10, 9, 6, 0)),
        "start": utc(2027, 11, 16, 17, 30),
        "end": utc(2027, 11, 16, 19, 0),
        "title": "Canceled: Plan summer company picnic",
        "organizer": MEGAN,
        "attendees": (Person(email="AdeleV@contoso.com", name="Adele Vance"),),
        "previous_event_id": None,
    },
    "unicode.json": {
        "event_id": "AAMkAGUnicode0001AAA=",
        "action": EventAction.CREATE,
        "version": make_version(updated=utc(2027, 10, 10, 1, 2, 3)),
        # "Tokyo Standard Time" → Asia/Tokyo (+09:00)
        "start": utc(2027, 11, 24, 1, 0),
        "end": utc(2027, 11, 24, 1, 45),
        "title": "プロジェクト会議 🎉 Re\u0301sume\u0301",
        "organizer": Person(email="ken.sato@contoso.jp", name="佐藤 健 🙂"),
        "attendees": (
            Person(email="ha@contoso.vn", name="Đa\u0306\u0323ng Thu Ha\u0300"),
            Person(email="xiaoming@contoso.cn", name="王小明"),
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
}


def test_unicode_survives_unnormalized() -> None:
    event = graph.parse(fixture(SOURCE, "unicode.json"), JSON)
    assert event.title == "プロジェクト会議 🎉 Re\u0301sume\u0301"
    assert event.attendees[0].name is not None
    assert not unicodedata.is_normalized("NFC", event.attendees[0].name)


def _event(**changes: Any) -> bytes:
    base: dict[str, Any] = {
        "@odata.etag": 'W/"abc"',
        "id": "AAMkTest=",
        "subject": "Test",
        "isAllDay": False,
        "isCancelled": False,
        "start": {"dateTime": "2027-11-16T10:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2027-11-16T11:00:00.0000000", "timeZone": "UTC"},
    }
    base.update(changes)
    return json.dumps(base).encode()


def test_cancelled_all_day_event_is_a_cancel_without_times() -> None:
    event = graph.parse(_event(isAllDay=True, isCancelled=True), JSON)
    assert (event.action, event.start, event.end) == (EventAction.CANCEL, None, None)


def test_missing_time_zone_is_refused() -> None:
    body = _event(start={"dateTime": "2027-11-16T10:00:00.0000000"})
    with pytest.raises(InvalidRequestError) as caught:
        graph.parse(body, JSON)
    assert caught.value.code == "missing-time-zone"


def test_missing_start_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        graph.parse(_event(start=None), JSON)
    assert caught.value.code == "missing-field"


def test_no_last_modified_means_no_version() -> None:
    assert graph.parse(_event(), JSON).version is None


def test_dst_overlap_takes_the_first_occurrence() -> None:
    # 01:30 on 2027-11-07 happens twice in Los Angeles; RFC 5545 picks PDT (-07:00).
    body = _event(
        start={"dateTime": "2027-11-07T01:30:00.0000000", "timeZone": "Pacific Standard Time"},
        end={"dateTime": "2027-11-07T03:00:00.0000000", "timeZone": "Pacific Standard Time"},
    )
    event = graph.parse(body, JSON)
    assert (event.start, event.end) == (utc(2027, 11, 7, 8, 30), utc(2027, 11, 7, 11, 0))


def test_two_hundred_attendees() -> None:
    attendees: list[dict[str, Any]] = [
        {
            "type": "required" if i % 2 else "optional",
            "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": f"用户 {i}", "address": f"user{i:03d}@contoso.com"},
        }
        for i in range(200)
    ]
    attendees.append(
        {"type": "resource", "emailAddress": {"name": "Room", "address": "room@contoso.com"}}
    )
    event = intake(SOURCE, _event(attendees=attendees), JSON, NOW)
    assert [a.email for a in event.attendees] == [f"user{i:03d}@contoso.com" for i in range(200)]
    assert event.attendees[-1].name == "用户 199"
