"""Applying decisions: ``BookingSync`` with the in-memory store and a Daily stand-in.

The table decides, Daily follows: every test ends by comparing what the fake Daily holds
with what the store holds. The interleaving tests run a second writer's whole delivery
*inside* the first writer's Daily call, so the first writer's call lands at Daily after the
second writer's newer write and Daily work; Daily must still end up matching the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pytest

from chalicelib.booking import Booking, Outcome
from chalicelib.errors import PayloadTooLargeError
from chalicelib.events.model import CalendarEvent, Person
from chalicelib.memory_store import InMemoryBookingStore
from chalicelib.room_work import RETRY_FIRST_SECONDS, Rules, action_after_own_call, room_action
from chalicelib.rooms import PendingReason
from chalicelib.sync import BookingSync
from tests.core.builders import (
    ANN,
    CAROL,
    FAR,
    LATER,
    LEAD,
    NOW,
    RULES,
    FakeRooms,
    cancel,
    event,
    exp_of,
    nbf_of,
    stored,
)

X, P = "zapier:X", "zapier:P"
REASONS: list[PendingReason] = [
    "daily-unavailable",
    "daily-rate-limited",
    "daily-key-rejected",
    "daily-room-limit",
]


class World:
    """One store, one fake Daily, and a way to deliver as a fresh request would."""

    def __init__(self, rules: Rules = RULES) -> None:
        self.store = InMemoryBookingStore()
        self.daily = FakeRooms()
        self.rules = rules

    def sync(self, now: int = NOW) -> BookingSync:
        return BookingSync(self.store, self.daily.as_daily(), self.rules, now, None)

    def deliver(self, delivery: CalendarEvent, now: int = NOW) -> tuple[Booking, Outcome]:
        return self.sync(now).apply_event(delivery)

    def booking(self, booking_id: str = X) -> Booking:
        found = self.store.get(booking_id)
        assert found is not None
        return found

    def calls(self) -> int:
        return len(self.daily.calls)

    def assert_daily_matches(self, booking_ids: Iterable[str] = (X,), now: int = NOW) -> None:
        """Daily holds exactly what the stored bookings say, and nothing is owed."""
        for booking_id in booking_ids:
            booking = self.booking(booking_id)
            assert room_action(booking, now, self.rules) is None, booking
            if booking.moved_to is not None:
                continue  # the room is its successor's now: checked there
            held = self.daily.rooms.get(booking.room_name)
            if booking.cancelled or not booking.room_present:
                assert held is None, f"{booking_id}: Daily holds {held}, stored has no room"
            else:
                assert booking.room_synced
                assert held == (booking.nbf, booking.exp, booking.privacy), (
                    f"{booking_id}: Daily holds {held}, stored {(booking.nbf, booking.exp)}"
                )


def test_a_new_booking_costs_one_daily_call_and_is_stored_in_step() -> None:
    world = World()
    booking, outcome = world.deliver(event(1))
    assert outcome is Outcome.CREATED
    assert world.daily.calls == [("ensure", booking.room_name)]
    stored = world.booking()
    assert booking == stored
    assert (stored.room_present, stored.room_synced, stored.status) == (True, True, "scheduled")
    assert (stored.reconcile_at, stored.pending_reason, stored.revision) == (None, None, 2)
    assert world.daily.rooms[stored.room_name] == (nbf_of(event(1).start), stored.exp, "private")
    world.assert_daily_matches()


def test_a_replay_costs_daily_nothing_and_writes_nothing() -> None:
    world = World()
    first, _ = world.deliver(event(1))
    calls = world.calls()
    for _ in range(3):
        again, outcome = world.deliver(event(1))
        assert (outcome, again) == (Outcome.UNCHANGED, first)
    assert world.calls() == calls
    assert world.booking().revision == 2


@pytest.mark.parametrize("reason", REASONS)
def test_daily_failing_leaves_the_booking_pending_and_a_replay_heals(
    reason: PendingReason,
) -> None:
    world = World()
    world.daily.fail = reason
    booking, outcome = world.deliver(event(1))
    assert outcome is Outcome.CREATED
    assert world.calls() == 1
    assert (booking.status, booking.pending_reason) == ("pending", reason)
    assert (booking.room_present, booking.room_synced) == (False, False)
    assert booking == world.booking()
    if reason == "daily-room-limit":
        # Keeps its place in line (nbf - lead): the soonest meeting gets the next free room.
        assert (booking.reconcile_at, booking.attempts) == ((booking.nbf or 0) - LEAD, 1)
        assert [b.booking_id for b in world.store.due_bookings(NOW, 10)] == [X]
    else:
        # Due long ago (nbf - lead), but Daily failed: reconcile backs off a minute first.
        assert (booking.reconcile_at, booking.attempts) == (NOW + RETRY_FIRST_SECONDS, 1)
        assert world.store.due_bookings(NOW, 10) == []
        assert [b.booking_id for b in world.store.due_bookings(NOW + 60, 10)] == [X]

    again, outcome = world.deliver(event(1))  # still failing: one more attempt counted
    assert (outcome, world.calls()) == (Outcome.UNCHANGED, 2)
    assert (again.revision, again.attempts) == (booking.revision + 1, 2)
    if reason != "daily-room-limit":
        assert again.reconcile_at == NOW + 2 * RETRY_FIRST_SECONDS  # the backoff doubles

    world.daily.fail = None
    healed, outcome = world.deliver(event(1))
    assert outcome is Outcome.UNCHANGED
    assert world.daily.calls[-1] == ("ensure", healed.room_name)
    assert (healed.status, healed.pending_reason, healed.reconcile_at) == ("scheduled", None, None)
    assert world.store.due_bookings(NOW, 10) == []
    world.assert_daily_matches()


def test_a_deferred_booking_costs_daily_nothing_until_it_is_due() -> None:
    world = World()
    booking, outcome = world.deliver(event(1, start=FAR))
    assert (outcome, world.calls()) == (Outcome.CREATED, 0)
    assert (booking.status, booking.room_present) == ("scheduled", False)
    due = nbf_of(FAR) - LEAD
    assert booking.reconcile_at == due
    assert world.store.due_bookings(due - 1, 10) == []
    assert world.deliver(event(1, start=FAR))[1] is Outcome.UNCHANGED
    assert world.calls() == 0
    world.assert_daily_matches()
    # The reconcile job (or an invite click) makes the room once it is due.
    assert [b.booking_id for b in world.store.due_bookings(due, 10)] == [X]
    made = world.sync(due).sync_booking(world.booking())
    assert world.daily.calls == [("ensure", made.room_name)]
    assert (made.room_present, made.room_synced, made.reconcile_at) == (True, True, None)
    world.assert_daily_matches(now=due)


def test_no_lead_makes_the_room_at_booking_time() -> None:
    world = World(Rules(signing_key=RULES.signing_key, room_lead_seconds=None))
    booking, _ = world.deliver(event(1, start=FAR))
    assert world.calls() == 1 and booking.room_present and booking.reconcile_at is None


def test_cancel_of_a_deferred_booking_costs_daily_nothing() -> None:
    world = World()
    world.deliver(event(1, start=FAR))
    booking, outcome = world.deliver(cancel(2))
    assert (outcome, booking.status, world.calls()) == (Outcome.CANCELLED, "cancelled", 0)
    assert booking.reconcile_at is None
    world.assert_daily_matches()


def test_cancel_of_an_unknown_booking_costs_daily_nothing() -> None:
    world = World()
    booking, outcome = world.deliver(cancel(2))
    assert (outcome, booking.cancelled, world.calls()) == (Outcome.CANCELLED, True, 0)
    late, outcome = world.deliver(event(1))
    assert (outcome, late.cancelled, world.calls()) == (Outcome.STALE, True, 0)


def test_cancel_of_a_live_booking_deletes_its_room_once() -> None:
    world = World()
    made, _ = world.deliver(event(1))
    booking, outcome = world.deliver(cancel(2))
    assert outcome is Outcome.CANCELLED
    assert world.daily.calls[1:] == [("delete", made.room_name)]
    assert (booking.room_present, booking.room_synced, booking.reconcile_at) == (False, True, None)
    assert world.deliver(cancel(2))[1] is Outcome.UNCHANGED
    assert world.calls() == 2
    world.assert_daily_matches()


def test_a_failed_delete_is_left_for_reconcile() -> None:
    world = World()
    made, _ = world.deliver(event(1))
    world.daily.fail = "daily-unavailable"
    booking, outcome = world.deliver(cancel(2))
    assert (outcome, booking.status, booking.pending_reason) == (
        Outcome.CANCELLED,
        "cancelled",
        "daily-unavailable",
    )
    assert made.room_name in world.daily.rooms
    assert booking.reconcile_at == NOW + RETRY_FIRST_SECONDS
    world.daily.fail = None
    done = world.sync().sync_booking(world.booking())
    assert (done.room_present, done.room_synced, done.reconcile_at) == (False, True, None)
    world.assert_daily_matches()


def test_a_later_version_moves_the_room_with_one_call() -> None:
    world = World()
    made, _ = world.deliver(event(1))
    moved, outcome = world.deliver(event(2, start=LATER))
    assert outcome is Outcome.UPDATED
    assert world.daily.calls[1:] == [("move", made.room_name)]
    assert (moved.nbf, moved.exp, moved.room_synced) == (nbf_of(LATER), exp_of(LATER), True)
    world.assert_daily_matches()


def test_an_attendee_change_costs_daily_nothing() -> None:
    world = World()
    world.deliver(event(1))
    changed, outcome = world.deliver(event(2, attendees=(ANN, CAROL)))
    assert (outcome, changed.attendees, world.calls()) == (Outcome.UPDATED, (ANN, CAROL), 1)
    world.assert_daily_matches()


def test_a_resurrected_booking_gets_its_room_back() -> None:
    world = World()
    world.deliver(event(1))
    world.deliver(cancel(2))
    back, outcome = world.deliver(event(3, start=LATER))
    assert (outcome, back.status, back.room_present) == (Outcome.UPDATED, "scheduled", True)
    assert world.daily.calls[-1] == ("ensure", back.room_name)
    world.assert_daily_matches()


def test_a_reschedule_to_a_new_id_moves_the_room_with_the_meeting() -> None:
    world = World()
    old, _ = world.deliver(event(1, event_id="P"))
    new, outcome = world.deliver(event(1, event_id="X", previous="P", start=LATER))
    assert outcome is Outcome.CREATED
    assert new.room_name == old.room_name
    assert world.daily.calls[1:] == [("move", old.room_name)]
    assert world.booking(P).moved_to == X
    assert world.store.room_owner(old.room_name) == X
    late_cancel, outcome = world.deliver(cancel(2, event_id="P"))
    assert (outcome, world.calls()) == (Outcome.UNCHANGED, 2)  # the room stays with X
    assert late_cancel.moved_to == X
    world.assert_daily_matches([P, X])


def test_a_refused_write_never_touches_daily() -> None:
    world = World()
    crowd = tuple(
        Person(email=f"guest{i}@example.com", name="n" * 400 + str(i)) for i in range(1000)
    )
    with pytest.raises(PayloadTooLargeError):
        world.deliver(event(1, attendees=crowd))
    assert world.calls() == 0
    assert world.store.get(X) is None


def test_a_booking_over_before_its_room_was_made_leaves_the_reconcile_index() -> None:
    world = World()
    world.daily.fail = "daily-unavailable"
    pending, _ = world.deliver(event(1))
    world.daily.fail = None
    over = (pending.exp or 0) + 60
    after = world.sync(over).sync_booking(world.booking())
    assert world.calls() == 1  # nothing to make for a meeting that is over
    assert after.reconcile_at is None
    assert world.store.due_bookings(over, 10) == []


# ---- interleavings: a second writer's delivery lands while the first one's Daily call is in
# flight, so the first one's call reaches Daily after the second one's write and Daily work.

INTERLEAVINGS = [
    pytest.param((), event(1), cancel(2), [X], id="cancel during the create's ensure"),
    pytest.param((), event(1), event(1), [X], id="same delivery during the create's ensure"),
    pytest.param(
        (event(1),),
        event(2, start=LATER),
        event(1),
        [X],
        id="older delivery during an update's move",
    ),
    pytest.param(
        (event(1),),
        event(2, start=LATER),
        cancel(3),
        [X],
        id="cancel during an update's move",
    ),
    pytest.param(
        ("fail", event(1)),
        event(1),
        cancel(2),
        [X],
        id="cancel during a pending booking's healing replay",
    ),
    pytest.param(
        (),
        event(1),
        event(2, start=LATER),
        [X],
        id="newer version during the create's ensure",
    ),
    pytest.param(
        ("fail", event(1)),
        event(1),
        event(2, start=LATER),
        [X],
        id="newer version during a replay's ensure",
    ),
    pytest.param(
        (event(1),),
        cancel(2),
        event(3, start=LATER),
        [X],
        id="resurrection during the cancel's delete",
    ),
    pytest.param(
        (event(1, event_id="P"),),
        event(2, event_id="P", start=LATER),
        event(1, event_id="X", previous="P", start=LATER + timedelta(hours=1)),
        [P, X],
        id="reschedule to a new id during an update's move",
    ),
]


@pytest.mark.parametrize(("setup", "first", "second", "ids"), INTERLEAVINGS)
def test_daily_ends_where_the_table_is_whatever_the_interleaving(
    setup: tuple[CalendarEvent | str, ...],
    first: CalendarEvent,
    second: CalendarEvent,
    ids: list[str],
) -> None:
    world = World()
    for step in setup:
        if step == "fail":
            world.daily.fail = "daily-unavailable"
            continue
        assert isinstance(step, CalendarEvent)
        world.deliver(step)
        world.daily.fail = None
    calls = world.calls()
    inner: list[tuple[Booking, Outcome]] = []
    world.daily.hook = lambda: inner.append(world.deliver(second))
    world.deliver(first)
    assert inner, "the second delivery never ran: the first made no Daily call"
    assert world.calls() > calls
    world.assert_daily_matches(ids)


@pytest.mark.parametrize(
    ("state", "later", "expected"),
    [
        ({}, 0, "ensure"),  # live, whatever its stored sync says
        ({"room_synced": True, "room_present": True}, 0, "ensure"),
        ({"cancelled": True}, 0, "delete"),
        ({"cancelled": True, "host_room": True}, 0, None),  # a host's room outlives it
        ({}, 10 * 86400, None),  # over: Daily stops listing it by itself
    ],
)
def test_after_our_own_call_only_what_the_booking_wants_counts(
    state: dict[str, object], later: int, expected: str | None
) -> None:
    booking = stored(event(1), **state)
    assert action_after_own_call(booking, NOW + later) == expected
