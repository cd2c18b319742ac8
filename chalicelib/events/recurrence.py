"""A recurring series' next occurrence: pure functions over a stored ``Recurrence``.

The intake calls ``resolve(event, now)`` before ``check_schedule``; the reconcile job calls
``next_occurrence(recurrence, now)`` with the booking's stored series.

Occurrences: DTSTART itself, every RRULE's matches and every RDATE, minus EXDATEs and the
``skipped`` slots (occurrences that are bookings of their own). Rules are expanded by
dateutil over naive wall-clock times from ``local_start`` and each time is then read in the
series' zone (RFC 5545 §3.3.5 for gaps and overlaps), so a 09:00 meeting stays at 09:00
across DST. UNTIL is compared with each occurrence's UTC instant, exactly.

The work is bounded: times far before ``now`` are skipped without zone arithmetic, a stream
stops past ``now + horizon``, and a series that needs more than ``MAX_CANDIDATES`` matches
to reach ``now`` is refused (``too-many-occurrences``); rules were checked on arrival to
match at least once every 400 years (``recurrence_rules``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo

from chalicelib.errors import InvalidRequestError
from chalicelib.events.model import DEFAULT_HORIZON, CalendarEvent, EventAction, Recurrence
from chalicelib.events.recurrence_rules import build_rule, split_until, until_instant
from chalicelib.events.timeparse import localize, resolve_zone
from chalicelib.events.vtimezone import zone_from_vtimezone

MAX_CANDIDATES = 50_000
# Wall-clock and UTC differ by less than a day (RFC 5545 offsets are below 24 h), so a wall
# time this far from an instant is on that side of it whatever the zone says.
_SURELY = timedelta(days=2)


class _BeyondHorizon(Exception):  # control flow: a stream reached the search limit
    pass


def series_zone(recurrence: Recurrence) -> tzinfo:
    """The zone the series repeats in: its own VTIMEZONE, or a tz database zone."""
    if recurrence.vtimezone is not None:
        zone = zone_from_vtimezone(recurrence.vtimezone)
        if zone is None:
            raise InvalidRequestError("the series' VTIMEZONE is unusable", code="unknown-time-zone")
        return zone
    return resolve_zone(recurrence.zone or "")


def next_occurrence(
    recurrence: Recurrence, now: datetime, *, horizon: timedelta = DEFAULT_HORIZON
) -> tuple[datetime, datetime] | None:
    """(start, end) in UTC of the first occurrence whose end is after ``now``; None when the
    series is over. ``too-far-ahead`` when the next one starts beyond ``now + horizon``."""
    zone = series_zone(recurrence)
    window = _Window(now, recurrence.duration, now + horizon)
    excluded = frozenset(recurrence.exdates) | frozenset(recurrence.skipped)
    streams: list[Iterable[datetime]] = [
        [localize(recurrence.local_start, zone, field="series start")],
        recurrence.rdates,
        *(_rule_starts(rule, recurrence.local_start, zone, window) for rule in recurrence.rrules),
    ]
    found: list[datetime] = []
    beyond = False
    for stream in streams:
        try:
            start = next((s for s in stream if s not in excluded and window.live(s)), None)
        except _BeyondHorizon:
            beyond = True
            continue
        if start is not None:
            found.append(start)
    if found:
        first = min(found)
        return first, first + recurrence.duration
    if beyond:
        raise InvalidRequestError(
            f"the series' next occurrence is more than {horizon.days} days ahead",
            code="too-far-ahead",
        )
    return None


def resolve(
    event: CalendarEvent, now: datetime, *, horizon: timedelta = DEFAULT_HORIZON
) -> CalendarEvent:
    """The event with start/end set to its series' next occurrence not yet over.

    Events that are not series (and cancellations) come back unchanged; a series whose every
    occurrence is over is refused with ``event-ended``.
    """
    if event.recurrence is None or event.action not in {EventAction.CREATE, EventAction.UPDATE}:
        return event
    occurrence = next_occurrence(event.recurrence, now, horizon=horizon)
    if occurrence is None:
        raise InvalidRequestError("every occurrence of the series is over", code="event-ended")
    start, end = occurrence
    return event.model_copy(update={"start": start, "end": end})


def with_skipped(recurrence: Recurrence, original_start: datetime) -> Recurrence:
    """The series without the occurrence that starts (originally) at ``original_start``."""
    return Recurrence.model_validate(
        {**recurrence.model_dump(), "skipped": (*recurrence.skipped, original_start)}
    )


class _Window:
    """Which starts still matter at ``now``: not over, and not past the search limit."""

    def __init__(self, now: datetime, duration: timedelta, limit: datetime) -> None:
        self.now = now
        self.duration = duration
        self.limit = limit

    def live(self, start: datetime) -> bool:
        if start > self.limit:
            raise _BeyondHorizon
        return start + self.duration > self.now

    def surely_over(self, wall: datetime) -> bool:
        return wall + self.duration + _SURELY <= self.now.replace(tzinfo=None)

    def surely_beyond(self, wall: datetime) -> bool:
        return wall - _SURELY > self.limit.replace(tzinfo=None)


def _rule_starts(
    rule: str, local_start: datetime, zone: tzinfo, window: _Window
) -> Iterator[datetime]:
    """One rule's occurrence starts in UTC, skipping cheaply those surely over."""
    without_until, until_text = split_until(rule)
    until = until_instant(until_text, zone) if until_text is not None else None
    for scanned, wall in enumerate(build_rule(without_until, local_start)):
        if scanned >= MAX_CANDIDATES:
            raise InvalidRequestError(
                f"the series has more than {MAX_CANDIDATES} occurrences before now",
                code="too-many-occurrences",
            )
        if until is not None and wall - _SURELY > until.replace(tzinfo=None):
            return
        if window.surely_beyond(wall):
            raise _BeyondHorizon
        if window.surely_over(wall):
            continue
        start = localize(wall, zone, field="occurrence")
        if until is not None and start > until:
            return
        yield start.astimezone(UTC)
