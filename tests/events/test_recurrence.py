"""Recurring series: which occurrence a booking serves at a given moment.

Expected instants are computed by hand from the zones' published rules (EU: last Sundays of
March and October; US since 2007: second Sunday of March, first Sunday of November), never
from the code under test.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError
from chalicelib.events import generic, google, graph, ical, zapier
from chalicelib.events.graph_recurrence import graph_rule
from chalicelib.events.model import CalendarEvent, EventAction, Recurrence
from chalicelib.events.recurrence import (
    MAX_CANDIDATES,
    next_occurrence,
    resolve,
    series_zone,
    with_skipped,
)
from tests.events import fixture, intake, utc

ICS = "text/calendar"
JSON = "application/json"


def _series(source: str, name: str) -> CalendarEvent:
    event = importer(source)(fixture(source, name), ICS if source == "ical" else JSON)
    assert event.recurrence is not None
    return event


def importer(source: str) -> Any:
    return {"ical": ical.parse, "google": google.parse, "graph": graph.parse}[source]


# --- one weekly series across DST in two zones ---------------------------------------------

BERLIN_WEDNESDAYS = [
    # (now, expected start): Outlook series, Wednesdays 09:00-09:30 W. Europe, from 3 March 2027
    (utc(2027, 3, 1), utc(2027, 3, 3, 8, 0)),  # before the first: the first, CET
    (utc(2027, 3, 3, 8, 29), utc(2027, 3, 3, 8, 0)),  # running: still this one
    (utc(2027, 3, 3, 8, 30), utc(2027, 3, 10, 8, 0)),  # over at its end: the next
    (utc(2027, 3, 25), utc(2027, 3, 31, 7, 0)),  # after 28 March: 09:00 CEST
    (utc(2027, 10, 28), utc(2027, 11, 3, 8, 0)),  # after 31 October: 09:00 CET again
    (utc(2028, 3, 27), utc(2028, 3, 29, 7, 0)),  # 2028 change on 26 March
]
NEW_YORK_TUESDAYS = [
    # Google series, Tuesdays 10:00-10:45 America/New_York from 9 March 2027, EXDATE 1 June
    (utc(2027, 3, 10), utc(2027, 3, 16, 14, 0)),  # after 14 March: 10:00 EDT
    (utc(2027, 5, 31), utc(2027, 6, 8, 14, 0)),  # 1 June excluded
    (utc(2027, 11, 3), utc(2027, 11, 9, 15, 0)),  # after 7 November: 10:00 EST
]


@pytest.mark.parametrize(("now", "start"), BERLIN_WEDNESDAYS)
def test_berlin_series_keeps_its_wall_clock_time(now: datetime, start: datetime) -> None:
    event = _series("ical", "series_weekly_berlin_dst.ics")
    resolved = resolve(event, now)
    assert (resolved.start, resolved.end) == (start, start + timedelta(minutes=30))


@pytest.mark.parametrize(("now", "start"), NEW_YORK_TUESDAYS)
def test_new_york_series_keeps_its_wall_clock_time(now: datetime, start: datetime) -> None:
    event = _series("google", "recurring_weekly_new_york.json")
    resolved = resolve(event, now)
    assert (resolved.start, resolved.end) == (start, start + timedelta(minutes=45))


def test_a_series_begun_last_month_is_accepted_with_its_next_occurrence() -> None:
    now = utc(2027, 4, 12, 9, 0)  # the series began on 3 March
    event = intake("ical", fixture("ical", "series_weekly_berlin_dst.ics"), ICS, now)
    assert (event.start, event.end) == (utc(2027, 4, 14, 7, 0), utc(2027, 4, 14, 7, 30))
    assert event.recurrence is not None
    assert event.recurrence.local_start == datetime(2027, 3, 3, 9, 0)  # kept for later


def test_the_series_skips_exdates_and_overridden_slots() -> None:
    event = _series("ical", "series_exdate_and_override.ics")
    # 25 May is served; 1 June (EXDATE) and 8 June (moved) are skipped; 15 June is next
    assert resolve(event, utc(2027, 5, 25, 12, 0)).start == utc(2027, 5, 25, 13, 0)
    assert resolve(event, utc(2027, 5, 25, 14, 0)).start == utc(2027, 6, 15, 13, 0)


def test_a_count_limited_series_ends_with_its_last_occurrence() -> None:
    body = fixture("ical", "refuse_series_over.ics")  # COUNT=4 from 6 April, 10:00 EDT
    assert intake("ical", body, ICS, utc(2027, 4, 27, 14, 29)).start == utc(2027, 4, 27, 14, 0)
    with pytest.raises(InvalidRequestError) as caught:
        intake("ical", body, ICS, utc(2027, 4, 27, 14, 30))
    assert caught.value.code == "event-ended"


def test_until_is_compared_with_utc_instants() -> None:
    # Graph endDate 27 Dec 2027 covers that whole local day: its 12:00 EST occurrence counts
    event = _series("graph", "series_master_weekly.json")
    assert event.recurrence is not None
    assert next_occurrence(event.recurrence, utc(2027, 12, 21)) == (
        utc(2027, 12, 27, 17, 0),
        utc(2027, 12, 27, 17, 30),
    )
    assert next_occurrence(event.recurrence, utc(2027, 12, 27, 17, 30)) is None


def _recurrence(**changes: Any) -> Recurrence:
    fields: dict[str, Any] = {
        "local_start": datetime(2027, 1, 4, 9, 0),
        "duration_seconds": 3600,
        "zone": "Europe/Berlin",
        "rrules": ("FREQ=WEEKLY;BYDAY=MO",),
    }
    fields.update(changes)
    return Recurrence(**fields)


def test_utc_until_is_exact() -> None:
    # 09:00 CET = 08:00Z on Mondays; UNTIL one second before the 11 January occurrence
    series = _recurrence(rrules=("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270111T075959Z",))
    assert next_occurrence(series, utc(2027, 1, 5)) is None
    series = _recurrence(rrules=("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270111T080000Z",))
    assert next_occurrence(series, utc(2027, 1, 5)) == (utc(2027, 1, 11, 8), utc(2027, 1, 11, 9))


def test_rdates_add_occurrences_and_dtstart_always_counts() -> None:
    # DTSTART on a Monday with a Tuesday-only rule: DTSTART itself is the first occurrence
    series = _recurrence(rrules=("FREQ=WEEKLY;BYDAY=TU;COUNT=1",), rdates=(utc(2027, 1, 7, 15),))
    expected = [utc(2027, 1, 4, 8), utc(2027, 1, 5, 8), utc(2027, 1, 7, 15)]
    found = []
    now = utc(2027, 1, 1)
    while (occurrence := next_occurrence(series, now)) is not None:
        found.append(occurrence[0])
        now = occurrence[1]
    assert found == expected


def test_with_skipped_adds_a_slot() -> None:
    series = with_skipped(_recurrence(), utc(2027, 1, 4, 8, 0))
    assert series.skipped == (utc(2027, 1, 4, 8, 0),)
    assert next_occurrence(series, utc(2027, 1, 1)) == (utc(2027, 1, 11, 8), utc(2027, 1, 11, 9))


def test_a_stored_series_expands_without_the_body() -> None:
    event = _series("ical", "series_weekly_berlin_dst.ics")
    assert event.recurrence is not None
    stored = event.recurrence.model_dump_json()
    restored = Recurrence.model_validate_json(stored)
    assert restored == event.recurrence
    assert json.loads(stored)["local_start"] == "2027-03-03T09:00:00"
    assert next_occurrence(restored, utc(2027, 3, 25)) == (
        utc(2027, 3, 31, 7, 0),
        utc(2027, 3, 31, 7, 30),
    )
    assert series_zone(restored) is not None


def test_cancellations_and_single_events_pass_through() -> None:
    event = _series("ical", "series_weekly_berlin_dst.ics")
    cancelled = event.model_copy(update={"action": EventAction.CANCEL})
    assert resolve(cancelled, utc(2030, 1, 1)) is cancelled
    single = event.model_copy(update={"recurrence": None})
    assert resolve(single, utc(2030, 1, 1)) is single


def test_a_next_occurrence_beyond_the_horizon_is_too_far_ahead() -> None:
    series = _recurrence(rrules=("FREQ=YEARLY;INTERVAL=5",), local_start=datetime(2020, 1, 6, 9))
    with pytest.raises(InvalidRequestError) as caught:
        next_occurrence(series, utc(2021, 1, 1), horizon=timedelta(days=365))
    assert caught.value.code == "too-far-ahead"


def test_expansion_work_is_capped() -> None:
    series = _recurrence(rrules=("FREQ=DAILY;BYHOUR=0,6,12,18",), local_start=datetime(1990, 1, 1))
    with pytest.raises(InvalidRequestError) as caught:
        next_occurrence(series, utc(2027, 1, 1))
    assert caught.value.code == "too-many-occurrences"
    assert MAX_CANDIDATES < 4 * 365 * 37


# --- rules on arrival -----------------------------------------------------------------------


def _zap(**fields: Any) -> bytes:
    body = {"id": "z1", "start": "2027-11-01T09:00:00", "end": "2027-11-01T09:30:00"}
    body.update(fields)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("FREQ=MINUTELY", "unsupported-rrule"),  # a meeting does not repeat within a day
        ("FREQ=HOURLY;COUNT=3", "unsupported-rrule"),
        ("BYDAY=MO", "unsupported-rrule"),  # no FREQ
        ("FREQ=WEEKLY;BYDAY=XX", "invalid-rrule"),
        ("FREQ=WEEKLY;X-NAME=1", "invalid-rrule"),
        ("FREQ=WEEKLY;COUNT=0", "invalid-rrule"),
        ("FREQ=DAILY;INTERVAL=1000000000", "invalid-rrule"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "invalid-rrule"),
        ("FREQ=WEEKLY\nEXDATE:20271108T090000", "invalid-rrule"),
        # never matches: 30 February (dateutil alone would search up to year 9999)
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "invalid-rrule"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "invalid-rrule"),
        ("FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1", "invalid-rrule"),
    ],
)
def test_rules_are_checked_on_arrival(rule: str, code: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        zapier.parse(_zap(rrule=rule, timezone="Europe/Berlin"), JSON)
    assert caught.value.code == code


def test_many_impossible_rules_are_refused_at_once() -> None:
    lines = "\r\n".join(
        f"RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;INTERVAL={i}" for i in range(1, 60)
    )
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n"
        "DTSTART:20271101T090000Z\r\nDTEND:20271101T100000Z\r\n"
        f"{lines}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    with pytest.raises(InvalidRequestError) as caught:
        ical.parse(body, ICS)
    assert caught.value.code == "invalid-rrule"
    assert "at most 8" in caught.value.info


def test_a_rare_but_real_rule_is_accepted() -> None:
    # 29 February on a Monday: 2044 is the next after 2027
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"
    event = zapier.parse(_zap(rrule=rule, timezone="UTC"), JSON)
    assert event.recurrence is not None
    first = next_occurrence(event.recurrence, utc(2027, 11, 2), horizon=timedelta(days=7000))
    assert first == (utc(2044, 2, 29, 9, 0), utc(2044, 2, 29, 9, 30))


def test_zapier_rrule_repeats_in_the_given_zone() -> None:
    body = _zap(rrule="RRULE:FREQ=WEEKLY;BYDAY=MO", timezone="America/New_York")
    event = intake("zapier", body, JSON, utc(2027, 11, 9))  # after 7 Nov: EST
    assert (event.start, event.end) == (utc(2027, 11, 15, 14, 0), utc(2027, 11, 15, 14, 30))
    assert event.recurrence is not None
    assert event.recurrence.rrules == ("FREQ=WEEKLY;BYDAY=MO",)
    assert event.recurrence.zone == "America/New_York"


def test_zapier_rrule_without_a_zone_repeats_in_utc() -> None:
    body = _zap(start="2027-11-01T09:00:00Z", end="2027-11-01T09:30:00Z", rrule="FREQ=DAILY")
    event = intake("zapier", body, JSON, utc(2027, 11, 3, 10))
    assert event.start == utc(2027, 11, 4, 9, 0)


def test_generic_rrule_reads_times_in_time_zone() -> None:
    envelope = {
        "type": "calendar_event.created",
        "timestamp": "2027-10-01T00:00:00Z",
        "data": {
            "id": "g1",
            "start": "2027-03-22T18:00:00",
            "end": "2027-03-22T19:00:00",
            "time_zone": "Europe/London",
            "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=3",
        },
    }
    body = json.dumps(envelope).encode()
    # 22 March 18:00 GMT, 29 March 18:00 BST (UK change on 28 March), 5 April 18:00 BST
    assert intake("generic", body, JSON, utc(2027, 3, 23)).start == utc(2027, 3, 29, 17, 0)
    assert intake("generic", body, JSON, utc(2027, 3, 30)).start == utc(2027, 4, 5, 17, 0)
    with pytest.raises(InvalidRequestError) as caught:
        intake("generic", body, JSON, utc(2027, 4, 6))
    assert caught.value.code == "event-ended"
    assert generic.parse(body, JSON).recurrence is not None


def test_an_occurrence_longer_than_seven_days_is_refused() -> None:
    body = _zap(end="2027-11-09T09:30:00", rrule="FREQ=MONTHLY", timezone="UTC")
    with pytest.raises(InvalidRequestError) as caught:
        zapier.parse(body, JSON)
    assert caught.value.code == "too-long"


# --- Graph patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "bounds", "rule"),
    [
        ({"type": "daily", "interval": 2}, {"type": "noEnd"}, "FREQ=DAILY;INTERVAL=2"),
        (
            {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday", "friday"]},
            {"type": "numbered", "numberOfOccurrences": 10},
            "FREQ=WEEKLY;BYDAY=MO,FR;WKST=SU;INTERVAL=1;COUNT=10",
        ),
        (
            {"type": "absoluteMonthly", "interval": 3, "dayOfMonth": 15},
            {"type": "endDate", "endDate": "2028-06-30"},
            "FREQ=MONTHLY;BYMONTHDAY=15;INTERVAL=3;UNTIL=20280630",
        ),
        (
            {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday"], "index": "second"},
            {"type": "noEnd"},
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2;INTERVAL=1",
        ),
        (
            {"type": "absoluteYearly", "interval": 1, "month": 4, "dayOfMonth": 30},
            {"type": "noEnd"},
            "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=30;INTERVAL=1",
        ),
        (
            {"type": "relativeYearly", "interval": 1, "month": 11, "daysOfWeek": ["thursday"]},
            {"type": "noEnd"},
            "FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=1;INTERVAL=1",
        ),
    ],
)
def test_graph_patterns_become_rrules(
    pattern: dict[str, Any], bounds: dict[str, Any], rule: str
) -> None:
    assert graph_rule({"pattern": pattern, "range": bounds}) == rule


@pytest.mark.parametrize(
    "recurrence",
    [
        {"pattern": {"type": "hourly"}},
        {"pattern": {"type": "weekly", "daysOfWeek": []}},
        {"pattern": {"type": "weekly", "daysOfWeek": ["someday"]}},
        {"pattern": {"type": "absoluteMonthly", "dayOfMonth": 32}},
        {"pattern": {"type": "daily", "interval": 0}},
        {"pattern": {"type": "daily"}, "range": {"type": "endDate", "endDate": "soon"}},
        {"pattern": {"type": "daily"}, "range": {"type": "numbered"}},
    ],
)
def test_bad_graph_patterns_are_refused(recurrence: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        graph_rule(recurrence)
    assert caught.value.code == "invalid-rrule"


def test_graph_occurrences_stay_single_bookings() -> None:
    body = json.loads(fixture("graph", "series_master_weekly.json"))
    body.update(
        type="exception",
        id="AAMkAGI1AAAt9AHjEXCEPTION=",
        seriesMasterId="AAMkAGI1AAAt9AHjSERIESAAA=",
        originalStart="2027-06-07T16:00:00Z",
    )
    event = graph.parse(json.dumps(body).encode(), JSON)
    assert event.recurrence is None
    assert (event.series_event_id, event.original_start) == (
        "AAMkAGI1AAAt9AHjSERIESAAA=",
        utc(2027, 6, 7, 16, 0),
    )
