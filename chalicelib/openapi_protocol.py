"""The protocol side of ``GET /v1/openapi.json``: each proof of origin and caller credential,
the bodies a hook reads by content type, and each error type's status. Plain data."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


# Each error type's status and meaning (contract §2's table; ``errors.py`` raises them).
ERROR_STATUS: dict[str, tuple[int, str]] = {
    "json-parsing-error": (400, "the body is not parseable (JSON, form, iCalendar)"),
    "invalid-request-error": (400, "parseable but wrong (fields, times, unknown source)"),
    "authorization-header-error": (400, "the credential or signature header is missing or bad"),
    "authentication-error": (401, "the credential or signature does not verify, or is stale"),
    "forbidden-error": (403, "authenticated, but not allowed"),
    "not-found": (404, "unknown booking or link"),
    "method-not-allowed": (405, "known route, wrong method"),
    "conflict": (409, "an Idempotency-Key reused with a different body"),
    "gone": (410, "the booking was cancelled or its room window is over"),
    "payload-too-large": (413, "the body is over 256 KiB (or too many attendees)"),
    "unsupported-media-type": (415, "a content type this route does not read"),
    "upstream-unavailable": (503, "Daily or AWS unreachable, or the service is misconfigured"),
    # Not in the contract's table: the bare 500 of an unexpected failure (web.answers_errors).
    "server-error": (500, "an unexpected failure (logged; no internals shown)"),
}
ERROR_TYPES = tuple(ERROR_STATUS)


def _signature(name: str, description: str) -> Schema:
    return {"type": "apiKey", "in": "header", "name": name, "description": description}


SECURITY_SCHEMES: dict[str, Schema] = {
    "hookBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <hooks.<source>>` (zapier, google, graph, ical)",
    },
    "calcomSignature": _signature(
        "X-Cal-Signature-256", "hex HMAC-SHA256 of the raw body with `hooks.calcom`"
    ),
    "calendlySignature": _signature(
        "Calendly-Webhook-Signature",
        '`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with `hooks.calendly`, ±300 s',
    ),
    "webhookId": _signature("webhook-id", "Standard Webhooks message id (generic)"),
    "webhookTimestamp": _signature("webhook-timestamp", "Unix seconds, ±300 s (generic)"),
    "webhookSignature": _signature("webhook-signature", "`v1,<base64>` with `hooks.generic`"),
    "callerJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "the caller's identity provider's JWT: HS256 with `links.jwt_secret` or "
        "RS256/ES256 from `links.jwks_url`; `exp`, `iss`, `aud` checked (`nbf` when present); "
        "identity `sub`, "
        "`email`; `scope` is space-separated (`links:admin`, `rooms:create`)",
    },
}


# Every body a hook reads, by content type (app.HOOK_CONTENT_TYPES).
HOOK_BODIES: dict[str, Schema] = {
    "application/json": {
        "anyOf": [ref("ZapierEvent"), ref("GenericEvent"), ref("VendorEvent")],
        "description": "the source's JSON event: Zapier fields, the generic envelope, or the "
        "vendor's own webhook (google, graph, calcom, calendly)",
    },
    "application/x-www-form-urlencoded": ref("ZapierEvent"),
    "text/calendar": ref("ICalendar"),
    "application/ics": ref("ICalendar"),
    "text/x-vcalendar": ref("ICalendar"),
    "text/plain": {"type": "string", "description": "iCalendar (ical) or JSON, unlabelled"},
    "application/octet-stream": {"type": "string", "description": "as `text/plain`"},
}
