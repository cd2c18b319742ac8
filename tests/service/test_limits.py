"""Size and encoding limits end to end: 1,000 attendees fit the item and the answer; a body
over 256 KiB is a 413 on every route; a declared charset is honoured."""

from __future__ import annotations

import json

import pytest

from chalicelib.store import MAX_ITEM_BYTES
from tests.frontend.jwts import bearer, hs256
from tests.plugins.service_harness import Harness, in_future, zap

LAMBDA_ANSWER_LIMIT = 6 * 1024 * 1024


def crowd(n: int) -> list[dict[str, str]]:
    # Long but plausible entries: 40-character names, 60-character addresses.
    return [
        {
            "email": f"attendee-{i:05d}-{'x' * 40}@example-company.com",
            "name": f"Attendee {i:05d} " + "y" * 24,
        }
        for i in range(n)
    ]


def test_a_thousand_attendees_fit_the_item_and_the_answer(harness: Harness) -> None:
    body = json.dumps(zap("big-1", attendees=crowd(1000)))
    assert len(body) < 256 * 1024
    answer = harness.post("zapier", body)
    assert answer.status_code == 200, answer.body[:300]
    assert len(answer.json_body["attendees"]) == 1000
    assert len(answer.body) < LAMBDA_ANSWER_LIMIT
    booking = harness.booking("zapier:big-1")
    stored = len(json.dumps(booking.model_dump(mode="json", exclude_none=True)))
    assert stored < MAX_ITEM_BYTES
    print(
        f"1,000 attendees: item {stored / 1024:.0f} KiB, answer {len(answer.body) / 1024:.0f} KiB"
    )


def test_more_than_a_thousand_attendees_is_413_and_creates_nothing(harness: Harness) -> None:
    answer = harness.post("zapier", json.dumps(zap("big-2", attendees=crowd(1001))))
    assert answer.status_code == 413
    assert answer.json_body["code"] == "too-many-attendees"
    assert harness.emulator.rooms_snapshot() == []
    assert harness.booking("zapier:big-2") is None


@pytest.mark.parametrize("path", ["/v1/links", "/v1/rooms"])
def test_a_body_over_256_kib_is_413_on_the_frontend_routes_too(harness: Harness, path: str) -> None:
    body = json.dumps({"booking_id": "x", "minutes": 5, "pad": "x" * (256 * 1024)})
    answer = harness.client.http.post(path, headers=bearer(hs256(scope="rooms:create")), body=body)
    assert answer.status_code == 413
    assert answer.json_body["error"] == "payload-too-large"
    assert harness.daily_calls() == 0


def test_an_icalendar_body_is_read_in_the_charset_its_content_type_names(
    harness: Harness,
) -> None:
    start, end = (t.replace("-", "").replace(":", "") for t in in_future())
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//latin-1//EN\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:latin-1@example.com\r\nSEQUENCE:0\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Réunion\r\n"
        "ORGANIZER;CN=Zoë Host:mailto:zoe@example.com\r\n"
        "ATTENDEE;CN=José Guest:mailto:jose@example.com\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode("iso-8859-1")
    answer = harness.post(
        "ical",
        calendar,
        headers={"Authorization": "Bearer ical-token"},
        content_type="text/calendar; charset=ISO-8859-1",
    )
    assert answer.status_code == 200, answer.body
    (attendee,) = answer.json_body["attendees"]
    assert attendee["name"] == "José Guest"
