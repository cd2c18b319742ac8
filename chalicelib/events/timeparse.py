"""Time handling shared by every parser: zones (IANA or Windows names) and local times.

Local times that fall in a DST gap or overlap follow RFC 5545 §3.3.5: in a gap the offset
before the gap applies, in an overlap the first occurrence. That is exactly zoneinfo with
``fold=0`` (PEP 495), so one rule serves every source.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import InvalidRequestError

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UTC_NAMES = frozenset({"utc", "z", "gmt", "etc/utc", "etc/gmt", "coordinated universal time"})


@lru_cache(maxsize=512)
def resolve_zone(name: str) -> tzinfo:
    """An IANA zone, ``UTC``, or a Windows zone name mapped with CLDR's windowsZones table."""
    cleaned = name.strip()
    if cleaned.lower() in _UTC_NAMES:
        return UTC
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    # icalendar ships CLDR's windowsZones mapping; imported here so cold starts skip it.
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON  # noqa: PLC0415

    iana = WINDOWS_TO_OLSON.get(cleaned)
    if iana is None:
        raise InvalidRequestError(f"unknown time zone {cleaned[:64]!r}", code="unknown-time-zone")
    return ZoneInfo(iana)


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach a zone to a wall-clock time (RFC 5545 §3.3.5 via fold=0) and convert to UTC."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def is_date_only(value: str) -> bool:
    """``YYYY-MM-DD`` alone: an all-day value."""
    return bool(_DATE_ONLY.match(value.strip()))


def parse_datetime(value: object, zone_name: str | None = None, *, field: str = "time") -> datetime:
    """RFC 3339 (offset or Z, any fraction digits); a time with no offset is read in its zone.

    All-day values (a date alone) are refused with code ``all-day-event``.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{field} must be an RFC 3339 date-time", code="invalid-time")
    text = value.strip()
    if is_date_only(text):
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            f"{field} is not an RFC 3339 date-time", code="invalid-time"
        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    if not zone_name:
        raise InvalidRequestError(
            f"{field} has no UTC offset and no time zone was given", code="missing-time-zone"
        )
    return localize(parsed, resolve_zone(zone_name))
