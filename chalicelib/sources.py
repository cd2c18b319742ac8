"""The one list of inbound sources: per source its parser, its proof of origin, its secret.

The intake, the secret model and the local launcher all read ``SOURCES``. Parsers are
imported on first use (under a lock, so concurrent first requests are safe) so a cold
start loads only the one it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from chalicelib.errors import InvalidRequestError
from chalicelib.events.lazy_import import import_once
from chalicelib.events.model import CalendarEvent, check_schedule
from chalicelib.events.payload import Parser
from chalicelib.webhook_auth import (
    Verifier,
    verify_bearer,
    verify_calcom,
    verify_calendly,
    verify_standard_webhooks,
)

SecretKind = Literal["bearer token", "HMAC secret", "signing key", "whsec"]


@dataclass(frozen=True)
class Source:
    """One sender: its parser module (``parse(body, content_type)``) and how it proves origin.

    Its credential is the secret's ``hooks.<name>`` (a string, or a list while rotating).
    """

    name: str
    parser_module: str
    verify: Verifier
    secret_kind: SecretKind


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source("zapier", "chalicelib.events.zapier", verify_bearer, "bearer token"),
        Source("google", "chalicelib.events.google", verify_bearer, "bearer token"),
        Source("graph", "chalicelib.events.graph", verify_bearer, "bearer token"),
        Source("ical", "chalicelib.events.ical", verify_bearer, "bearer token"),
        Source("calcom", "chalicelib.events.calcom", verify_calcom, "HMAC secret"),
        Source("calendly", "chalicelib.events.calendly", verify_calendly, "signing key"),
        Source("generic", "chalicelib.events.generic", verify_standard_webhooks, "whsec"),
    )
}

_parsers: dict[str, Parser] = {}


def source_named(name: str) -> Source:
    source = SOURCES.get(name)
    if source is None:
        raise InvalidRequestError(f"unknown source {name[:40]!r}", code="unknown-source")
    return source


def parser_for(source: Source) -> Parser:
    parser = _parsers.get(source.name)
    if parser is None:
        parser = _parsers[source.name] = import_once(source.parser_module).parse
    return parser


def parse_event(source: str, body: bytes, content_type: str | None, now: datetime) -> CalendarEvent:
    """Parse one delivery for the named source into a checked ``CalendarEvent`` (refusals are
    400s; ``IgnoredDelivery`` for an authenticated delivery with nothing to act on)."""
    from chalicelib.events.recurrence import resolve  # noqa: PLC0415 - dateutil only when used

    # Each parser is wrapped by ``refusing_bad_input``: what it cannot foresee is a 400 already.
    event = parser_for(source_named(source))(body, content_type)
    # A series is judged by its next occurrence not yet over, not by its first one.
    event = resolve(event, now)
    check_schedule(event, now)
    return event
