"""Inbound event parsers, one module per source, all producing a ``CalendarEvent``.

A parser raises ``IgnoredDelivery`` for an authenticated delivery with nothing to act on and a
``RoomlinksError`` (below 500) for anything it refuses. A recurring series is moved to its next
occurrence by ``chalicelib.events.recurrence.resolve`` before ``check_schedule``.
"""

from chalicelib.events.model import (
    CalendarEvent,
    EventAction,
    EventOverrides,
    IgnoredDelivery,
    Person,
    Recurrence,
    check_schedule,
    make_version,
)

__all__ = [
    "CalendarEvent",
    "EventAction",
    "EventOverrides",
    "IgnoredDelivery",
    "Person",
    "Recurrence",
    "check_schedule",
    "make_version",
]
