"""The largest event supported end to end: 1,000 attendees fit the item and the answer."""

from __future__ import annotations

import json

from chalicelib.store import MAX_ITEM_BYTES
from tests.plugins.service_harness import Harness, zap

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
