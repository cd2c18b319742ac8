"""Issue 12's single-request failures, with the exact inputs that once gave a 5xx.

Every one must now be a refusal in the contract's shape: a ``RoomlinksError`` below 500 with
the ``code`` a program can act on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError, PayloadTooLargeError
from chalicelib.events import calcom, calendly, generic, google, graph, ical, zapier
from chalicelib.events.model import (
    DEFAULT_HORIZON,
    MAX_ATTENDEES,
    MAX_SEQUENCE,
    CalendarEvent,
    EventAction,
    check_schedule,
    make_version,
)
from chalicelib.events.timeparse import resolve_zone
from tests.events import intake, utc

JSON = "application/json"
ICS = "text/calendar"
NOW = utc(2027, 6, 1, 12, 0)
PROJECT = Path(__file__).resolve().parents[2]
JSON_PARSERS = [
    zapier.parse,
    google.parse,
    graph.parse,
    calcom.parse,
    calendly.parse,
    generic.parse,
]


def _zap(**fields: Any) -> bytes:
    body = {"id": "z1", "start": "2027-11-01T09:00:00Z", "end": "2027-11-01T09:30:00Z"}
    body.update(fields)
    return json.dumps(body).encode()


def _calendar(*lines: str) -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "BEGIN:VEVENT", "UID:h@x"]
    return ("\r\n".join([*head, *lines, "END:VEVENT", "END:VCALENDAR"]) + "\r\n").encode()


def _refused(call: Any, code: str | None, error: type[Exception] = InvalidRequestError) -> None:
    with pytest.raises(error) as caught:
        call()
    assert getattr(caught.value, "status", 500) < 500
    assert getattr(caught.value, "code", None) == code


# 1. deep JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("parse", JSON_PARSERS)
def test_json_nested_beyond_the_stack_is_unparseable(parse: Any) -> None:
    body = b'{"id":"x","a":' + b"[" * 1000 + b"]" * 1000 + b"}"
    _refused(lambda: parse(body, JSON), None, JsonParsingError)


@pytest.mark.parametrize("depth", [900, 950, 970, 5000])
def test_deeply_nested_objects_never_fail_the_server(depth: int) -> None:
    # zapier flattens nested objects recursively
    body = b'{"id":"x","a":' + b'{"b":' * depth + b"1" + b"}" * depth + b"}"
    with pytest.raises((InvalidRequestError, JsonParsingError)):
        zapier.parse(body, JSON)


# 2. out-of-range times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"start": "9999-12-31T22:00:00-05:00"},
        {"start": "0001-01-01T00:00:00+05:00"},
        {"start": "9999-12-31T23:00:00", "timezone": "America/New_York"},
        {"end": "9999-12-31T23:55:00Z"},
        {"start": "1899-12-31T23:59:59Z"},
        {"updated": "2200-01-01T00:00:00Z"},
    ],
)
def test_times_outside_the_supported_range(fields: dict[str, str]) -> None:
    _refused(lambda: zapier.parse(_zap(**fields), JSON), "time-out-of-range")


def test_ical_duration_that_overflows() -> None:
    body = _calendar("DTSTAMP:20271020T120000Z", "DTSTART:20271201T090000Z", "DURATION:P3000000D")
    _refused(lambda: ical.parse(body, ICS), "time-out-of-range")


@pytest.mark.parametrize("timestamp", ["NaN", "Infinity", "-Infinity", "1e20", "253402300800"])
def test_generic_timestamps_out_of_range(timestamp: str) -> None:
    body = (
        '{"type":"calendar_event.created","timestamp":' + timestamp + ',"data":{"id":"g",'
        '"start":"2027-11-01T09:00:00Z","end":"2027-11-01T10:00:00Z"}}'
    ).encode()
    _refused(lambda: generic.parse(body, JSON), "time-out-of-range")


# 3. zone names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    ["America", "Europe", "Etc", "a" * 300, "../../etc/passwd", "/etc/localtime", "localtime"],
)
def test_zone_names_that_are_not_zones(zone: str) -> None:
    body = _zap(start="2027-11-01T09:00:00", end="2027-11-01T10:00:00", timezone=zone)
    _refused(lambda: zapier.parse(body, JSON), "unknown-time-zone")
    graph_body = json.dumps(
        {
            "id": "g",
            "start": {"dateTime": "2027-11-01T09:00:00", "timeZone": zone},
            "end": {"dateTime": "2027-11-01T10:00:00", "timeZone": zone},
        }
    ).encode()
    _refused(lambda: graph.parse(graph_body, JSON), "unknown-time-zone")


@pytest.mark.parametrize("tzid", ["/etc/localtime", "America", "Etc", "x" * 300, "../zoneinfo"])
def test_ical_tzids_that_are_not_zones(tzid: str) -> None:
    body = _calendar(f"DTSTART;TZID={tzid}:20271201T090000", f"DTEND;TZID={tzid}:20271201T100000")
    _refused(lambda: ical.parse(body, ICS), "unknown-time-zone")


def test_zone_names_are_matched_without_regard_to_case() -> None:
    assert resolve_zone("europe/berlin") == resolve_zone("Europe/Berlin")
    assert resolve_zone("w. europe standard time") == resolve_zone("Europe/Berlin")


# 4. versions -------------------------------------------------------------------------------


def test_huge_versions_are_refused_before_anything_is_stored() -> None:
    zap = _zap(sequence="100000000000000000000000000")
    _refused(lambda: zapier.parse(zap, JSON), "invalid-version")
    event = {
        "id": "g",
        "sequence": 10**30,
        "start": {"dateTime": "2027-11-01T09:00:00Z"},
        "end": {"dateTime": "2027-11-01T10:00:00Z"},
    }
    _refused(lambda: google.parse(json.dumps(event).encode(), JSON), "invalid-version")
    body = _calendar("DTSTAMP:20271020T120000Z", "DTSTART:20271201T090000Z", "SEQUENCE:2000000")
    _refused(lambda: ical.parse(body, ICS), "invalid-version")
    # icalendar itself reads a 39-digit SEQUENCE as malformed
    body = _calendar("DTSTAMP:20271020T120000Z", "DTSTART:20271201T090000Z", "SEQUENCE:" + "9" * 39)
    _refused(lambda: ical.parse(body, ICS), None, JsonParsingError)


def test_the_largest_version_fits_a_dynamodb_number() -> None:
    largest = make_version(MAX_SEQUENCE, datetime(2199, 12, 31, 23, 59, 59, 999999).astimezone())
    assert largest is not None
    assert len(str(largest)) <= 38
    assert make_version(MAX_SEQUENCE, None) == MAX_SEQUENCE * 10**13
    _refused(lambda: make_version(MAX_SEQUENCE + 1), "invalid-version")


# 5. attendees ------------------------------------------------------------------------------


def test_more_than_a_thousand_attendees_is_413() -> None:
    people = ",".join(f"p{i}@example.org" for i in range(MAX_ATTENDEES + 1))
    _refused(
        lambda: zapier.parse(_zap(attendees=people), JSON),
        "too-many-attendees",
        PayloadTooLargeError,
    )
    with pytest.raises(PayloadTooLargeError) as caught:
        zapier.parse(_zap(attendees=people), JSON)
    assert caught.value.status == 413


def test_a_thousand_attendees_and_duplicates_are_fine() -> None:
    people = [f"p{i}@example.org" for i in range(MAX_ATTENDEES)]
    event = zapier.parse(_zap(attendees=",".join(people + people[:50])), JSON)
    assert len(event.attendees) == MAX_ATTENDEES


# 6. charsets -------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["punycode", "idna", "zip", "rot13", "undefined", "x\x00y"])
def test_charsets_that_are_not_text_are_unparseable(charset: str) -> None:
    body = _calendar("DTSTAMP:20271020T120000Z", "DTSTART:20271201T090000Z") + b"\xff\xfe"
    _refused(lambda: ical.parse(body, f"text/calendar; charset={charset}"), None, JsonParsingError)


# the schedule's own limits -----------------------------------------------------------------


def _event(start: datetime, end: datetime) -> CalendarEvent:
    return CalendarEvent(
        source="zapier", event_id="e", action=EventAction.CREATE, start=start, end=end
    )


@pytest.mark.parametrize(
    ("start", "length", "code"),
    [
        (NOW + DEFAULT_HORIZON + timedelta(minutes=1), timedelta(hours=1), "too-far-ahead"),
        (NOW + timedelta(days=1), timedelta(days=7, seconds=1), "too-long"),
        (NOW - timedelta(hours=2), timedelta(hours=1), "event-ended"),
        (NOW + timedelta(days=1), timedelta(0), "end-before-start"),
    ],
)
def test_schedule_limits(start: datetime, length: timedelta, code: str) -> None:
    _refused(lambda: check_schedule(_event(start, start + length), NOW), code)


def test_schedule_limits_hold_at_their_edges() -> None:
    check_schedule(_event(NOW + DEFAULT_HORIZON, NOW + DEFAULT_HORIZON + timedelta(days=7)), NOW)


def test_an_event_far_ahead_through_the_intake() -> None:
    body = _zap(start="2030-01-01T09:00:00Z", end="2030-01-01T10:00:00Z")
    _refused(lambda: intake("zapier", body, JSON, NOW), "too-far-ahead")


# 8. concurrent first use -------------------------------------------------------------------

CONCURRENT_FIRST_USE = """
import threading
from datetime import UTC, datetime
from chalicelib.events import recurrence, timeparse
from chalicelib.events.model import Recurrence

errors = []
barrier = threading.Barrier(16)
series = Recurrence(local_start=datetime(2027, 1, 4, 9), duration_seconds=60, zone="UTC",
                    rrules=("FREQ=WEEKLY",))

def first_use():
    barrier.wait()
    try:
        timeparse.resolve_zone("W. Europe Standard Time")
        recurrence.next_occurrence(series, datetime(2027, 2, 1, tzinfo=UTC))
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=first_use) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors)
"""


def test_concurrent_first_use_of_lazy_imports() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CONCURRENT_FIRST_USE],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "[]"
