"""How each vendor signs a delivery, written from their docs, for tests of every source."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from tests.events import fixture as fixture_file

CONTENT_TYPES = {"ical": "text/calendar; charset=utf-8"}
FIXTURE_SUFFIX = {"ical": ".ics"}


def fixture(source: str, name: str) -> bytes:
    return fixture_file(source, name + FIXTURE_SUFFIX.get(source, ".json"))


def first(value: Any) -> str:
    return str(value[0] if isinstance(value, list) else value)


def signed_headers(
    source: str, body: bytes, hooks: dict[str, Any], *, now: float | None = None
) -> dict[str, str]:
    """The headers a genuine sender of ``source`` would attach to ``body``."""
    secret = first(hooks[source])
    headers = {"Content-Type": CONTENT_TYPES.get(source, "application/json")}
    if source == "calcom":
        headers["X-Cal-Signature-256"] = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    elif source == "calendly":
        stamp = int(now if now is not None else time.time())
        digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers["Calendly-Webhook-Signature"] = f"t={stamp},v1={digest}"
    else:
        headers["Authorization"] = f"Bearer {secret}"
    return headers
