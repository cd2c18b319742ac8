"""Time handling shared by every parser: zones (IANA or Windows names), local times, bounds.

Local times that fall in a DST gap or overlap follow RFC 5545 §3.3.5: in a gap the offset
before the gap applies, in an overlap the first occurrence. For IANA zones that is exactly
zoneinfo with ``fold=0`` (PEP 495); zones built from a body's VTIMEZONE get the same rule from
``_first_instant``.

Zone names are looked up only among the keys of the IANA tz database (the ``tzdata``
package's list) and CLDR's Windows names: ``ZoneInfo`` itself would also open directories
(``America``), over-long names, relative paths and host files such as ``localtime`` (the
server's own zone), none of which may decide an answer.

Every instant the service accepts lies in [1900, 2200): far enough for any real meeting and
version stamp, and far from ``datetime``'s limits, so later arithmetic cannot overflow.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import InvalidRequestError
from chalicelib.events.lazy_import import import_once

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_MAX_ZONE_NAME = 128  # the longest IANA or Windows name is under 40 characters
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UTC_NAMES = frozenset({"utc", "z", "gmt", "etc/utc", "etc/gmt", "coordinated universal time"})


def out_of_range(field: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{field} is outside the supported range (years 1900 to 2199)", code="time-out-of-range"
    )


def unknown_zone(name: str) -> InvalidRequestError:
    return InvalidRequestError(f"unknown time zone {name[:64]!r}", code="unknown-time-zone")


def bounded(instant: datetime, field: str) -> datetime:
    """``instant`` in UTC, or ``time-out-of-range`` outside [1900, 2200)."""
    try:
        utc = instant.astimezone(UTC)
    except (OverflowError, ValueError):
        raise out_of_range(field) from None
    if not EARLIEST <= utc < LATEST:
        raise out_of_range(field)
    return utc


@cache
def _zone_keys() -> dict[str, str]:
    """Casefolded name → tz database key, for IANA keys and CLDR Windows names.

    Built once (two threads may both build it; the result is the same). icalendar ships
    CLDR's windowsZones table; it is imported here, not at cold start.
    """
    iana = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    windows = import_once("icalendar.timezone.windows_to_olson").WINDOWS_TO_OLSON
    keys = {key.casefold(): key for key in iana}
    for windows_name, key in windows.items():
        keys.setdefault(windows_name.casefold(), key)
    return keys


@lru_cache(maxsize=512)
def resolve_zone(name: str) -> tzinfo:
    """An IANA zone, ``UTC``, or a Windows zone name mapped with CLDR's windowsZones table."""
    cleaned = name.strip()
    if cleaned.lower() in _UTC_NAMES:
        return UTC
    key = _zone_keys().get(cleaned.casefold()) if len(cleaned) <= _MAX_ZONE_NAME else None
    if key is None:
        raise unknown_zone(cleaned)
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, OSError, ValueError):
        raise unknown_zone(cleaned) from None


def zone_name(zone: tzinfo) -> str | None:
    """The tz database key of a zone ``resolve_zone`` returned, or None for any other zone."""
    if zone is UTC:
        return "UTC"
    return zone.key if isinstance(zone, ZoneInfo) else None


def localize(naive: datetime, zone: tzinfo, *, field: str = "time") -> datetime:
    """Attach a zone to a wall-clock time (RFC 5545 §3.3.5) and convert to UTC."""
    try:
        if zone is UTC or isinstance(zone, ZoneInfo):
            instant = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
        else:
            instant = _first_instant(naive, zone)
    except (OverflowError, ValueError):
        raise out_of_range(field) from None
    return bounded(instant, field)


def _first_instant(naive: datetime, zone: tzinfo) -> datetime:
    """RFC 5545 §3.3.5 for any tzinfo whose ``fromutc`` is right (e.g. one from a VTIMEZONE).

    The offsets a day either side are the only candidates (real zones never change twice in
    two days). The earliest candidate that reads back as ``naive`` is the first occurrence; if
    none does, the time is in a gap and the offset before it applies.
    """
    day = timedelta(days=1)
    offset_before = (naive - day).replace(tzinfo=zone).utcoffset()
    offset_after = (naive + day).replace(tzinfo=zone).utcoffset()
    if offset_before is None or offset_after is None:
        raise unknown_zone(str(zone))
    for offset in sorted({offset_before, offset_after}, reverse=True):
        instant = (naive - offset).replace(tzinfo=UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            return instant
    return (naive - offset_before).replace(tzinfo=UTC)


def is_date_only(value: str) -> bool:
    """``YYYY-MM-DD`` alone: an all-day value."""
    return bool(_DATE_ONLY.match(value.strip()))


def parse_datetime(value: object, zone_name: str | None = None, *, field: str = "time") -> datetime:
    """RFC 3339 (offset or Z, any fraction digits); a time with no offset is read in its zone.

    All-day values (a date alone) are refused with code ``all-day-event``.
    """
    return instant_of(read_datetime(value, field=field), zone_name, field=field)


def read_datetime(value: object, *, field: str = "time") -> datetime:
    """An RFC 3339 date-time as written: aware when it has an offset, naive (wall-clock) if not."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{field} must be an RFC 3339 date-time", code="invalid-time")
    text = value.strip()
    if is_date_only(text):
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            f"{field} is not an RFC 3339 date-time", code="invalid-time"
        ) from None


def instant_of(parsed: datetime, zone: str | tzinfo | None, *, field: str = "time") -> datetime:
    """The UTC instant of a value from ``read_datetime``; a wall-clock time is read in ``zone``."""
    if parsed.tzinfo is not None:
        return bounded(parsed, field)
    if not zone:
        raise InvalidRequestError(
            f"{field} has no UTC offset and no time zone was given", code="missing-time-zone"
        )
    return localize(parsed, resolve_zone(zone) if isinstance(zone, str) else zone, field=field)
