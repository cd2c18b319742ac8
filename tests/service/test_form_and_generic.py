"""Zapier's form payloads and the Standard Webhooks ``generic`` source over the routes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from standardwebhooks.webhooks import Webhook

from tests.plugins.service_harness import Harness, in_future

GENERIC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_form_encoded_zap_with_offsets_and_spaces(harness: Harness) -> None:
    start, end = in_future()
    start_local = start.replace("Z", "+02:00")
    body = urlencode(
        {
            "id": "form-1",
            "title": "Quarterly planning",
            "start__dateTime": start_local,
            "end__dateTime": end.replace("Z", "+02:00"),
            "organizer_email": "olivia@example.com",
            "attendees": "ann@example.com, Bob Lee <bob@example.com>",
        }
    )
    assert "%2B02%3A00" in body  # urlencode escapes '+' as form encoding requires
    answer = harness.post("zapier", body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200, answer.body
    data = answer.json_body
    assert data["title" if "title" in data else "booking_id"]
    expected = datetime.fromisoformat(start_local).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data["starts_at"] == expected
    assert [(a["email"], a["name"]) for a in data["attendees"]] == [
        ("ann@example.com", None),
        ("bob@example.com", "Bob Lee"),
    ]


def test_form_plus_sign_is_a_space(harness: Harness) -> None:
    start, end = in_future()
    raw = f"id=form-2&title=Team+sync&start={start.replace('Z', '%2B00:00')}&end={end}"
    answer = harness.post("zapier", raw, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200, answer.body
    assert answer.json_body["starts_at"] == start
    raw_plus = f"id=form-3&start={start.replace('Z', '+00:00')}&end={end}"
    broken = harness.post("zapier", raw_plus, content_type="application/x-www-form-urlencoded")
    # An unescaped '+' became a space: the time is no longer RFC 3339.
    assert broken.status_code == 400


def _signed(
    payload: dict[str, object], *, msg_id: str = "msg_1", when: float | None = None
) -> tuple[str, dict[str, str]]:
    body = json.dumps(payload)
    stamp = datetime.fromtimestamp(when if when is not None else time.time(), UTC)
    signature = Webhook(GENERIC_SECRET).sign(msg_id, stamp, body)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
    }
    return body, headers


def generic_event(
    kind: str = "calendar_event.created", event_id: str = "gen-1"
) -> dict[str, object]:
    start, end = in_future()
    return {
        "type": kind,
        "timestamp": datetime.now(UTC).isoformat(),
        "data": {
            "id": event_id,
            "title": "Onboarding",
            "start": start,
            "end": end,
            "time_zone": "Europe/Paris",
            "organizer": {"email": "org@example.com", "name": "Org"},
            "attendees": [{"email": "guest@example.com", "name": "Guest"}],
        },
    }


def test_generic_signed_by_the_reference_library_is_accepted(harness: Harness) -> None:
    body, headers = _signed(generic_event())
    answer = harness.post("generic", body, headers=headers)
    assert answer.status_code == 200, answer.body
    assert answer.json_body["booking_id"] == "generic:gen-1"
    assert answer.json_body["outcome"] == "created"


def test_generic_rotation_any_listed_signature_verifies(harness: Harness) -> None:
    body, headers = _signed(generic_event())
    headers["webhook-signature"] = (
        "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + headers["webhook-signature"]
    )
    assert harness.post("generic", body, headers=headers).status_code == 200


def test_generic_tampered_body_is_401(harness: Harness) -> None:
    body, headers = _signed(generic_event())
    answer = harness.post("generic", body.replace("Onboarding", "Offboarding"), headers=headers)
    assert answer.status_code == 401
    assert answer.json_body["error"] == "authentication-error"


def test_generic_stale_timestamp_is_401(harness: Harness) -> None:
    body, headers = _signed(generic_event(), when=time.time() - 301)
    assert (
        harness.post("generic", body, headers=headers).json_body["error"] == "authentication-error"
    )


def test_generic_missing_headers_is_400(harness: Harness) -> None:
    body, headers = _signed(generic_event())
    del headers["webhook-signature"]
    answer = harness.post("generic", body, headers=headers)
    assert (answer.status_code, answer.json_body["error"]) == (400, "authorization-header-error")


def test_generic_cancel(harness: Harness) -> None:
    body, headers = _signed(generic_event())
    harness.post("generic", body, headers=headers)
    cancel = generic_event("calendar_event.cancelled")
    body, headers = _signed(cancel, msg_id="msg_2")
    answer = harness.post("generic", body, headers=headers).json_body
    assert (answer["outcome"], answer["status"]) == ("cancelled", "cancelled")
