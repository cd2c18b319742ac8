"""Source name → parser. Parsers are imported on first use so a cold start loads only one."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from chalicelib.errors import InvalidRequestError
from chalicelib.events.model import CalendarEvent, check_schedule

Parser = Callable[[bytes, str | None], CalendarEvent]

# Each module defines ``parse(body: bytes, content_type: str | None) -> CalendarEvent``.
PARSER_MODULES: dict[str, str] = {
    "zapier": "chalicelib.events.zapier",
    "generic": "chalicelib.events.generic",
    "google": "chalicelib.events.google",
    "graph": "chalicelib.events.graph",
    "ical": "chalicelib.events.ical",
    "calcom": "chalicelib.events.calcom",
    "calendly": "chalicelib.events.calendly",
}


def parser_for(source: str) -> Parser:
    module_name = PARSER_MODULES.get(source)
    if module_name is None:
        raise InvalidRequestError(f"unknown source {source[:40]!r}", code="unknown-source")
    parse: Parser = importlib.import_module(module_name).parse
    return parse


def parse_event(source: str, body: bytes, content_type: str | None, now: datetime) -> CalendarEvent:
    """Parse one delivery into a checked ``CalendarEvent`` (refusals are 400s)."""
    try:
        event = parser_for(source)(body, content_type)
    except ValidationError as exc:
        raise InvalidRequestError(_describe(exc), code="invalid-field") from None
    check_schedule(event, now)
    return event


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    return f"invalid {where}: {first.get('msg', 'invalid value')}"[:300]
