from __future__ import annotations

import re
from datetime import UTC, datetime

from chalicelib.events.model import CalendarEvent, EventAction, EventOverrides, Person
from chalicelib.room_rules import (
    MAX_EARLY_JOIN_MINUTES,
    MAX_GRACE_MINUTES,
    attendee_participant,
    host_participant,
    invite_ref,
    room_name,
    room_window,
    user_id,
)

START = datetime(2031, 3, 1, 15, 0, tzinfo=UTC)
END = datetime(2031, 3, 1, 15, 30, tzinfo=UTC)


def event(**overrides: object) -> CalendarEvent:
    return CalendarEvent(
        source="zapier",
        event_id="e1",
        action=EventAction.CREATE,
        start=START,
        end=END,
        overrides=EventOverrides(**overrides),  # type: ignore[arg-type]
    )


def window(**overrides: object):  # type: ignore[no-untyped-def]
    return room_window(
        event(**overrides), early_join_minutes=10, grace_minutes=15, default_privacy="private"
    )


def test_room_name_is_deterministic_valid_and_keyed() -> None:
    name = room_name("key-one-0123456789", "zapier:secret meeting about layoffs")
    assert name == room_name("key-one-0123456789", "zapier:secret meeting about layoffs")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,128}", name)
    assert "layoffs" not in name and "zapier" not in name
    assert name != room_name("key-two-0123456789", "zapier:secret meeting about layoffs")
    assert name != room_name("key-one-0123456789", "zapier:other")


def test_default_window() -> None:
    w = window()
    assert w.nbf == int(START.timestamp()) - 600
    assert w.exp == int(END.timestamp()) + 900
    assert w.privacy == "private"
    assert w.room_properties() == {"nbf": w.nbf, "exp": w.exp, "eject_at_room_exp": True}
    assert datetime.fromtimestamp(w.nbf, UTC) == datetime(2031, 3, 1, 14, 50, tzinfo=UTC)


def test_overrides_are_clamped_to_safe_bounds() -> None:
    w = window(early_join_minutes=10_000, grace_minutes=-5, privacy="public")
    assert w.nbf == int(START.timestamp()) - MAX_EARLY_JOIN_MINUTES * 60
    assert w.exp == int(END.timestamp())
    assert w.privacy == "public"
    assert window(grace_minutes=99_999).exp == int(END.timestamp()) + MAX_GRACE_MINUTES * 60


def test_user_id_is_opaque_short_and_case_insensitive() -> None:
    uid = user_id("key-0123456789abcdef", "Ann@Example.com")
    assert uid == user_id("key-0123456789abcdef", "ann@example.com")
    assert len(uid) <= 36
    assert "ann" not in uid


def test_participants() -> None:
    key = "key-0123456789abcdef"
    host = host_participant(key, Person(email="olivia@example.com"))
    assert (host.is_owner, host.user_name) == (True, "olivia")
    assert host_participant(key, None).user_name == "Host"
    ann = attendee_participant(key, Person(email="ann@example.com", name="Ann 🎉"))
    assert (ann.is_owner, ann.user_name, ann.key) == (False, "Ann 🎉", "ann@example.com")


def test_invite_ref_is_bound_to_lineage_and_participant() -> None:
    key = "key-0123456789abcdef"
    ref = invite_ref(key, "zapier:e1", "guest")
    assert re.fullmatch(r"[A-Za-z0-9_-]{36}", ref)
    assert ref[:20] == invite_ref(key, "zapier:e1", "host")[:20]
    assert ref != invite_ref(key, "zapier:e1", "host")
    assert ref != invite_ref(key, "zapier:e2", "guest")
