"""The generic source: roomlinks' own Standard Webhooks envelope (contract §2.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.generic import parse
from chalicelib.events.model import EventAction, make_version
from tests.events import NOW, intake, utc


def body(kind: str = "calendar_event.created", **data: Any) -> bytes:
    payload = {
        "type": kind,
        "timestamp": "2027-06-01T10:00:00Z",
        "data": {
            "id": "evt-9",
            "title": "Planning",
            "start": "2027-06-02T15:00:00",
            "end": "2027-06-02T15:30:00",
            "time_zone": "Europe/Berlin",
            "organizer": {"email": "olivia@example.com", "name": "Olivia"},
            "attendees": [{"email": "ann@example.com", "name": "Ann"}],
            **data,
        },
    }
    return json.dumps(payload).encode()


def test_created_reads_local_times_in_the_zone_and_versions_by_timestamp() -> None:
    event = intake("generic", body(), "application/json", NOW)
    assert (event.action, event.booking_id) == (EventAction.CREATE, "generic:evt-9")
    assert (event.start, event.end) == (utc(2027, 6, 2, 13, 0), utc(2027, 6, 2, 13, 30))
    assert event.version == make_version(updated=utc(2027, 6, 1, 10, 0))
    assert event.organizer is not None and event.organizer.email == "olivia@example.com"
    assert [p.email for p in event.attendees] == ["ann@example.com"]


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("calendar_event.updated", EventAction.UPDATE),
        ("calendar_event.cancelled", EventAction.CANCEL),
    ],
)
def test_updated_and_cancelled(kind: str, action: EventAction) -> None:
    assert parse(body(kind), "application/json").action is action


def test_a_cancellation_needs_no_times() -> None:
    payload = json.dumps(
        {"type": "calendar_event.cancelled", "timestamp": 1800000000, "data": {"id": "x"}}
    )
    event = parse(payload.encode(), "application/json")
    assert (event.action, event.start, event.end) == (EventAction.CANCEL, None, None)


def test_an_unknown_type_is_our_senders_mistake() -> None:
    with pytest.raises(InvalidRequestError) as refused:
        parse(body("calendar_event.moved"), "application/json")
    assert refused.value.code == "unsupported-type"


@pytest.mark.parametrize("stamp", [float("nan"), float("inf"), 1e20, 253402300800])
def test_timestamps_out_of_range_are_400(stamp: object) -> None:
    payload = json.loads(body())
    payload["timestamp"] = stamp
    with pytest.raises(InvalidRequestError) as refused:
        parse(json.dumps(payload).encode(), "application/json")
    assert refused.value.code == "time-out-of-range"


def test_missing_id_and_bad_json() -> None:
    with pytest.raises(InvalidRequestError):
        parse(body(id=None), "application/json")
    with pytest.raises(JsonParsingError):
        parse(b'{"type":', "application/json")


def test_an_rrule_makes_a_series_at_the_next_occurrence() -> None:
    event = intake(
        "generic",
        body(start="2027-05-03T09:00:00", end="2027-05-03T09:30:00", rrule="FREQ=WEEKLY;BYDAY=MO"),
        "application/json",
        NOW,
    )
    assert event.recurrence is not None
    assert event.start == utc(2027, 6, 7, 7, 0)  # the first Monday after NOW, 09:00 in Berlin
