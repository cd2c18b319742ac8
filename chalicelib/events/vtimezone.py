"""VTIMEZONE components (RFC 5545 §3.6.5) from an iCalendar body, as tzinfo objects.

A body may define the zones its TZIDs name; Outlook and Exchange name them freely
(``Customized Time Zone``, ``(UTC+01:00) Amsterdam, Berlin, …``), so the body's definition is
the only source of their offsets (§3.2.19). Each definition is cut out of the body, reduced to
the properties a zone consists of (TZID; DTSTART, TZOFFSETFROM, TZOFFSETTO, TZNAME, RRULE,
RDATE per STANDARD/DAYLIGHT part) and built with ``dateutil.tz.tzical``. The reduced text is
also what a recurring series stores to rebuild its zone later (``Recurrence.vtimezone``).

They are kept away from ``icalendar``, which would cache every body's zones process-wide.
A definition that cannot be built is unusable (``zone_from_vtimezone`` returns None) and the
TZID falls back to a name lookup. Rules other than ``FREQ=YEARLY`` are unusable too: real
zones change yearly, and a daily rule from 1601 or one that never matches would make every
offset lookup iterate for seconds.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from chalicelib.events.lazy_import import import_once

_ZONE_PROPERTIES = frozenset({"TZID"})
_PART_PROPERTIES = frozenset({"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE", "RDATE"})
_PARTS = frozenset({"STANDARD", "DAYLIGHT"})
_TEXT_ESCAPES = {"\\,": ",", "\\;": ";", "\\\\": "\\", "\\n": " ", "\\N": " "}
_PROBES = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2030, 7, 1, tzinfo=UTC))


def split_vtimezones(text: str) -> tuple[str, dict[str, str]]:
    """The unfolded body without its VTIMEZONEs, and each one's reduced text by its TZID.

    An unterminated VTIMEZONE swallows the rest of the body, which then fails to parse.
    """
    kept: list[str] = []
    zones: dict[str, str] = {}
    block: list[str] | None = None
    for line in text.splitlines(keepends=True):
        marker = line.strip().upper()
        if block is not None:
            if marker == "END:VTIMEZONE":
                tzid, reduced = _reduce(block)
                if tzid:
                    zones.setdefault(tzid, reduced)
                block = None
            else:
                block.append(line.strip())
        elif marker == "BEGIN:VTIMEZONE":
            block = []
        else:
            kept.append(line)
    return "".join(kept), zones


def unescape_text(value: str) -> str:
    """A TEXT value with RFC 5545 §3.3.11 escapes undone (TZIDs compare unescaped)."""
    for escaped, plain in _TEXT_ESCAPES.items():
        value = value.replace(escaped, plain)
    return value.strip()


def _reduce(lines: list[str]) -> tuple[str, str]:
    """(TZID, the VTIMEZONE reduced to what a zone consists of)."""
    tzid = ""
    out = ["BEGIN:VTIMEZONE"]
    part: str | None = None
    for line in lines:
        name_and_params, _, value = line.partition(":")
        name = name_and_params.split(";", 1)[0].strip().upper()
        if name in {"BEGIN", "END"} and value.strip().upper() in _PARTS:
            part = value.strip().upper() if name == "BEGIN" else None
            out.append(f"{name}:{value.strip().upper()}")
        elif part is None and name in _ZONE_PROPERTIES:
            tzid = unescape_text(value)
            out.append(f"TZID:{tzid}")
        elif part is not None and name in _PART_PROPERTIES:
            # Parameters dropped: tzical refuses most (e.g. DTSTART;VALUE=DATE).
            out.append(f"{name}:{value.strip()}")
    out.append("END:VTIMEZONE")
    return tzid, "\n".join(out) + "\n"


@lru_cache(maxsize=64)
def zone_from_vtimezone(reduced: str) -> tzinfo | None:
    """A tzinfo from a reduced VTIMEZONE, or None when the definition is unusable."""
    if not _rules_are_yearly(reduced) or not _has_standard_or_one_part(reduced):
        return None
    tz = import_once("dateutil.tz")
    try:
        zone: tzinfo = tz.tzical(io.StringIO(reduced)).get()
        for probe in _PROBES:  # evaluate the rules now, not while answering
            probe.astimezone(zone)
    except Exception:  # any failure of a third-party parser on sender text
        return None
    return zone


def _rules_are_yearly(reduced: str) -> bool:
    rules = [line for line in reduced.splitlines() if line.startswith("RRULE:")]
    return all("FREQ=YEARLY" in rule.upper().replace(" ", "") for rule in rules)


def _has_standard_or_one_part(reduced: str) -> bool:
    # dateutil indexes a component by mistake when every part is DAYLIGHT and a time
    # precedes them all; one STANDARD part (or a single part) avoids that path.
    parts = [line for line in reduced.splitlines() if line.startswith("BEGIN:")]
    return "BEGIN:STANDARD" in parts or len(parts) == 2
