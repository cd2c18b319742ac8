"""Property tests for local-time handling (RFC 5545 §3.3.5) and parser agreement.

The expected UTC instant is derived independently of ``localize``: scan the UTC instants around
the wall time, keep those whose local wall time in the zone equals it, and take the earliest
(overlap → first occurrence). When there is none (a gap), the wall time is read with the UTC
offset in force just before the gap.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from chalicelib.events import google, graph, ical
from chalicelib.events.timeparse import localize, resolve_zone
from tests.events import utc

# The tz database's own keys: available_timezones() also lists host files such as "localtime"
# (the server's zone), which are not zone names and are refused.
IANA_ZONES = sorted(
    available_timezones()
    & set(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())
)
WINDOWS_ZONES = sorted(WINDOWS_TO_OLSON)
EARLIEST = datetime(1970, 1, 2)
LATEST = datetime(2100, 12, 30)

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    """The local wall-clock time of a naive-UTC instant."""
    return instant.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _offset(instant: datetime, zone: tzinfo) -> timedelta:
    offset = instant.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def expected_utc(naive: datetime, zone: tzinfo) -> datetime:
    """RFC 5545 §3.3.5 by scanning, as a naive UTC datetime."""
    samples = [
        (instant, _offset(instant, zone))
        for instant in (naive - timedelta(hours=30, minutes=-15 * i) for i in range(241))
    ]
    candidates = {naive - offset for _, offset in samples}
    matches = [instant for instant in candidates if _wall(instant, zone) == naive]
    if matches:
        return min(matches)
    for (before, offset_before), (after, _) in pairwise(samples):
        if before + offset_before < naive < _wall(after, zone):
            return naive - offset_before
    raise AssertionError(f"no instant and no gap found for {naive} in {zone}")


@lru_cache(maxsize=4096)
def _transitions(zone_name: str, year: int) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(UTC instant, offset before, offset after) of every offset change in one year."""
    zone = ZoneInfo(zone_name)
    days = [datetime(year, 1, 1) + timedelta(days=d) for d in range(367)]
    found = []
    for low, high in pairwise(days):
        before, after = _offset(low, zone), _offset(high, zone)
        if before == after:
            continue
        lo, hi = low, high
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            lo, hi = (mid, hi) if _offset(mid, zone) == before else (lo, mid)
        found.append((hi.replace(microsecond=0), before, after))
    return tuple(found)


@st.composite
def wall_times(draw: st.DrawFn, zone_name: str) -> datetime:
    """A naive wall time in 1970–2100; about half the draws sit within 2 h of a transition."""
    if draw(st.booleans()):
        year = draw(st.integers(1970, 2099))
        transitions = _transitions(zone_name, year)
        if transitions:
            instant, before, after = draw(st.sampled_from(transitions))
            local = instant + draw(st.sampled_from((before, after)))
            return local + timedelta(seconds=draw(st.integers(-7200, 7200)))
    return draw(st.datetimes(min_value=EARLIEST, max_value=LATEST))


@st.composite
def zone_and_wall_time(draw: st.DrawFn, names: list[str]) -> tuple[str, datetime]:
    name = draw(st.sampled_from(names))
    iana = WINDOWS_TO_OLSON.get(name, name)
    return name, draw(wall_times(iana))


@PROPERTY_SETTINGS
@given(zone_and_wall_time(IANA_ZONES))
def test_localize_follows_rfc5545(case: tuple[str, datetime]) -> None:
    zone_name, naive = case
    zone = ZoneInfo(zone_name)
    result = localize(naive, zone)
    assert result.tzinfo is UTC
    assert result.replace(tzinfo=None) == expected_utc(naive, zone)


def _ical_body(zone_name: str, start: datetime, end: datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//roomlinks property tests//EN",
        "BEGIN:VEVENT",
        "UID:prop@example.org",
        "DTSTAMP:20270101T000000Z",
        f'DTSTART;TZID="{zone_name}":{start:%Y%m%dT%H%M%S}',
        f'DTEND;TZID="{zone_name}":{end:%Y%m%dT%H%M%S}',
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def _graph_body(zone_name: str, start: datetime, end: datetime) -> bytes:
    return json.dumps(
        {
            "id": "AAMkProp=",
            "start": {"dateTime": f"{start:%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": zone_name},
            "end": {"dateTime": f"{end:%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": zone_name},
        }
    ).encode()


def _google_body(zone_name: str, start: datetime, end: datetime) -> bytes:
    return json.dumps(
        {
            "id": "prop",
            "start": {"dateTime": f"{start:%Y-%m-%dT%H:%M:%S}", "timeZone": zone_name},
            "end": {"dateTime": f"{end:%Y-%m-%dT%H:%M:%S}", "timeZone": zone_name},
        }
    ).encode()


@PROPERTY_SETTINGS
@given(zone_and_wall_time(IANA_ZONES + WINDOWS_ZONES))
def test_parsers_agree_on_wall_time_and_zone(case: tuple[str, datetime]) -> None:
    zone_name, naive = case
    start = naive.replace(microsecond=0)
    end = start + timedelta(hours=1)
    from_ical = ical.parse(_ical_body(zone_name, start, end), "text/calendar")
    from_graph = graph.parse(_graph_body(zone_name, start, end), "application/json")
    from_google = google.parse(_google_body(zone_name, start, end), "application/json")
    assert from_ical.start == from_graph.start == from_google.start
    assert from_ical.end == from_graph.end == from_google.end
    assert from_ical.start is not None
    zone = resolve_zone(zone_name)
    assert from_ical.start.replace(tzinfo=None) == expected_utc(start, zone)


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        # occurs twice (fall-back): the first occurrence, EDT → 05:30Z
        (datetime(2007, 11, 4, 1, 30), utc(2007, 11, 4, 5, 30)),
        # does not exist (spring-forward): the offset before the gap, EST → 07:30Z
        (datetime(2007, 3, 11, 2, 30), utc(2007, 3, 11, 7, 30)),
    ],
)
def test_rfc5545_new_york_examples(wall: datetime, expected: datetime) -> None:
    zone_name = "America/New_York"
    assert localize(wall, ZoneInfo(zone_name)) == expected
    assert expected_utc(wall, ZoneInfo(zone_name)) == expected.replace(tzinfo=None)
    event = ical.parse(_ical_body(zone_name, wall, wall + timedelta(hours=2)), "text/calendar")
    assert event.start == expected
    event = graph.parse(_graph_body("Eastern Standard Time", wall, wall), "application/json")
    assert event.start == expected


def test_transition_finder_sees_new_york_2007() -> None:
    found = _transitions("America/New_York", 2007)
    assert [instant for instant, _, _ in found] == [
        datetime(2007, 3, 11, 7, 0),
        datetime(2007, 11, 4, 6, 0),
    ]
