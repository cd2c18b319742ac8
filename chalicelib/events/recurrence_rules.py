"""Recurrence rules as sources send them, checked once so that expanding them later is safe.

- ``normalize_rule``: an RRULE value (``FREQ=WEEKLY;BYDAY=MO``, ``RRULE:`` prefix allowed) in
  canonical form. Only RFC 5545 parts; FREQ DAILY, WEEKLY, MONTHLY or YEARLY (a meeting does
  not repeat within a day: ``unsupported-rrule``); INTERVAL 1..1000, COUNT 1..10**6.
- ``make_recurrence``: a ``Recurrence`` whose every rule is proven to produce an occurrence.
  The Gregorian calendar repeats every 400 years (weekdays included), so a rule that matches
  nothing in 400 years matches nothing ever; dateutil would search such a rule up to year
  9999 (seconds of CPU), so it is tried once on a copy started 400..800 years before 9999.
- ``date_list``: RDATE/EXDATE values (date-times in a zone or UTC, dates at the series' local
  time, periods by their start) as UTC instants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.lazy_import import import_once
from chalicelib.events.model import Recurrence, check_duration
from chalicelib.events.timeparse import bounded, localize, resolve_zone, zone_name

FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_PARTS = frozenset(
    {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY"}
    | {"BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"}
)
_LIMITS = {"INTERVAL": 1000, "COUNT": 10**6}
_MAX_RULE_LENGTH = 500
_MAX_RULES = 8  # RFC 5545 deprecates several RRULEs; each one is probed on arrival
_CALENDAR_CYCLE_YEARS = 400
_LAST_PROBE_YEAR = 9999 - _CALENDAR_CYCLE_YEARS
_ICAL_INSTANT = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


def invalid_rule(why: str) -> InvalidRequestError:
    return InvalidRequestError(f"invalid recurrence rule: {why}", code="invalid-rrule")


def normalize_rule(text: str) -> str:
    """One RRULE value in canonical form (upper case, ``RRULE:`` removed), or ``invalid-rrule``."""
    value = text.strip()
    if value[:6].upper() == "RRULE:":
        value = value[6:]
    if not value or len(value) > _MAX_RULE_LENGTH or any(ch in value for ch in "\r\n"):
        raise invalid_rule("expected one line such as FREQ=WEEKLY;BYDAY=MO")
    parts: dict[str, str] = {}
    for part in value.upper().split(";"):
        key, sep, item = part.partition("=")
        key = key.strip()
        if not sep or key not in _PARTS or key in parts or not item.strip():
            raise invalid_rule(f"unexpected part {part[:40]!r}")
        parts[key] = item.strip()
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidRequestError(
            "recurrence rules must repeat DAILY, WEEKLY, MONTHLY or YEARLY",
            code="unsupported-rrule",
        )
    for key, limit in _LIMITS.items():
        if key in parts and not (parts[key].isdigit() and 1 <= int(parts[key]) <= limit):
            raise invalid_rule(f"{key} must be between 1 and {limit}")
    if "UNTIL" in parts and not _ICAL_INSTANT.match(parts["UNTIL"]):
        raise invalid_rule("UNTIL must be a date or a date-time")
    return ";".join(f"{key}={item}" for key, item in parts.items())


def split_until(rule: str) -> tuple[str, str | None]:
    """(the rule without UNTIL, the UNTIL value): UNTIL is applied to UTC instants exactly."""
    kept, until = [], None
    for part in rule.split(";"):
        if part.startswith("UNTIL="):
            until = part[6:]
        else:
            kept.append(part)
    return ";".join(kept), until


def until_instant(value: str, zone: tzinfo) -> datetime:
    """UNTIL as a UTC instant: ``…Z`` is UTC, a local date-time is read in the series' zone,
    and a date includes that whole local day."""
    match = _ICAL_INSTANT.match(value)
    if match is None:
        raise invalid_rule("UNTIL must be a date or a date-time")
    day, clock, utc = match.groups()
    wall = _ical_wall(day, clock or "235959", field="UNTIL")
    return bounded(wall.replace(tzinfo=UTC), "UNTIL") if utc else localize(wall, zone)


def build_rule(rule_without_until: str, local_start: datetime) -> Any:
    """A dateutil ``rrule`` over naive wall-clock times (imported on first use: ~15 ms)."""
    rrule_module = import_once("dateutil.rrule")
    try:
        return rrule_module.rrulestr(rule_without_until, dtstart=local_start)
    except (ValueError, LookupError, TypeError, OverflowError):
        raise invalid_rule("dateutil cannot read it") from None


def check_rule_produces(rule: str, local_start: datetime) -> None:
    """``invalid-rrule`` for a rule that matches no date at all (see the module docstring)."""
    without_until, _ = split_until(rule)
    endless = ";".join(p for p in without_until.split(";") if not p.startswith("COUNT="))
    cycles = (_LAST_PROBE_YEAR - local_start.year) // _CALENDAR_CYCLE_YEARS
    shifted = local_start.replace(year=local_start.year + cycles * _CALENDAR_CYCLE_YEARS)
    if next(iter(build_rule(endless, shifted)), None) is None:
        raise invalid_rule("it never produces an occurrence")


def make_recurrence(
    local_start: datetime,
    duration: timedelta,
    zone: tzinfo,
    *,
    vtimezone: str | None = None,
    rrules: Iterable[str] = (),
    rdates: Sequence[datetime] = (),
    exdates: Sequence[datetime] = (),
    skipped: Sequence[datetime] = (),
) -> Recurrence:
    """A checked ``Recurrence``; ``zone`` is the series' zone (built from ``vtimezone`` if set)."""
    check_duration(duration)
    name = None if vtimezone is not None else zone_name(zone)
    if vtimezone is None and name is None:
        raise InvalidRequestError("the series' time zone has no name", code="unknown-time-zone")
    naive_start = local_start.replace(tzinfo=None, microsecond=0)
    rules = tuple(dict.fromkeys(normalize_rule(rule) for rule in rrules))
    if len(rules) > _MAX_RULES:
        raise invalid_rule(f"a series may have at most {_MAX_RULES} RRULEs")
    for rule in rules:
        check_rule_produces(rule, naive_start)
        until = split_until(rule)[1]
        if until is not None:
            until_instant(until, zone)  # refuse a malformed UNTIL now, not at expansion
    return Recurrence(
        local_start=naive_start,
        duration_seconds=int(duration.total_seconds()),
        zone=name,
        vtimezone=vtimezone,
        rrules=rules,
        rdates=tuple(rdates),
        exdates=tuple(exdates),
        skipped=tuple(skipped),
    )


def series_from_rule(
    rule: str, written_start: datetime, start: datetime, end: datetime, zone_name: str | None
) -> Recurrence:
    """A series from one RRULE value and its first occurrence (Zapier, generic): it repeats at
    the start's wall-clock time in ``zone_name``, UTC when none is given."""
    zone = resolve_zone(zone_name) if zone_name else UTC
    return make_recurrence(local_wall(written_start, start, zone), end - start, zone, rrules=[rule])


def series_from_lines(
    lines: Sequence[Any], written_start: datetime, start: datetime, end: datetime, zone: tzinfo
) -> Recurrence:
    """A series from iCalendar recurrence lines (Google's ``recurrence`` array): ``RRULE:…``,
    ``RDATE;…:…`` and ``EXDATE;…:…``; values without TZID are read in the series' zone."""
    local = local_wall(written_start, start, zone)
    rrules: list[str] = []
    dates: dict[str, list[datetime]] = {"RDATE": [], "EXDATE": []}
    for line in lines:
        if not isinstance(line, str):
            raise invalid_rule("recurrence lines must be strings")
        head, _, value = line.partition(":")
        name, *parameters = (item.strip() for item in head.split(";"))
        params = {
            key.upper(): item.strip('"') for key, _, item in (p.partition("=") for p in parameters)
        }
        if name.upper() == "RRULE":
            rrules.append(value)
        elif name.upper() in dates:
            tzid = params.get("TZID")
            dates[name.upper()] += date_list(
                value,
                value_type=params.get("VALUE", "DATE-TIME").upper(),
                zone=resolve_zone(tzid) if tzid else zone,
                local_time=local.time(),
                field=name.upper(),
            )
        else:
            raise InvalidRequestError(
                f"unsupported recurrence line {name[:20]!r}", code="unsupported-rrule"
            )
    return make_recurrence(
        local, end - start, zone, rrules=rrules, rdates=dates["RDATE"], exdates=dates["EXDATE"]
    )


def local_wall(written_start: datetime, start: datetime, zone: tzinfo) -> datetime:
    """The series' first wall-clock start: as written when it had no offset, else ``start``
    (its instant) read in the series' zone."""
    if written_start.tzinfo is None:
        return written_start
    return start.astimezone(zone).replace(tzinfo=None)


def date_list(
    value: str, *, value_type: str, zone: tzinfo, local_time: time, field: str
) -> list[datetime]:
    """RDATE/EXDATE values (comma-separated) as UTC instants.

    A date-time is read in ``zone`` (UTC with ``Z``); a date (``VALUE=DATE``) stands for the
    series' occurrence that day, at ``local_time``; a period (``VALUE=PERIOD``) by its start.
    """
    instants: list[datetime] = []
    for item in value.split(","):
        text = item.strip().upper()
        if value_type == "PERIOD":
            text = text.split("/", 1)[0]
        match = _ICAL_INSTANT.match(text)
        if match is None:
            raise InvalidRequestError(
                f"{field} holds a malformed date {text[:40]!r}", code="invalid-time"
            )
        day, clock, utc = match.groups()
        if clock is None:
            wall = datetime.combine(_ical_wall(day, "000000", field=field).date(), local_time)
        else:
            wall = _ical_wall(day, clock, field=field)
        instant = (
            bounded(wall.replace(tzinfo=UTC), field) if utc else localize(wall, zone, field=field)
        )
        instants.append(instant)
    return instants


def _ical_wall(day: str, clock: str, *, field: str) -> datetime:
    try:
        return datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        raise InvalidRequestError(
            f"{field} holds an impossible date", code="invalid-time"
        ) from None
