"""Property: for random daily and weekly series in random zones, ``next_occurrence`` picks the
first occurrence whose end is after ``now``, at zoneinfo's instant for that wall-clock time.

The oracle walks the calendar day by day (no dateutil): a day is an occurrence when it is
DTSTART's, or (DAILY) a multiple of INTERVAL days after it, or (WEEKLY, weeks starting on
Monday) one of BYDAY in a week a multiple of INTERVAL weeks after DTSTART's week. Its instant
is ``wall.replace(tzinfo=ZoneInfo(zone), fold=0)``, which is RFC 5545 §3.3.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.events.recurrence import next_occurrence
from chalicelib.events.recurrence_rules import make_recurrence

ZONES = sorted(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
HORIZON = timedelta(days=3650)


@dataclass(frozen=True)
class Case:
    zone: ZoneInfo
    local_start: datetime
    duration: timedelta
    freq: str
    interval: int
    weekdays: frozenset[int]
    now: datetime

    @property
    def rule(self) -> str:
        rule = f"FREQ={self.freq};INTERVAL={self.interval};WKST=MO"
        if self.weekdays:
            rule += ";BYDAY=" + ",".join(DAYS[day] for day in sorted(self.weekdays))
        return rule

    def is_occurrence(self, day: date) -> bool:
        first = self.local_start.date()
        if day == first:
            return True
        if self.freq == "DAILY":
            return (day - first).days % self.interval == 0
        first_monday = first - timedelta(days=first.weekday())
        weeks = (day - first_monday).days // 7
        return weeks % self.interval == 0 and day.weekday() in self.weekdays


def oracle(case: Case) -> datetime:
    """The first occurrence's start whose end is after ``now``, by walking day by day."""
    day = case.local_start.date()
    while True:
        if case.is_occurrence(day):
            wall = datetime.combine(day, case.local_start.time())
            start = wall.replace(tzinfo=case.zone, fold=0).astimezone(UTC)
            if start + case.duration > case.now:
                return start
        day += timedelta(days=1)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    local_start = draw(
        st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31))
    ).replace(second=0, microsecond=0)
    freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    weekdays = (
        draw(st.frozensets(st.integers(0, 6), min_size=1)) if freq == "WEEKLY" else frozenset()
    )
    return Case(
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        local_start=local_start,
        duration=timedelta(minutes=draw(st.integers(1, 24 * 60))),
        freq=freq,
        interval=draw(st.integers(1, 4)),
        weekdays=weekdays,
        now=local_start.replace(tzinfo=UTC)
        + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 2 * 365 * 24 * 60))),
    )


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(cases())
def test_next_occurrence_is_the_first_not_yet_over(case: Case) -> None:
    series = make_recurrence(case.local_start, case.duration, case.zone, rrules=[case.rule])
    expected = oracle(case)
    assert next_occurrence(series, case.now, horizon=HORIZON) == (
        expected,
        expected + case.duration,
    )
