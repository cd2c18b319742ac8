"""``GET /v1/openapi.json`` (contract §2.0): an OpenAPI 3.1 document of every route of §2.

Plain data, built on first use and cached for the container's life (callers must not mutate
it). No file I/O and nothing heavier than ``openapi_schemas`` is imported. ``VERSION`` follows
``pyproject.toml``; ``tests/unit/test_openapi.py`` validates the document and checks it against
the Chalice routes, the request models, the error classes and real answers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.openapi_protocol import ERROR_STATUS, HOOK_BODIES, SECURITY_SCHEMES, Schema, ref
from chalicelib.openapi_schemas import SCHEMAS, SOURCES

VERSION = "0.1.0"

# Which security requirement each source's deliveries meet (one requirement per source).
HOOK_SECURITY: dict[str, list[str]] = {
    "zapier": ["hookBearer"],
    "google": ["hookBearer"],
    "graph": ["hookBearer"],
    "ical": ["hookBearer"],
    "calcom": ["calcomSignature"],
    "calendly": ["calendlySignature"],
    "generic": ["webhookId", "webhookTimestamp", "webhookSignature"],
}


def _header(name: str, description: str, *, required: bool = False, **schema: Any) -> Schema:
    return {
        "in": "header",
        "name": name,
        "description": description,
        "required": required,
        "schema": {"type": "string", **schema},
    }


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def errors(*types: str) -> dict[str, Any]:
    """The error answers of ``types``, grouped by status, each an ``Error`` narrowed to them."""
    by_status: dict[int, list[str]] = {}
    for error in types:
        by_status.setdefault(ERROR_STATUS[error][0], []).append(error)
    answers: dict[str, Any] = {}
    for status, kinds in sorted(by_status.items()):
        answer: dict[str, Any] = {
            "description": "; ".join(f"`{k}`: {ERROR_STATUS[k][1]}" for k in kinds),
            "content": _json({"allOf": [ref("Error"), {"properties": {"error": {"enum": kinds}}}]}),
        }
        if status == 405:
            answer["headers"] = {
                "Allow": {
                    "description": "the methods this route reads",
                    "schema": {"type": "string"},
                }
            }
        if status == 503:
            answer["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait before retrying",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        answers[str(status)] = answer
    return answers


_CORS = {
    "Access-Control-Allow-Origin": {
        "description": "the request's `Origin`, only when listed in `links.allowed_origins`",
        "schema": {"type": "string"},
    },
    "Vary": {"description": "`Origin`", "schema": {"type": "string"}},
}
_AUTH = ("authorization-header-error", "authentication-error", "forbidden-error")
_ALWAYS = ("method-not-allowed", "upstream-unavailable", "server-error")


def _ok(description: str, schema: Schema, headers: dict[str, Any] | None = None) -> Schema:
    answer: Schema = {"description": description, "content": _json(schema)}
    if headers:
        answer["headers"] = headers
    return answer


def _path_param(name: str, description: str, **schema: Any) -> Schema:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _operations() -> dict[str, Any]:
    booking = ref("BookingAnswer")
    return {
        "/v1/openapi.json": {
            "get": {
                "operationId": "getOpenapi",
                "tags": ["meta"],
                "security": [],
                "summary": "This document (no auth)",
                "responses": {
                    "200": _ok("an OpenAPI 3.1 document", {"type": "object"}),
                    **errors("method-not-allowed"),
                },
            }
        },
        "/v1/health": {
            "get": {
                "operationId": "getHealth",
                "tags": ["meta"],
                "security": [],
                "summary": "Liveness (no auth, touches no secret)",
                "responses": {"200": _ok("up", ref("Health")), **errors("method-not-allowed")},
            }
        },
        "/v1/hooks/{source}": {
            "post": {
                "operationId": "receiveHook",
                "tags": ["hooks"],
                "summary": "Event intake: a calendar event in, its room and links out",
                "description": "Booking identity is `<source>:<event id>`. A repeat delivery "
                "answers `unchanged`, a later version `updated`, an older one `stale`, a "
                "cancellation `cancelled` (also of an unknown booking). All-day, end ≤ start and "
                "ended events are refused. Proof of origin depends on `source`: "
                + ", ".join(f"{s}: {' + '.join(n)}" for s, n in HOOK_SECURITY.items())
                + ".",
                "x-roomlinks-security-by-source": HOOK_SECURITY,
                "security": [
                    {name: [] for name in names}
                    for names in dict.fromkeys(tuple(n) for n in HOOK_SECURITY.values())
                ],
                "parameters": [_path_param("source", "the sender", enum=list(SOURCES))],
                "requestBody": {
                    "required": True,
                    "description": "at most 256 KiB; `charset`/`name` parameters are allowed",
                    "content": {media: {"schema": schema} for media, schema in HOOK_BODIES.items()},
                },
                "responses": {
                    "200": _ok(
                        "the booking as it now stands, or an ignored delivery",
                        {"oneOf": [booking, ref("IgnoredAnswer")]},
                    ),
                    **errors(
                        "json-parsing-error",
                        "invalid-request-error",
                        *_AUTH[:2],
                        "payload-too-large",
                        "unsupported-media-type",
                        *_ALWAYS,
                    ),
                },
            }
        },
        "/v1/links": {
            "post": {
                "operationId": "createJoinLink",
                "tags": ["frontends"],
                "summary": "A join link for the caller's signed-in user",
                "description": "The JWT's `email` must be an attendee (guest) or the organizer "
                "(host), unless its `scope` holds `links:admin`. No Daily call; CORS for the "
                "origins in `links.allowed_origins` (preflight included).",
                "security": [{"callerJwt": []}],
                "requestBody": {"required": True, "content": _json(ref("LinkRequest"))},
                "responses": {
                    "200": _ok("the link", ref("LinkAnswer"), _CORS),
                    **errors(
                        "json-parsing-error",
                        "invalid-request-error",
                        *_AUTH,
                        "not-found",
                        "gone",
                        "payload-too-large",
                        "unsupported-media-type",
                        *_ALWAYS,
                    ),
                },
            }
        },
        "/v1/rooms": {
            "post": {
                "operationId": "createRoom",
                "tags": ["frontends"],
                "summary": "An ad-hoc time-boxed room",
                "description": "Starts now without `starts_at`. The same `Idempotency-Key` "
                "with the same body (same caller, within 24 h) answers the first answer again "
                "and creates nothing; with another body, 409. CORS as for `/v1/links`.",
                "security": [{"callerJwt": ["rooms:create"]}],
                "parameters": [
                    _header("Idempotency-Key", "makes retries safe", minLength=1, maxLength=255)
                ],
                "requestBody": {"required": True, "content": _json(ref("RoomRequest"))},
                "responses": {
                    "200": _ok("the booking (`booking_id` `adhoc:<id>`)", booking, _CORS),
                    **errors(
                        "json-parsing-error",
                        "invalid-request-error",
                        *_AUTH,
                        "conflict",
                        "payload-too-large",
                        "unsupported-media-type",
                        *_ALWAYS,
                    ),
                },
            }
        },
        "/v1/rooms/{booking_id}": {
            "delete": {
                "operationId": "endRoom",
                "tags": ["frontends"],
                "summary": "End an ad-hoc room at once (its creator or `links:admin`)",
                "security": [{"callerJwt": []}],
                "parameters": [_path_param("booking_id", "`adhoc:<id>`", pattern="^adhoc:")],
                "responses": {
                    "200": _ok("the booking, `status: cancelled`", booking, _CORS),
                    **errors(*_AUTH, "not-found", *_ALWAYS),
                },
            }
        },
        "/v1/join/{ref}": {
            "get": {
                "operationId": "openInvite",
                "tags": ["invites"],
                "security": [],
                "summary": "The stable invite link of one participant (what calendars carry)",
                "parameters": [_path_param("ref", "unguessable; one booking, one participant")],
                "responses": {
                    "302": {
                        "description": "the window is open: to the Daily room with a fresh token",
                        "headers": {
                            "Location": {
                                "required": True,
                                "schema": {"type": "string", "format": "uri"},
                                "description": "`https://<domain>.daily.co/<room>?t=<token>`",
                            }
                        },
                    },
                    "200": _html(
                        "before the window, or while the room is being prepared: a page "
                        "saying when it opens"
                    ),
                    "410": _html("after the window or the cancellation"),
                    **errors("not-found", *_ALWAYS),
                },
            }
        },
    }


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "roomlinks",
            "version": VERSION,
            "summary": "Calendar events in, time-boxed Daily rooms and join links out",
            "description": "Every error, also of unknown routes (404 `not-found`) and wrong "
            "methods, is `Error`. On API Gateway's default host the paths sit under the stage "
            "(`/<stage>/v1/…`).",
        },
        "tags": [
            {"name": "hooks", "description": "calendar and Zapier-style event intake"},
            {"name": "frontends", "description": "signed-in users' links and ad-hoc rooms"},
            {"name": "invites", "description": "links that go into calendar invites"},
            {"name": "meta", "description": "this document and liveness"},
        ],
        "paths": _operations(),
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }
