"""Fuzz: every source's fixtures mutated field by field never make a parser fail the server.

For each body the intake path (parse, resolve a series, check the schedule) either yields a
``CalendarEvent`` that can be stored (JSON) and expanded later, or raises ``IgnoredDelivery``,
or raises a ``RoomlinksError`` below 500 with one of the contract's error types. Any other
exception fails the test. Seeded (``derandomize``) and bounded, so ``make test`` stays fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.errors import RoomlinksError
from chalicelib.events.model import CalendarEvent, IgnoredDelivery
from chalicelib.events.recurrence import next_occurrence
from chalicelib.events.timeparse import EARLIEST, LATEST
from tests.events import FIXTURES, NOW, fixture, fixture_names, intake

CONTRACT_ERRORS = {"json-parsing-error", "invalid-request-error", "payload-too-large"}
DEEP = "__deeply_nested__"
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ZAPIER_BODIES = [
    {
        "id": "zap-1",
        "summary": "Design review",
        "start__dateTime": "2027-11-01T09:00:00",
        "start__timeZone": "Europe/Berlin",
        "end__dateTime": "2027-11-01T09:30:00",
        "organizer__email": "lead@example.com",
        "attendees": "a@example.com, Bob <b@example.com>",
        "sequence": "2",
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=5",
        "early_join_minutes": "5",
    },
    {
        "event_id": "zap-2",
        "start": {"dateTime": "2027-11-01T09:00:00Z"},
        "end": {"dateTime": "2027-11-01T10:00:00Z"},
        "attendees": [{"email": "a@example.com", "name": "A"}, "c@example.com"],
        "status": "updated",
        "updated": "2027-10-01T00:00:00Z",
    },
]
GENERIC_BODIES = [
    {
        "type": "calendar_event.created",
        "timestamp": 1801000000,
        "data": {
            "id": "gen-1",
            "title": "Sync",
            "start": "2027-11-01T09:00:00",
            "end": "2027-11-01T10:00:00",
            "time_zone": "America/New_York",
            "rrule": "RRULE:FREQ=DAILY;INTERVAL=2",
            "organizer": {"email": "o@example.com", "name": "O"},
            "attendees": [{"email": "a@example.com", "name": "A"}],
        },
    },
]

NASTY_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "9999-12-31T22:00:00-05:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59",
            "2027-02-30T10:00:00Z",
            "2027-11-01",
            "2027-11-01T09:00:00.1234567",
            "America",
            "/etc/localtime",
            "../../etc/passwd",
            "W. Europe Standard Time",
            "tzone://Microsoft/Custom",
            "a" * 300,
            "FREQ=SECONDLY",
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=WEEKLY;COUNT=99999999999999999999",
            "RRULE:FREQ=YEARLY;UNTIL=20271301",
            "PING",
            "invitee.canceled",
            "invitee_no_show.created",
            "seriesMaster",
            "cancelled",
            "active",
            "mailto:",
            "x@",
            "100000000000000000000000000",
            "NaN",
        ]
    ),
    st.text(max_size=30),
)
SMALL_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), NASTY_TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY_TEXT, inner, max_size=3),
    max_leaves=6,
)
NASTY_JSON = st.one_of(
    SMALL_JSON,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**30, -1, 0, 2**63, 1e20, 253402300800, DEEP]),
    st.builds(lambda n: ",".join(f"p{i}@example.org" for i in range(n)), st.integers(990, 1010)),
)

ICAL_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "20271301T250000",
            "99991231T235959Z",
            "00010101T000000",
            "20271201",
            "P3000000D",
            "-PT1H",
            "FREQ=SECONDLY",
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=WEEKLY;UNTIL=garbage",
            "FREQ=WEEKLY;INTERVAL=1000000",
            "mailto:",
            "9" * 40,
            "America",
            "COUNTER",
            "CANCEL",
        ]
    ),
    st.text(max_size=20).filter(lambda text: "\n" not in text and "\r" not in text),
)
ICAL_TZIDS = st.sampled_from(
    ["/etc/localtime", "America", "/Europe/Stockholm", "Customized Time Zone", "x" * 300, "Eastern"]
)
ICAL_LINES = st.sampled_from(
    [
        "RRULE:FREQ=DAILY;COUNT=3",
        "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "RRULE:FREQ=MINUTELY",
        "RDATE;VALUE=PERIOD:20271201T090000Z/PT1H",
        "RDATE;TZID=America:20271201T090000",
        "EXDATE;VALUE=DATE:20271201",
        "EXDATE:garbage",
        "RECURRENCE-ID:20271201T090000Z",
        "DURATION:P3000000D",
        "SEQUENCE:2000000",
        "METHOD:COUNTER",
        "BEGIN:VTIMEZONE",
        "END:VTIMEZONE",
        "TZID:Customized Time Zone",
        "TZOFFSETTO:+9999",
        "BEGIN:DAYLIGHT",
        "END:DAYLIGHT",
        "BEGIN:VEVENT",
        "END:VEVENT",
    ]
)


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _json_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _json_paths(item, (*path, index))
    return paths


def _mutate_json(draw: st.DrawFn, document: Any) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        paths = _json_paths(document)
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        container = document
        for step in parents:
            container = container[step]
        if isinstance(container, dict) and draw(st.booleans()):
            del container[last]
        else:
            container[last] = draw(NASTY_JSON)
    text = json.dumps(document, allow_nan=True)
    return text.replace(f'"{DEEP}"', "[" * 1200 + "]" * 1200).encode()


def _mutate_ical(draw: st.DrawFn, body: bytes) -> bytes:
    lines = re.sub(rb"\r?\n[ \t]", b"", body).decode("utf-8", "replace").splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        name, _, value = lines[index].partition(":")
        change = draw(st.sampled_from(["value", "tzid", "drop", "copy", "insert"]))
        if change == "value":
            lines[index] = f"{name}:{draw(ICAL_VALUES)}"
        elif change == "tzid":
            lines[index] = f"{name.split(';')[0]};TZID={draw(ICAL_TZIDS)}:{value}"
        elif change == "drop":
            del lines[index]
        elif change == "copy":
            lines.insert(index, lines[index])
        else:
            lines.insert(index, draw(ICAL_LINES))
        if not lines:
            break
    return ("\r\n".join(lines) + "\r\n").encode()


def _bases(source: str) -> list[bytes]:
    synthetic = {"zapier": ZAPIER_BODIES, "generic": GENERIC_BODIES}.get(source)
    if synthetic is not None:
        return [json.dumps(body).encode() for body in synthetic]
    bodies = [fixture(source, name) for name in sorted(fixture_names(source))]
    if source == "ical":
        return bodies
    return [body for body in bodies if _is_json(body)]  # the malformed ones are tested as such


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _outcome(call: Callable[[], Any]) -> Any:
    """What ``call`` returned, or the ignored/refused delivery it raised; anything else
    propagates and fails the test."""
    try:
        return call()
    except (IgnoredDelivery, RoomlinksError) as answered:
        return answered


def _assert_contract_answer(source: str, body: bytes, content_type: str) -> None:
    outcome = _outcome(lambda: intake(source, body, content_type, NOW))
    if isinstance(outcome, IgnoredDelivery):
        assert 0 < len(outcome.reason) <= 200
        return
    if isinstance(outcome, RoomlinksError):
        assert outcome.status < 500
        assert outcome.error in CONTRACT_ERRORS
        return
    assert isinstance(outcome, CalendarEvent)
    for instant in (outcome.start, outcome.end, outcome.original_start):
        assert instant is None or EARLIEST <= instant < LATEST
    CalendarEvent.model_validate_json(outcome.model_dump_json())  # storable as it is
    if outcome.recurrence is not None:  # the reconcile job expands it later
        series = outcome.recurrence
        later = _outcome(lambda: next_occurrence(series, NOW + timedelta(days=400)))
        assert not isinstance(later, RoomlinksError) or later.status < 500


SOURCES = ["zapier", "generic", "google", "graph", "ical", "calcom", "calendly"]


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_mutated_bodies_never_fail_the_server(source: str, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(_bases(source)), label="fixture")
    if source == "ical":
        body = _mutate_ical(data.draw, base)
        charset = data.draw(st.sampled_from(["utf-8", "utf-8", "punycode", "latin-1", "bogus"]))
        content_type = f"text/calendar; charset={charset}"
    else:
        body = _mutate_json(data.draw, json.loads(base))
        content_type = data.draw(
            st.sampled_from(["application/json", "application/x-www-form-urlencoded"])
            if source == "zapier"
            else st.just("application/json")
        )
    _assert_contract_answer(source, body, content_type)


def test_every_source_has_bodies_to_fuzz() -> None:
    assert all(_bases(source) for source in SOURCES)
    assert {path.name for path in FIXTURES.iterdir() if path.is_dir()} <= set(SOURCES)
