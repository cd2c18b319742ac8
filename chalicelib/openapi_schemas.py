"""The schemas of ``GET /v1/openapi.json`` (``openapi_protocol``: credentials, hook bodies,
error statuses). Plain data.

Contract §2 in OpenAPI 3.1 terms: the booking answer of §2.2 (every field; nullable fields as
``type: [..., "null"]``), the ignored answer, the error shape and its types, the bodies each
route reads, each proof of origin. ``openapi.document`` assembles them with the paths;
``tests/unit/test_openapi.py`` keeps both true to the routes, the request models, the error
classes and the answers the service really gives.
"""

from __future__ import annotations

from typing import Any

from chalicelib.openapi_protocol import ERROR_TYPES, Schema, ref

SOURCES = ("zapier", "google", "graph", "ical", "calcom", "calendly", "generic")
PENDING_REASONS = (
    "daily-unavailable",
    "daily-rate-limited",
    "daily-key-rejected",
    "daily-room-limit",
)
OUTCOMES = ("created", "updated", "unchanged", "stale", "cancelled")
STATUSES = ("scheduled", "pending", "cancelled")


def _nullable(kind: str, description: str, **more: Any) -> Schema:
    return {"type": [kind, "null"], "description": description, **more}


def _text(description: str, **more: Any) -> Schema:
    return {"type": "string", "description": description, **more}


def _obj(
    properties: dict[str, Schema],
    *,
    required: tuple[str, ...] = (),
    closed: bool = True,
    description: str = "",
    **more: Any,
) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    schema.update(more)
    return schema


_URL = "uri"
_WHEN = "date-time"
_PERSON_IN = _obj(
    {
        "email": _text(
            "e-mail address (a `mailto:` prefix is dropped)", minLength=3, maxLength=320
        ),
        "name": _nullable("string", "display name", maxLength=500),
    },
    required=("email",),
    closed=False,
)
_VENDOR = "the vendor's own format, read as the vendor sends it; unknown fields are ignored"

# ``pending_reason`` is there exactly while the booking is pending.
_PENDING_ONLY_WHILE_PENDING: Schema = {
    "if": {"properties": {"status": {"const": "pending"}}},
    "then": {"required": ["pending_reason"]},
    "else": {"not": {"required": ["pending_reason"]}},
}

SCHEMAS: dict[str, Schema] = {
    "Error": _obj(
        {
            "error": _text("the error type (Daily's vocabulary)", enum=list(ERROR_TYPES)),
            "info": _text("human text; never a secret, a token or a stack trace"),
            "code": _text("a machine-readable detail, e.g. `all-day-event`, `misconfigured`"),
        },
        required=("error", "info"),
        description="Every error answer of every route (contract §2).",
    ),
    "Attendee": _obj(
        {
            "email": _text("the attendee's e-mail address"),
            "name": _nullable("string", "display name, when known"),
            "join_url": _nullable(
                "string",
                "Daily room URL with this attendee's token; null when cancelled or "
                "Daily's domain is not known yet",
                format=_URL,
            ),
            "invite_url": _nullable(
                "string",
                "this attendee's own stable invite link (`/v1/join/<ref>`); null once cancelled",
                format=_URL,
            ),
        },
        required=("email", "name", "join_url", "invite_url"),
    ),
    "BookingAnswer": _obj(
        {
            "booking_id": _text("`<source>:<event id>`; `adhoc:<id>` for ad-hoc rooms"),
            "source": _text("where the booking came from", enum=[*SOURCES, "adhoc"]),
            "event_id": _text("the event's id at its source"),
            "outcome": _text("what this request did to the booking", enum=list(OUTCOMES)),
            "status": _text("`cancelled` bookings carry null links", enum=list(STATUSES)),
            "pending_reason": _text(
                "only while `pending`: why the room is not there yet", enum=list(PENDING_REASONS)
            ),
            "room_name": _text("the Daily room's name (deterministic, unguessable)"),
            "room_url": _nullable("string", "`https://<domain>.daily.co/<room_name>`", format=_URL),
            "starts_at": _nullable("string", "meeting start (UTC)", format=_WHEN),
            "ends_at": _nullable("string", "meeting end (UTC)", format=_WHEN),
            "opens_at": _nullable("string", "room opens: start − early join", format=_WHEN),
            "closes_at": _nullable("string", "room closes: end + grace", format=_WHEN),
            "nbf": _nullable("integer", "`opens_at` in Unix seconds"),
            "exp": _nullable("integer", "`closes_at` in Unix seconds (the room's hard stop)"),
            "host_join_url": _nullable("string", "room URL with the owner token", format=_URL),
            "guest_join_url": _nullable("string", "room URL with a guest token", format=_URL),
            "invite_url": _nullable(
                "string",
                "the generic guest's stable invite link; null once cancelled",
                format=_URL,
            ),
            "attendees": {"type": "array", "items": ref("Attendee")},
        },
        required=(
            "booking_id",
            "source",
            "event_id",
            "outcome",
            "status",
            "room_name",
            "room_url",
            "starts_at",
            "ends_at",
            "opens_at",
            "closes_at",
            "nbf",
            "exp",
            "host_join_url",
            "guest_join_url",
            "invite_url",
            "attendees",
        ),
        description="The flat booking answer (contract §2.2): fields first, attendees last.",
        **_PENDING_ONLY_WHILE_PENDING,
    ),
    "IgnoredAnswer": _obj(
        {
            "outcome": {"const": "ignored"},
            "reason": _text("why the delivery carries no meeting to act on"),
        },
        required=("outcome", "reason"),
        description="An authenticated delivery with nothing to do (ping, other triggers, REPLY).",
    ),
    "Health": _obj({"status": {"const": "ok"}}, required=("status",)),
    "LinkRequest": _obj(
        {
            "booking_id": _text("the booking to join", minLength=1, maxLength=1100),
            "role": _text(
                "`host` only for the organizer (or `links:admin`)", enum=["guest", "host"]
            ),
            "user_name": _nullable(
                "string",
                "name shown in the call; default: the attendee's stored name",
                minLength=1,
                maxLength=100,
            ),
        },
        required=("booking_id", "role"),
    ),
    "LinkAnswer": _obj(
        {
            "join_url": _text("`room_url?t=<token>`: what a frontend opens or embeds", format=_URL),
            "token": _text("the Daily meeting token (self-signed)"),
            "room_url": _text("the Daily room URL", format=_URL),
            "room_name": _text("the Daily room's name"),
            "nbf": {"type": "integer", "description": "the token's not-before (Unix seconds)"},
            "exp": {"type": "integer", "description": "the token's expiry, never after the room's"},
            "booking_id": _text("the booking asked for"),
            "role": _text("the role asked for", enum=["guest", "host"]),
        },
        required=(
            "join_url",
            "token",
            "room_url",
            "room_name",
            "nbf",
            "exp",
            "booking_id",
            "role",
        ),
    ),
    "RoomRequest": _obj(
        {
            "minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
            "starts_at": _nullable(
                "string",
                "with a UTC offset; not in the past, at most 365 days ahead; default: now",
                format=_WHEN,
            ),
            "privacy": {"type": ["string", "null"], "enum": ["private", "public", None]},
            "name_hint": _nullable(
                "string", "a title; never makes the room name guessable", maxLength=100
            ),
            "attendees": {"type": "array", "items": ref("PersonInput"), "maxItems": 1000},
        },
        required=("minutes",),
    ),
    "PersonInput": _PERSON_IN,
    "ZapierEvent": _obj(
        {
            "id": {"type": ["string", "integer"], "description": "the event id (or `event_id`)"},
            "event_id": {"type": ["string", "integer"]},
            "title": _text("or `summary`"),
            "start": _text("RFC 3339; no offset: read in `timezone`"),
            "end": _text("RFC 3339; also `start__dateTime`/`end__dateTime`"),
            "timezone": _text("IANA zone for offset-less times (or `start__timeZone`)"),
            "organizer_email": _text("the host"),
            "organizer_name": _text("the host's name"),
            "attendees": {
                "description": "objects, strings, or one comma-joined string",
                "anyOf": [
                    {"type": "array", "items": {"anyOf": [_PERSON_IN, {"type": "string"}]}},
                    {"type": "string"},
                ],
            },
            "status": _text("`cancelled`/`cancel` cancels (also `action`)"),
            "sequence": {"type": ["integer", "string"], "description": "orders versions"},
            "updated": _text("orders versions when there is no `sequence`"),
            "rrule": _text("`FREQ=WEEKLY;BYDAY=MO` or `RRULE:…`: a recurring series"),
            "early_join_minutes": {
                "type": ["integer", "string"],
                "description": "override of the early join (default 10; clamped to 0..120)",
            },
            "grace_minutes": {
                "type": ["integer", "string"],
                "description": "override of the grace (default 15; clamped to 0..240)",
            },
            "privacy": _text("room privacy override", enum=["private", "public"]),
        },
        closed=False,
        description="Webhooks by Zapier, flat or nested; `a__b` is the same as `a.b`. "
        "`id` or `event_id` is required.",
    ),
    "GenericEvent": _obj(
        {
            "type": _text(
                "what happened",
                enum=[f"calendar_event.{kind}" for kind in ("created", "updated", "cancelled")],
            ),
            "timestamp": {"type": ["string", "number"], "description": "RFC 3339 or Unix seconds"},
            "data": _obj(
                {
                    "id": _text("the event id"),
                    "title": _text("the meeting's title"),
                    "start": _text("RFC 3339"),
                    "end": _text("RFC 3339"),
                    "time_zone": _text("IANA zone for offset-less times"),
                    "rrule": _text("optional: a recurring series"),
                    "organizer": _PERSON_IN,
                    "attendees": {"type": "array", "items": _PERSON_IN},
                },
                required=("id",),
                closed=False,
            ),
        },
        required=("type", "data"),
        closed=False,
        description="roomlinks' own format, signed as Standard Webhooks.",
    ),
    "VendorEvent": {
        "type": "object",
        "description": "google: a Google Calendar API Event resource; graph: a Microsoft Graph "
        "event resource; calcom: a Cal.com webhook `{triggerEvent, createdAt, payload}` "
        "(BOOKING_CREATED / RESCHEDULED / CANCELLED); calendly: a Calendly v2 webhook "
        f"`{{event, created_at, payload}}` (invitee.created / invitee.canceled); {_VENDOR}.",
    },
    "ICalendar": _text(
        "an RFC 5545 VCALENDAR: VEVENT, iTIP METHOD REQUEST/CANCEL, RRULE/RDATE/EXDATE, "
        "RECURRENCE-ID; TZIDs defined by a VTIMEZONE in the body are honoured"
    ),
}
