"""Inbound event parsers, one module per source, all producing a ``CalendarEvent``."""

from chalicelib.events.model import (
    CalendarEvent,
    EventAction,
    EventOverrides,
    Person,
    check_schedule,
    make_version,
)

__all__ = [
    "CalendarEvent",
    "EventAction",
    "EventOverrides",
    "Person",
    "check_schedule",
    "make_version",
]
