"""Date-times of an iCalendar body as instants: TZIDs, the body's VTIMEZONEs, RFC 5545 §3.3.5.

A ``TZID`` defined by a VTIMEZONE in the body is read with that definition (RFC 5545 §3.2.19);
otherwise by name (IANA, UTC, Windows names such as ``W. Europe Standard Time``), or for a
globally unique id (``/Europe/Stockholm``, ``/vendor/…/Europe/Berlin``) by its longest trailing
IANA name. Host paths such as ``/etc/localtime`` are never zones (``timeparse``).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.events.timeparse import bounded, localize, resolve_zone, unknown_zone
from chalicelib.events.vtimezone import zone_from_vtimezone

Zones = dict[str, str]  # TZID → the body's VTIMEZONE, reduced (``vtimezone.split_vtimezones``)


def is_timed(prop: Any) -> bool:
    return isinstance(prop.dt, datetime) and str(prop.params.get("VALUE", "")).upper() != "DATE"


def wall_clock(prop: Any, name: str, zones: Zones) -> tuple[datetime, tzinfo, str | None]:
    """A DATE-TIME property as (wall-clock time, its zone, the body's VTIMEZONE if used)."""
    value = prop.dt
    if isinstance(value, date) and not is_timed(prop):
        raise InvalidRequestError("all-day events do not get a video room", code="all-day-event")
    if not isinstance(value, datetime):
        raise InvalidRequestError(f"{name} must be a date-time", code="invalid-time")
    tzid = prop.params.get("TZID")
    if tzid:
        # The wall-clock as written; whatever zone icalendar attached (it keeps a
        # process-wide cache) is dropped.
        zone, vtimezone = zone_for(str(tzid), zones)
        return value.replace(tzinfo=None), zone, vtimezone
    if value.tzinfo is not None:
        return bounded(value, name).replace(tzinfo=None), UTC, None
    raise InvalidRequestError(
        f"{name} is a floating local time with no TZID", code="missing-time-zone"
    )


def instant(prop: Any, name: str, zones: Zones) -> datetime:
    """A DATE-TIME property as an aware UTC datetime (RFC 5545 §3.3.5)."""
    wall, zone, _ = wall_clock(prop, name, zones)
    return localize(wall, zone, field=name)


def zone_for(tzid: str, zones: Zones) -> tuple[tzinfo, str | None]:
    """The body's own definition first, then the name; (zone, VTIMEZONE text if used)."""
    defined = zones.get(tzid)
    if defined is not None:
        zone = zone_from_vtimezone(defined)
        if zone is not None:
            return zone, defined
    with suppress(InvalidRequestError):
        return resolve_zone(tzid), None
    if tzid.startswith("/"):
        # RFC 5545 §3.2.19 globally unique TZID: the longest trailing IANA name.
        parts = tzid.strip("/").split("/")
        for first in range(len(parts)):
            with suppress(InvalidRequestError):
                return resolve_zone("/".join(parts[first:])), None
    raise unknown_zone(tzid)
