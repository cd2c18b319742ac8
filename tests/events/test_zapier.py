from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.model import EventAction, make_version
from chalicelib.events.zapier import parse
from tests.events import intake

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def parsed(payload: object, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return intake("zapier", body, content_type, NOW)


def test_flat_google_style_keys_with_zone() -> None:
    event = parsed(
        {
            "event_id": "g1",
            "summary": "Standup",
            "start__dateTime": "2031-07-01T09:00:00",
            "start__timeZone": "Europe/Berlin",
            "end__dateTime": "2031-07-01T09:15:00",
            "organizer__email": "lead@example.com",
            "attendees": ["a@example.com", "B@Example.com", "b@example.com", "lead@example.com"],
        }
    )
    assert event.booking_id == "zapier:g1"
    assert event.title == "Standup"
    assert event.start == datetime(2031, 7, 1, 7, 0, tzinfo=UTC)
    assert event.end == datetime(2031, 7, 1, 7, 15, tzinfo=UTC)
    # Organizer dropped, duplicates removed case-insensitively, first spelling kept.
    assert [p.email for p in event.attendees] == ["a@example.com", "B@Example.com"]


def test_nested_and_dotted_keys_read_alike() -> None:
    nested = parsed(
        {
            "id": "n1",
            "start": {"dateTime": "2031-07-01T09:00:00Z"},
            "end": {"dateTime": "2031-07-01T10:00:00Z"},
        }
    )
    dotted = parsed(
        {
            "id": "n1",
            "start.dateTime": "2031-07-01T09:00:00Z",
            "end.dateTime": "2031-07-01T10:00:00Z",
        }
    )
    assert nested == dotted
    assert nested.start == datetime(2031, 7, 1, 9, tzinfo=UTC)


def test_attendee_shapes() -> None:
    base = {"id": "x", "start": "2031-07-01T09:00:00Z", "end": "2031-07-01T10:00:00Z"}
    as_objects = parsed({**base, "attendees": [{"email": "a@example.com", "name": "A"}]})
    as_string = parsed({**base, "attendees": "a@example.com, b@example.com ,"})
    assert [(p.email, p.name) for p in as_objects.attendees] == [("a@example.com", "A")]
    assert [p.email for p in as_string.attendees] == ["a@example.com", "b@example.com"]


def test_dst_gap_and_overlap_follow_rfc5545() -> None:
    gap = parsed(
        {
            "id": "d",
            "start": "2031-03-09T02:30:00",
            "end": "2031-03-09T04:00:00",
            "timezone": "America/New_York",
        }
    )
    assert gap.start == datetime(2031, 3, 9, 7, 30, tzinfo=UTC)  # offset before the gap
    overlap = parsed(
        {
            "id": "d",
            "start": "2031-11-02T01:30:00",
            "end": "2031-11-02T03:00:00",
            "timezone": "America/New_York",
        }
    )
    assert overlap.start == datetime(2031, 11, 2, 5, 30, tzinfo=UTC)  # first occurrence (EDT)


def test_windows_zone_name_is_accepted() -> None:
    event = parsed(
        {
            "id": "w",
            "start": "2031-01-10T09:00:00",
            "end": "2031-01-10T10:00:00",
            "timezone": "W. Europe Standard Time",
        }
    )
    assert event.start == datetime(2031, 1, 10, 8, tzinfo=UTC)


def test_versions_and_actions() -> None:
    base = {"id": "v", "start": "2031-07-01T09:00:00Z", "end": "2031-07-01T10:00:00Z"}
    assert parsed({**base, "sequence": "3"}).version == make_version(3)
    updated = parsed({**base, "updated": "2031-06-01T00:00:00Z"})
    assert updated.version == make_version(None, datetime(2031, 6, 1, tzinfo=UTC))
    assert parsed(base).version is None
    cancel = parsed({"id": "v", "status": "Cancelled"})
    assert cancel.action is EventAction.CANCEL and cancel.start is None
    assert parsed({"id": "v", "action": "cancel"}).action is EventAction.CANCEL


def test_overrides() -> None:
    base = {"id": "o", "start": "2031-07-01T09:00:00Z", "end": "2031-07-01T10:00:00Z"}
    event = parsed({**base, "early_join_minutes": "5", "grace_minutes": 0, "privacy": "PUBLIC"})
    assert (event.overrides.early_join_minutes, event.overrides.grace_minutes) == (5, 0)
    assert event.overrides.privacy == "public"
    with pytest.raises(InvalidRequestError):
        parsed({**base, "privacy": "org"})


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"id": "a", "start": "2031-07-01", "end": "2031-07-02"}, "all-day-event"),
        ({"id": "a", "start__date": "2031-07-01", "end__date": "2031-07-02"}, "all-day-event"),
        (
            {"id": "a", "start": "2031-07-01T09:00:00", "end": "2031-07-01T10:00:00"},
            "missing-time-zone",
        ),
        ({"id": "a", "start": "tomorrow", "end": "2031-07-01T10:00:00Z"}, "invalid-time"),
        (
            {
                "id": "a",
                "start": "2031-07-01T09:00:00Z",
                "end": "2031-07-01T10:00:00Z",
                "timezone": "Mars/Olympus",
            },
            None,
        ),
        (
            {"id": "a", "start": "2031-07-01T10:00:00Z", "end": "2031-07-01T10:00:00Z"},
            "end-before-start",
        ),
        ({"title": "no id"}, "missing-field"),
        (
            {"id": "a", "start": "2029-07-01T09:00:00Z", "end": "2029-07-01T10:00:00Z"},
            "event-ended",
        ),
    ],
)
def test_refusals(payload: dict[str, object], code: str | None) -> None:
    if code is None:  # a zone is only consulted for times without an offset: fine here
        assert parsed(payload).start is not None
        return
    with pytest.raises(InvalidRequestError) as info:
        parsed(payload)
    assert info.value.code == code


def test_unparseable_bodies() -> None:
    with pytest.raises(JsonParsingError):
        parse(b"{nope", "application/json")
    with pytest.raises(JsonParsingError):
        parse(b"\xff\xfe", "application/x-www-form-urlencoded")
