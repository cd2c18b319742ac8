"""A Microsoft Graph ``recurrence`` ({pattern, range}) as an RFC 5545 RRULE and a zone.

Patterns (https://learn.microsoft.com/graph/api/resources/recurrencepattern):
``daily`` → DAILY; ``weekly`` → WEEKLY with BYDAY and WKST (``firstDayOfWeek``);
``absoluteMonthly`` → MONTHLY;BYMONTHDAY; ``relativeMonthly`` → MONTHLY;BYDAY;BYSETPOS
(``index`` first..fourth = 1..4, last = -1); ``absoluteYearly`` → YEARLY;BYMONTH;BYMONTHDAY;
``relativeYearly`` → YEARLY;BYMONTH;BYDAY;BYSETPOS. ``interval`` → INTERVAL.
Ranges: ``endDate`` → UNTIL (that whole local day), ``numbered`` → COUNT, ``noEnd`` → neither.

The series' zone is ``range.recurrenceTimeZone``, else ``originalStartTimeZone``, else
``start.timeZone`` (Windows or IANA names). Graph writes ``tzone://Microsoft/Utc`` for UTC and
``tzone://Microsoft/Custom`` for a zone it cannot name; the latter is skipped.
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.payload import optional_object, optional_str

_DAYS = {
    "sunday": "SU",
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
}
_INDEX = {"first": "1", "second": "2", "third": "3", "fourth": "4", "last": "-1"}
_GRAPH_UTC = "tzone://microsoft/utc"
_GRAPH_CUSTOM = "tzone://microsoft/custom"


def graph_rule(recurrence: dict[str, Any]) -> str:
    """The RRULE value for a Graph ``recurrence`` object."""
    pattern = optional_object(recurrence, "pattern")
    kind = (optional_str(pattern, "type") or "").strip()
    parts = {
        "daily": lambda: ["FREQ=DAILY"],
        "weekly": lambda: ["FREQ=WEEKLY", _by_day(pattern), _week_start(pattern)],
        "absoluteMonthly": lambda: ["FREQ=MONTHLY", _by_month_day(pattern)],
        "relativeMonthly": lambda: ["FREQ=MONTHLY", _by_day(pattern), _by_set_pos(pattern)],
        "absoluteYearly": lambda: ["FREQ=YEARLY", _by_month(pattern), _by_month_day(pattern)],
        "relativeYearly": lambda: [
            "FREQ=YEARLY",
            _by_month(pattern),
            _by_day(pattern),
            _by_set_pos(pattern),
        ],
    }.get(kind)
    if parts is None:
        raise _invalid(f"recurrence.pattern.type {kind[:30]!r} is not a Graph pattern")
    interval = _number(pattern, "interval", default=1)
    return ";".join([*parts(), f"INTERVAL={interval}", *_range(recurrence)])


def graph_series_zone(event: dict[str, Any]) -> str:
    """The name of the zone a Graph series repeats in (see the module docstring)."""
    bounds = optional_object(optional_object(event, "recurrence"), "range")
    candidates = (
        optional_str(bounds, "recurrenceTimeZone"),
        optional_str(event, "originalStartTimeZone"),
        optional_str(optional_object(event, "start"), "timeZone"),
    )
    for name in candidates:
        if name is None or name.lower() == _GRAPH_CUSTOM:
            continue
        return "UTC" if name.lower() == _GRAPH_UTC else name
    raise InvalidRequestError("the series names no time zone", code="missing-time-zone")


def _range(recurrence: dict[str, Any]) -> list[str]:
    bounds = optional_object(recurrence, "range")
    kind = optional_str(bounds, "type") or "noEnd"
    if kind == "endDate":
        end_date = optional_str(bounds, "endDate") or ""
        digits = end_date.replace("-", "")
        if len(end_date) != 10 or not digits.isdigit():
            raise _invalid("recurrence.range.endDate must be YYYY-MM-DD")
        return [f"UNTIL={digits}"]
    if kind == "numbered":
        return [f"COUNT={_number(bounds, 'numberOfOccurrences', default=None, most=10**6)}"]
    if kind == "noEnd":
        return []
    raise _invalid(f"recurrence.range.type {kind[:30]!r} is not a Graph range")


def _by_day(pattern: dict[str, Any]) -> str:
    days = pattern.get("daysOfWeek")
    if not isinstance(days, list) or not days:
        raise _invalid("recurrence.pattern.daysOfWeek must list days")
    codes = [_DAYS.get(day.lower()) if isinstance(day, str) else None for day in days]
    if None in codes:
        raise _invalid("recurrence.pattern.daysOfWeek holds an unknown day")
    return "BYDAY=" + ",".join(dict.fromkeys(code for code in codes if code))


def _week_start(pattern: dict[str, Any]) -> str:
    day = (optional_str(pattern, "firstDayOfWeek") or "sunday").lower()
    if day not in _DAYS:
        raise _invalid("recurrence.pattern.firstDayOfWeek is not a day")
    return f"WKST={_DAYS[day]}"


def _by_set_pos(pattern: dict[str, Any]) -> str:
    index = (optional_str(pattern, "index") or "first").lower()
    if index not in _INDEX:
        raise _invalid("recurrence.pattern.index must be first, second, third, fourth or last")
    return f"BYSETPOS={_INDEX[index]}"


def _by_month_day(pattern: dict[str, Any]) -> str:
    return f"BYMONTHDAY={_number(pattern, 'dayOfMonth', default=None, most=31)}"


def _by_month(pattern: dict[str, Any]) -> str:
    return f"BYMONTH={_number(pattern, 'month', default=None, most=12)}"


def _number(container: dict[str, Any], key: str, *, default: int | None, most: int = 1000) -> int:
    value = container.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise _invalid(f"recurrence {key} must be an integer from 1 to {most}")
    return value


def _invalid(info: str) -> InvalidRequestError:
    return InvalidRequestError(info, code="invalid-rrule")
