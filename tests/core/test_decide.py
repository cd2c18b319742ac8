"""The decision core, table-driven and pure: no AWS, no HTTP, no Daily emulator.

Every row of contract §2.2's version / tombstone / reschedule semantics is one case of
``decide``; ``room_action`` and ``reconcile_at`` get a table of their own over (state, now,
lead); hypothesis then replays random delivery orders through ``decide`` and a dict "table".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.booking import Booking, Outcome, content_hash, iso_utc
from chalicelib.decide import Decision, WriteKind, compare_versions, decide
from chalicelib.events.model import CalendarEvent, EventAction, IgnoredDelivery, Recurrence
from chalicelib.room_rules import room_name
from chalicelib.room_work import NO_LEAD_SECONDS as NO_LEAD_DUE
from chalicelib.room_work import RoomAction, Rules, reconcile_at, room_action
from tests.core.builders import (
    ANN,
    BOB,
    CAROL,
    FAR,
    KEY,
    LATER,
    LEAD,
    NOW,
    RULES,
    SOON,
    cancel,
    event,
    exp_of,
    nbf_of,
    stored,
    tombstone,
    version,
)

NO_LEAD = Rules(signing_key=KEY, room_lead_seconds=None)
X, P = "zapier:X", "zapier:P"

# Stored states the rows start from (revision 2: decided, then marked in step with Daily).
LIVE = stored(event(1), revision=2, room_present=True, room_synced=True)
LIVE_V2 = stored(event(2), revision=2, room_present=True, room_synced=True)
LIVE_UNVERSIONED = stored(event(None), revision=2, room_present=True, room_synced=True)
DEFERRED = stored(event(1, start=FAR), reconcile_at=nbf_of(FAR) - LEAD)
PENDING = stored(event(1), pending_reason="daily-unavailable")
CANCELLED = stored(event(1), revision=3, cancelled=True, version=version(2), room_synced=True)
CANCEL_PENDING = stored(
    event(1),
    revision=3,
    cancelled=True,
    version=version(2),
    room_present=True,
    pending_reason="daily-unavailable",
)
MOVED = stored(event(1), revision=3, cancelled=True, moved_to="zapier:Y", room_synced=True)
PREVIOUS = stored(event(1, event_id="P"), revision=2, room_present=True, room_synced=True)
PREVIOUS_DEFERRED = stored(event(1, event_id="P", start=FAR))
PREVIOUS_MOVED = stored(
    event(1, event_id="P"), revision=3, cancelled=True, moved_to="zapier:Z", room_synced=True
)
PREVIOUS_RESCHEDULED = stored(
    event(1, event_id="P"), revision=2, lineage="zapier:O", room_present=True, room_synced=True
)
RESCHEDULED = stored(event(1, event_id="X", previous="P", start=LATER), lineage=P)


def window_at(start: Any, rules: Rules = RULES) -> dict[str, Any]:
    nbf = nbf_of(start)
    # Without a lead a room is due "now, whenever the meeting is": an instant long past,
    # still ordered by nbf so reconcile works soonest first.
    lead = NO_LEAD_DUE if rules.room_lead_seconds is None else rules.room_lead_seconds
    due = max(nbf - lead, 0)
    return {
        "starts_at": iso_utc(start),
        "nbf": nbf,
        "exp": exp_of(start),
        "reconcile_at": due,
    }


@dataclass(frozen=True)
class Case:
    """One delivery against one stored state, and everything ``decide`` must say about it."""

    name: str
    current: Booking | None
    event: CalendarEvent
    outcome: Outcome
    write: WriteKind | None
    # Fields of the state to write (or, without a write, of the state answered).
    fields: dict[str, Any]
    # What Daily must then do for that state, now (``room_action``).
    daily: RoomAction | None
    previous: Booking | None = None
    now: int = NOW
    rules: Rules = RULES
    # Fields of the replaced booking's claim (a reschedule to a new id); None: no claim.
    claim: dict[str, Any] | None = None
    point_invites: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


CREATED = {"cancelled": False, "room_present": False, "room_synced": False, "moved_to": None}

CASES = [
    # --- first deliveries -------------------------------------------------------------------
    Case(
        "first create: stored as decided, room due now",
        None,
        event(1),
        Outcome.CREATED,
        "insert",
        {
            **CREATED,
            **window_at(SOON),
            "booking_id": X,
            "version": version(1),
            "content_hash": content_hash(event(1)),
            "lineage": X,
            "room_name": room_name(KEY, X),
            "pending_reason": None,
            "attendees": (ANN, BOB),
            "creator": None,
        },
        "ensure",
        point_invites=True,
    ),
    Case(
        "first create three days out: deferred until nbf - lead",
        None,
        event(1, start=FAR),
        Outcome.CREATED,
        "insert",
        {**CREATED, **window_at(FAR)},
        None,
        point_invites=True,
    ),
    Case(
        "first create three days out with no lead: room at booking time",
        None,
        event(1, start=FAR),
        Outcome.CREATED,
        "insert",
        {**CREATED, **window_at(FAR, NO_LEAD)},
        "ensure",
        rules=NO_LEAD,
        point_invites=True,
    ),
    Case(
        "first create unversioned",
        None,
        event(None),
        Outcome.CREATED,
        "insert",
        {**CREATED, "version": None},
        "ensure",
        point_invites=True,
    ),
    # --- replays and later versions ---------------------------------------------------------
    Case(
        "replay with the same content: unchanged, nothing written",
        LIVE,
        event(1),
        Outcome.UNCHANGED,
        None,
        {"revision": 2, "room_synced": True, "version": version(1)},
        None,
    ),
    Case(
        "unversioned replay of an unversioned booking: unchanged",
        LIVE_UNVERSIONED,
        event(None),
        Outcome.UNCHANGED,
        None,
        {"version": None},
        None,
    ),
    Case(
        "unversioned delivery of a versioned booking, same content: unchanged",
        LIVE,
        event(None),
        Outcome.UNCHANGED,
        None,
        {"version": version(1)},
        None,
    ),
    Case(
        "later version moving the window: updated, room needs Daily again",
        LIVE,
        event(2, start=LATER),
        Outcome.UPDATED,
        "replace",
        {
            **window_at(LATER),
            "version": version(2),
            "content_hash": content_hash(event(2, start=LATER)),
            "revision": 2,
            "room_present": True,
            "room_synced": False,
            "lineage": X,
            "issued_at": NOW,
            "updated_at": NOW,
        },
        "ensure",
    ),
    Case(
        "later version with a longer meeting: updated, room needs Daily again",
        LIVE,
        event(2, minutes=60),
        Outcome.UPDATED,
        "replace",
        {"exp": exp_of(SOON, 60), "room_synced": False},
        "ensure",
    ),
    Case(
        "later version changing attendees only: updated, room stays in step",
        LIVE,
        event(2, attendees=(ANN, CAROL)),
        Outcome.UPDATED,
        "replace",
        {
            "attendees": (ANN, CAROL),
            "version": version(2),
            "room_present": True,
            "room_synced": True,
            "reconcile_at": None,
            "nbf": LIVE.nbf,
        },
        None,
    ),
    Case(
        "later version changing the title only: updated, room stays in step",
        LIVE,
        event(2, title="Design review (v2)"),
        Outcome.UPDATED,
        "replace",
        {"title": "Design review (v2)", "room_synced": True},
        None,
    ),
    Case(
        "later version of a pending booking: updated, still owes Daily its room",
        PENDING,
        event(2, attendees=(ANN,)),
        Outcome.UPDATED,
        "replace",
        {"attendees": (ANN,), "room_synced": False, "pending_reason": None},
        "ensure",
    ),
    Case(
        "later version moving a deferred meeting closer: updated, now due",
        DEFERRED,
        event(2),
        Outcome.UPDATED,
        "replace",
        {**window_at(SOON), "room_present": False, "room_synced": False},
        "ensure",
    ),
    Case(
        "older version: stale, nothing written",
        LIVE_V2,
        event(1, start=LATER),
        Outcome.STALE,
        None,
        {**window_at(SOON), "version": version(2), "reconcile_at": None},
        None,
    ),
    Case(
        "same version, other content: stale, the first one stays",
        LIVE,
        event(1, start=LATER),
        Outcome.STALE,
        None,
        {"nbf": nbf_of(SOON), "content_hash": content_hash(event(1))},
        None,
    ),
    Case(
        "unversioned after unversioned, new content: the latest delivery wins",
        LIVE_UNVERSIONED,
        event(None, start=LATER),
        Outcome.UPDATED,
        "replace",
        {**window_at(LATER), "version": None, "room_synced": False},
        "ensure",
    ),
    Case(
        "unversioned after versioned, new content: updated, stored version kept",
        LIVE,
        event(None, start=LATER),
        Outcome.UPDATED,
        "replace",
        {**window_at(LATER), "version": version(1), "room_synced": False},
        "ensure",
    ),
    Case(
        "versioned after unversioned: updated, the version is recorded",
        LIVE_UNVERSIONED,
        event(1, start=LATER),
        Outcome.UPDATED,
        "replace",
        {**window_at(LATER), "version": version(1)},
        "ensure",
    ),
    # --- cancellations and tombstones -------------------------------------------------------
    Case(
        "cancel of an unknown booking: tombstone inserted, no Daily work",
        None,
        cancel(2),
        Outcome.CANCELLED,
        "insert",
        {
            "booking_id": X,
            "cancelled": True,
            "version": version(2),
            "content_hash": None,
            "room_present": False,
            "room_synced": True,
            "nbf": None,
            "exp": None,
            "reconcile_at": None,
            "lineage": X,
            "room_name": room_name(KEY, X),
        },
        None,
    ),
    Case(
        "unversioned cancel of an unknown booking: unversioned tombstone",
        None,
        cancel(None),
        Outcome.CANCELLED,
        "insert",
        {"cancelled": True, "version": None, "reconcile_at": None},
        None,
    ),
    Case(
        "create after a tombstone, older version: stale",
        tombstone(3),
        event(2),
        Outcome.STALE,
        None,
        {"cancelled": True, "version": version(3)},
        None,
    ),
    Case(
        "create after a tombstone, equal version: stale",
        tombstone(3),
        event(3),
        Outcome.STALE,
        None,
        {"cancelled": True},
        None,
    ),
    Case(
        "unversioned create after a tombstone: stale",
        tombstone(3),
        event(None),
        Outcome.STALE,
        None,
        {"cancelled": True},
        None,
    ),
    Case(
        "unversioned create after an unversioned tombstone: stale",
        tombstone(None),
        event(None),
        Outcome.STALE,
        None,
        {"cancelled": True},
        None,
    ),
    Case(
        "strictly newer create after a tombstone: resurrected, needs Daily",
        tombstone(3),
        event(4),
        Outcome.UPDATED,
        "replace",
        {
            **CREATED,
            **window_at(SOON),
            "version": version(4),
            "content_hash": content_hash(event(4)),
            "revision": 1,
        },
        "ensure",
    ),
    Case(
        # An unversioned cancellation sorts below every version (as the code stands).
        "versioned create after an unversioned tombstone: resurrected",
        tombstone(None),
        event(1),
        Outcome.UPDATED,
        "replace",
        {"cancelled": False, "version": version(1)},
        "ensure",
    ),
    Case(
        "strictly newer create after a completed cancel: resurrected, needs Daily",
        CANCELLED,
        event(3, start=LATER),
        Outcome.UPDATED,
        "replace",
        {**CREATED, **window_at(LATER), "version": version(3)},
        "ensure",
    ),
    Case(
        "strictly newer create while the cancel's delete is pending: the room is moved back",
        CANCEL_PENDING,
        event(3),
        Outcome.UPDATED,
        "replace",
        {"cancelled": False, "room_present": True, "room_synced": False, "pending_reason": None},
        "ensure",
    ),
    Case(
        "cancel of a cancelled booking, same version: unchanged",
        CANCELLED,
        cancel(2),
        Outcome.UNCHANGED,
        None,
        {"cancelled": True, "revision": 3},
        None,
    ),
    Case(
        "cancel of a cancelled booking, older version: unchanged",
        CANCELLED,
        cancel(1),
        Outcome.UNCHANGED,
        None,
        {"cancelled": True},
        None,
    ),
    Case(
        "unversioned cancel of a tombstone: unchanged",
        tombstone(3),
        cancel(None),
        Outcome.UNCHANGED,
        None,
        {"cancelled": True, "version": version(3)},
        None,
    ),
    Case(
        "older cancel of a live booking: stale, the room stays",
        LIVE_V2,
        cancel(1),
        Outcome.STALE,
        None,
        {"cancelled": False, "room_present": True},
        None,
    ),
    Case(
        "cancel of a live booking with a room: cancelled, Daily must delete",
        LIVE,
        cancel(2),
        Outcome.CANCELLED,
        "replace",
        {
            "cancelled": True,
            "version": version(2),
            "room_present": True,
            "room_synced": False,
            "reconcile_at": 0,
            "revision": 2,
            "nbf": LIVE.nbf,
        },
        "delete",
    ),
    Case(
        "cancel with the live booking's own version: cancelled (a tie goes to the cancel)",
        LIVE,
        cancel(1),
        Outcome.CANCELLED,
        "replace",
        {"cancelled": True, "version": version(1)},
        "delete",
    ),
    Case(
        "unversioned cancel of a versioned live booking: cancelled, version kept",
        LIVE,
        cancel(None),
        Outcome.CANCELLED,
        "replace",
        {"cancelled": True, "version": version(1)},
        "delete",
    ),
    Case(
        "cancel of a deferred booking (room never made): cancelled, no Daily work",
        DEFERRED,
        cancel(2),
        Outcome.CANCELLED,
        "replace",
        {"cancelled": True, "room_present": False, "room_synced": True, "reconcile_at": None},
        None,
    ),
    Case(
        "cancel of a pending booking (create failed): cancelled, no Daily work",
        PENDING,
        cancel(2),
        Outcome.CANCELLED,
        "replace",
        {"cancelled": True, "room_synced": True, "pending_reason": None, "reconcile_at": None},
        None,
    ),
    # --- reschedules to a new id -----------------------------------------------------------
    Case(
        "reschedule to a new id: the previous booking is claimed, the room moves along",
        None,
        event(1, previous="P", start=LATER),
        Outcome.CREATED,
        "insert",
        {
            **window_at(LATER),
            "booking_id": X,
            "lineage": P,
            "room_name": room_name(KEY, P),
            "room_present": True,
            "room_synced": False,
            "cancelled": False,
        },
        "ensure",
        previous=PREVIOUS,
        claim={
            "booking_id": P,
            "moved_to": X,
            "cancelled": True,
            "room_present": False,
            "room_synced": True,
            "reconcile_at": None,
            "revision": 2,  # conditional on the revision read
            "updated_at": NOW,
            "nbf": PREVIOUS.nbf,
        },
        point_invites=True,
    ),
    Case(
        "reschedule of a deferred booking: claimed, the new booking has no room yet",
        None,
        event(1, previous="P", start=FAR + (LATER - SOON)),
        Outcome.CREATED,
        "insert",
        {"lineage": P, "room_present": False, "room_synced": False},
        None,
        previous=PREVIOUS_DEFERRED,
        claim={"moved_to": X, "room_present": False, "revision": 1},
        point_invites=True,
    ),
    Case(
        "reschedule of an already rescheduled booking: lineage carried on",
        None,
        event(1, previous="P", start=LATER),
        Outcome.CREATED,
        "insert",
        {"lineage": "zapier:O", "room_name": room_name(KEY, "zapier:O"), "room_present": True},
        "ensure",
        previous=PREVIOUS_RESCHEDULED,
        claim={"moved_to": X, "lineage": "zapier:O"},
        point_invites=True,
    ),
    Case(
        "reschedule from a booking that already moved: lineage kept, no claim",
        None,
        event(1, previous="P", start=LATER),
        Outcome.CREATED,
        "insert",
        {"lineage": P, "room_name": room_name(KEY, P), "room_present": False},
        "ensure",
        previous=PREVIOUS_MOVED,
        claim=None,
        point_invites=True,
    ),
    Case(
        "reschedule from a cancelled (tombstone) booking: claimed, no room to inherit",
        None,
        event(1, previous="P", start=LATER),
        Outcome.CREATED,
        "insert",
        {"lineage": P, "room_present": False},
        "ensure",
        previous=tombstone(2, event_id="P"),
        claim={"moved_to": X, "cancelled": True, "room_present": False},
        point_invites=True,
    ),
    Case(
        "reschedule naming an unknown booking: a plain new booking",
        None,
        event(1, previous="P", start=LATER),
        Outcome.CREATED,
        "insert",
        {"lineage": X, "room_name": room_name(KEY, X), "room_present": False},
        "ensure",
        previous=None,
        point_invites=True,
    ),
    Case(
        "reschedule delivered again: unchanged, no second claim",
        RESCHEDULED,
        event(1, previous="P", start=LATER),
        Outcome.UNCHANGED,
        None,
        {"lineage": P},
        "ensure",  # the stored state has no room yet (RESCHEDULED is not synced)
        previous=PREVIOUS_MOVED,
    ),
    Case(
        "a moved booking cannot be resurrected by a newer version",
        MOVED,
        event(5, start=LATER),
        Outcome.STALE,
        None,
        {"cancelled": True, "moved_to": "zapier:Y"},
        None,
    ),
    Case(
        "newer cancel of a moved booking: unchanged, version recorded, room stays with the meeting",
        MOVED,
        cancel(5),
        Outcome.UNCHANGED,
        "replace",
        {"moved_to": "zapier:Y", "room_present": False, "version": version(5)},
        None,
    ),
    # --- one attendee joining a group meeting ------------------------------------------------
    Case(
        "attendee joins: updated, everyone already there stays, no Daily work",
        LIVE,
        event(2, action=EventAction.ADD_ATTENDEE, attendees=(CAROL,)),
        Outcome.UPDATED,
        "replace",
        {"attendees": (ANN, BOB, CAROL), "room_synced": True, "version": version(2)},
        None,
    ),
    Case(
        "attendee already there joins again: unchanged, version recorded",
        LIVE,
        event(2, action=EventAction.ADD_ATTENDEE, attendees=(BOB,)),
        Outcome.UNCHANGED,
        "replace",
        {"attendees": (ANN, BOB), "version": version(2)},
        None,
    ),
    Case(
        "first invitee of a group meeting: created",
        None,
        event(1, action=EventAction.ADD_ATTENDEE, attendees=(CAROL,)),
        Outcome.CREATED,
        "insert",
        {"attendees": (CAROL,), "lineage": X, "room_name": room_name(KEY, X)},
        "ensure",
        point_invites=True,
    ),
    # --- one attendee leaving a meeting that goes on -----------------------------------------
    Case(
        "attendee removed: updated, everyone else's links and the room stay",
        LIVE,
        event(None, action=EventAction.REMOVE_ATTENDEE, attendees=(BOB,)),
        Outcome.UPDATED,
        "replace",
        {"attendees": (ANN,), "room_synced": True, "version": version(1)},
        None,
    ),
    Case(
        "removal of someone not invited: unchanged",
        LIVE,
        event(None, action=EventAction.REMOVE_ATTENDEE, attendees=(CAROL,)),
        Outcome.UNCHANGED,
        None,
        {"attendees": (ANN, BOB)},
        None,
    ),
    Case(
        "older removal: stale",
        LIVE_V2,
        event(1, action=EventAction.REMOVE_ATTENDEE, attendees=(BOB,)),
        Outcome.STALE,
        None,
        {"attendees": (ANN, BOB)},
        None,
    ),
    Case(
        "removal from a cancelled booking: stale",
        CANCELLED,
        event(None, action=EventAction.REMOVE_ATTENDEE, attendees=(BOB,)),
        Outcome.STALE,
        None,
        {"cancelled": True},
        None,
    ),
]


def run_case(case: Case) -> Decision:
    return decide(case.current, case.event, case.now, case.rules, previous=case.previous)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_decide(case: Case) -> None:
    decision = run_case(case)
    assert decision.outcome is case.outcome
    assert decision.write == case.write
    written = decision.booking
    assert {name: getattr(written, name) for name in case.fields} == case.fields
    assert room_action(written, case.now, case.rules) == case.daily
    assert decision.point_invites is case.point_invites
    if case.claim is None:
        assert decision.claim is None
    else:
        assert decision.claim is not None
        assert {name: getattr(decision.claim, name) for name in case.claim} == case.claim
        assert decision.claim.booking_id == case.event.previous_booking_id
        assert room_action(decision.claim, case.now, case.rules) is None
    if case.write is None:
        assert written == case.current  # answered from what is stored, exactly
    else:
        assert written.booking_id == case.event.booking_id
        # Every written state carries its reconcile time, derived from the state alone.
        assert written.reconcile_at == reconcile_at(written, case.rules)
        assert written.expires_at > max(written.exp or 0, case.now)
    if case.write == "replace":
        assert case.current is not None
        assert written.revision == case.current.revision  # conditional on what was read
        assert (written.lineage, written.room_name) == (
            case.current.lineage,
            case.current.room_name,
        )


def test_the_table_covers_every_outcome_write_and_daily_action() -> None:
    assert {c.outcome for c in CASES} == set(Outcome)
    assert {c.write for c in CASES} == {"insert", "replace", None}
    assert {c.daily for c in CASES} == {"ensure", "delete", None}


def test_a_removal_for_an_unknown_booking_is_ignored() -> None:
    with pytest.raises(IgnoredDelivery):
        decide(None, event(1, action=EventAction.REMOVE_ATTENDEE, attendees=(BOB,)), NOW, RULES)


def test_an_ad_hoc_room_records_its_creator() -> None:
    decision = decide(None, event(1), NOW, RULES, creator="user-42")
    assert decision.booking.creator == "user-42"


def test_decide_is_deterministic_and_leaves_its_inputs_alone() -> None:
    for case in CASES:
        before = (case.current, case.previous)
        assert run_case(case) == run_case(case)
        assert (case.current, case.previous) == before


@pytest.mark.parametrize(
    ("incoming", "stored_version", "order"),
    [
        (None, None, 1),  # the latest delivery wins
        (None, 5, 0),
        (5, None, 1),
        (5, 5, 0),
        (6, 5, 1),
        (4, 5, -1),
    ],
)
def test_version_order(incoming: int | None, stored_version: int | None, order: int) -> None:
    assert compare_versions(incoming, stored_version) == order


# ---- known defects: a newer version that changes nothing must still be recorded -----------


def test_an_unchanged_newer_version_still_raises_the_stored_version() -> None:
    # Sender's truth: v1 at SOON, v2 moved to LATER, v3 moved back to SOON. v2 arrives last.
    decision = decide(LIVE, event(3), NOW, RULES)
    assert decision.outcome is Outcome.UNCHANGED
    assert decision.booking.version == version(3)
    late = decide(decision.booking, event(2, start=LATER), NOW, RULES)
    assert late.outcome is Outcome.STALE


def test_a_newer_cancel_of_a_cancelled_booking_raises_the_tombstone() -> None:
    decision = decide(CANCELLED, cancel(5), NOW, RULES)  # cancelled at v2, now v5
    assert decision.outcome is Outcome.UNCHANGED
    assert decision.booking.version == version(5)
    late = decide(decision.booking, event(4), NOW, RULES)
    assert late.outcome is Outcome.STALE


# ---- room_action / reconcile_at over (state, now, lead) -----------------------------------

BASE = stored(event(1))  # live, no room yet, opens 1 h 50 min after NOW
FAR_BASE = stored(event(1, start=FAR))
FAR_DUE = nbf_of(FAR) - LEAD
SERIES = Recurrence(
    local_start=SOON.replace(tzinfo=None), duration_seconds=1800, zone="UTC", rrules=("FREQ=DAILY",)
)


@pytest.mark.parametrize(
    ("state", "now", "rules", "action", "when"),
    [
        pytest.param(BASE, NOW, RULES, "ensure", nbf_of(SOON) - LEAD, id="no room, due"),
        pytest.param(FAR_BASE, NOW, RULES, None, FAR_DUE, id="no room, deferred"),
        pytest.param(FAR_BASE, FAR_DUE - 1, RULES, None, FAR_DUE, id="one second before due"),
        pytest.param(FAR_BASE, FAR_DUE, RULES, "ensure", FAR_DUE, id="at the due instant"),
        pytest.param(
            FAR_BASE, NOW, NO_LEAD, "ensure", nbf_of(FAR) - NO_LEAD_DUE, id="no lead: at booking"
        ),
        pytest.param(
            FAR_BASE,
            NOW,
            Rules(signing_key=KEY, room_lead_seconds=0),
            None,
            nbf_of(FAR),
            id="lead zero: made when it opens",
        ),
        pytest.param(
            stored(event(1, start=SOON)),
            NOW,
            Rules(signing_key=KEY, room_lead_seconds=10**12),
            "ensure",
            0,
            id="lead longer than the epoch: due from the start",
        ),
        pytest.param(
            BASE.model_copy(update={"room_present": True, "room_synced": True}),
            NOW,
            RULES,
            None,
            None,
            id="room present and in step",
        ),
        pytest.param(
            FAR_BASE.model_copy(update={"room_present": True}),
            NOW,
            RULES,
            "ensure",
            FAR_DUE,
            id="room present but not in step, not yet due: fixed anyway",
        ),
        pytest.param(
            BASE.model_copy(update={"pending_reason": "daily-rate-limited"}),
            NOW,
            RULES,
            "ensure",
            nbf_of(SOON) - LEAD,
            id="pending",
        ),
        pytest.param(BASE, BASE.exp, RULES, None, nbf_of(SOON) - LEAD, id="over: now == exp"),
        pytest.param(
            BASE, (BASE.exp or 0) - 1, RULES, "ensure", nbf_of(SOON) - LEAD, id="1 s left"
        ),
        pytest.param(
            BASE.model_copy(update={"room_present": True}),
            (BASE.exp or 0) + 60,
            RULES,
            None,
            nbf_of(SOON) - LEAD,
            id="over with a room out of step: Daily ends it itself",
        ),
        pytest.param(
            BASE.model_copy(update={"cancelled": True, "room_present": True}),
            NOW,
            RULES,
            "delete",
            0,
            id="cancelled with a room",
        ),
        pytest.param(
            BASE.model_copy(update={"cancelled": True, "room_present": True}),
            (BASE.exp or 0) + 60,
            RULES,
            "delete",
            0,
            id="cancelled with a room, after its end",
        ),
        pytest.param(
            BASE.model_copy(update={"cancelled": True, "room_synced": True}),
            NOW,
            RULES,
            None,
            None,
            id="cancelled, no room",
        ),
        pytest.param(tombstone(1), NOW, RULES, None, None, id="tombstone"),
        pytest.param(MOVED, NOW, RULES, None, None, id="moved"),
        pytest.param(
            MOVED.model_copy(update={"room_present": True, "room_synced": False}),
            NOW,
            RULES,
            None,
            None,
            id="moved, even if marked present: the room went with the meeting",
        ),
        pytest.param(
            BASE.model_copy(
                update={"room_present": True, "room_synced": True, "recurrence": SERIES}
            ),
            NOW,
            RULES,
            None,
            BASE.exp,
            id="series in step: looked at again when the occurrence ends",
        ),
    ],
)
def test_room_action_and_reconcile_at(
    state: Booking, now: int, rules: Rules, action: RoomAction | None, when: int | None
) -> None:
    assert room_action(state, now, rules) == action
    assert reconcile_at(state, rules) == when


# ---- random delivery orders ----------------------------------------------------------------


class Table:
    """A dict standing in for the bookings table: conditional writes, revisions counted."""

    def __init__(self) -> None:
        self.booking: Booking | None = None

    def deliver(self, delivery: CalendarEvent, now: int = NOW) -> Decision:
        decision = decide(self.booking, delivery, now, RULES)
        before = self.booking
        if decision.write == "insert":
            assert before is None
            self.booking = decision.booking.model_copy(update={"revision": 1})
        elif decision.write == "replace":
            assert before is not None and decision.booking.revision == before.revision
            self.booking = decision.booking.model_copy(update={"revision": before.revision + 1})
        else:
            assert decision.outcome in (Outcome.UNCHANGED, Outcome.STALE)
            assert decision.booking == before
        return decision


def delivery(kind: str, sequence: int | None, content: int) -> CalendarEvent:
    """A create with one of a few contents (its window), or a cancellation."""
    if kind == "cancel":
        return cancel(sequence)
    return event(sequence, start=SOON + (LATER - SOON) * content)


def truth(deliveries: list[CalendarEvent]) -> tuple[bool, int | None, str | None]:
    """(cancelled, version, content) the sender meant: its highest-version delivery.

    At the highest version a cancellation wins a tie with a create; among creates with that
    version, the first to arrive wins (the same version with other content is stale).
    """
    top = max(d.version for d in deliveries if d.version is not None)
    at_top = [d for d in deliveries if d.version == top]
    cancels = [d for d in at_top if d.action is EventAction.CANCEL]
    if cancels:
        return True, top, None
    return False, top, content_hash(at_top[0])


def observed(table: Table) -> tuple[bool, int | None, str | None]:
    booking = table.booking
    assert booking is not None
    return booking.cancelled, booking.version, None if booking.cancelled else booking.content_hash


versioned = st.lists(
    st.tuples(st.sampled_from(["create", "cancel"]), st.integers(0, 6)), min_size=1, max_size=10
)


@settings(max_examples=400, deadline=None)
@given(versioned)
def test_highest_version_wins_with_one_cancellation(plan: list[tuple[str, int]]) -> None:
    """Any order of deliveries (at most one cancellation, content fixed per version) ends
    where the highest-version delivery alone would."""
    first_cancel = next((i for i, (kind, _) in enumerate(plan) if kind == "cancel"), None)
    plan = [(k, s) for i, (k, s) in enumerate(plan) if k == "create" or i == first_cancel]
    # Content is a function of the version here: the same content means the same version.
    deliveries = [delivery(kind, seq, seq) for kind, seq in plan]
    table = Table()
    for one in deliveries:
        table.deliver(one)
    assert observed(table) == truth(deliveries)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(st.sampled_from(["create", "cancel"]), st.integers(0, 6), st.integers(0, 2)),
        min_size=1,
        max_size=10,
    )
)
@example([("cancel", 2, 0), ("cancel", 5, 0), ("create", 4, 0)])
@example([("create", 1, 0), ("create", 3, 0), ("create", 2, 1)])  # v3 is back on v1's window
def test_highest_version_wins_in_any_order(plan: list[tuple[str, int, int]]) -> None:
    """The same with any number of cancellations and contents shared across versions."""
    deliveries = [delivery(kind, seq, content) for kind, seq, content in plan]
    table = Table()
    for one in deliveries:
        table.deliver(one)
    assert observed(table) == truth(deliveries)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["create", "cancel"]), st.integers(0, 3)), min_size=1, max_size=8
    )
)
def test_unversioned_deliveries_latest_wins_until_cancelled(plan: list[tuple[str, int]]) -> None:
    deliveries = [
        cancel(None) if kind == "cancel" else delivery("create", None, content)
        for kind, content in plan
    ]
    table = Table()
    for one in deliveries:
        table.deliver(one)
    booking = table.booking
    assert booking is not None
    if any(d.action is EventAction.CANCEL for d in deliveries):
        assert booking.cancelled  # nothing unversioned ever brings it back
    else:
        assert (booking.cancelled, booking.content_hash) == (False, content_hash(deliveries[-1]))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["create", "cancel", "remove"]),
            st.one_of(st.none(), st.integers(0, 5)),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_invariants_of_any_mixed_order(plan: list[tuple[str, int | None, int]]) -> None:
    """Versions never go down; nothing ≤ a tombstone's version brings it back; a revision
    grows by one per write and only writes change the booking."""
    table = Table()
    for kind, seq, content in plan:
        if kind == "remove":
            one = event(seq, action=EventAction.REMOVE_ATTENDEE, attendees=(BOB,))
        else:
            one = delivery(kind, seq, content)
        before = table.booking
        try:
            decision = table.deliver(one)
        except IgnoredDelivery:
            assert before is None and kind == "remove"
            continue
        after = table.booking
        assert after is not None
        if before is None:
            assert after.revision == 1
            continue
        if decision.write is None:
            assert after is before
        else:
            assert after.revision == before.revision + 1
        if before.version is not None:
            assert after.version is not None and after.version >= before.version
        if before.cancelled and not after.cancelled:
            assert one.version is not None
            assert before.version is None or one.version > before.version


def test_hundreds_of_decisions_per_second(record_property: pytest.RecordProperty) -> None:
    """A measurement, not a timed assertion: the figure is printed and recorded."""
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for case in CASES:
            assert run_case(case).outcome is case.outcome
    elapsed = time.perf_counter() - started
    rate = rounds * len(CASES) / elapsed
    record_property("decisions_per_second", round(rate))
    print(f"decision core: {rate:,.0f} decisions/s over {rounds * len(CASES)} table cases")
