"""Tests of the inbound calendar parsers; fixtures live in tests/fixtures/<source>/."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.events.model import CalendarEvent, check_schedule
from chalicelib.events.recurrence import resolve

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# A fixed clock for the schedule check: every accepted fixture is later, every
# "already over" fixture is earlier.
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def fixture(source: str, name: str) -> bytes:
    return (FIXTURES / source / name).read_bytes()


def fixture_names(source: str) -> set[str]:
    return {path.name for path in (FIXTURES / source).iterdir() if path.is_file()}


def utc(  # noqa: PLR0917 - mirrors datetime's positional fields
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def intake(source: str, body: bytes, content_type: str | None, now: datetime) -> CalendarEvent:
    """What the intake does with a delivery: parse, move a series to its next occurrence,
    then refuse what cannot get a room."""
    parse = importlib.import_module(f"chalicelib.events.{source}").parse
    event = resolve(parse(body, content_type), now)
    check_schedule(event, now)
    return event
