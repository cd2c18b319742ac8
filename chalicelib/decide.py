"""The decision core: (stored booking or none, incoming event, now) → what to store.

Pure: no I/O, no clock, no Daily. ``decide`` says which outcome a delivery has (contract
§2.2's version, tombstone and reschedule rules) and which booking state to write; ``sync``
applies it: the conditional write first, then Daily is brought to what was stored.
What Daily must do for a stored booking at a given moment is ``room_work``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.booking import (
    Booking,
    Outcome,
    RoomWindow,
    content_hash,
    iso_utc,
    retention_until,
)
from chalicelib.events.model import CalendarEvent, EventAction, IgnoredDelivery
from chalicelib.room_rules import host_room_name, room_name, room_window
from chalicelib.room_work import Rules, with_schedule

WriteKind = Literal["insert", "replace"]


@dataclass(frozen=True)
class Decision:
    """One delivery's effect. ``write`` is None when nothing is stored (stale, replays)."""

    outcome: Outcome
    booking: Booking
    write: WriteKind | None = None
    # A reschedule to a new id first marks the booking it replaces as moved (conditional).
    claim: Booking | None = None
    # The lineage's invite links must lead to ``booking`` (first booking of a lineage, moves).
    point_invites: bool = False


def decide(
    current: Booking | None,
    event: CalendarEvent,
    now: int,
    rules: Rules,
    *,
    previous: Booking | None = None,
    creator: str | None = None,
) -> Decision:
    """The outcome of ``event`` against the stored ``current`` (``previous``: the booking a
    reschedule to a new id replaces, read by the caller when ``current`` is None; ``creator``:
    the frontend caller that asked for an ad-hoc room)."""
    if current is None:
        return _first(event, now, rules, previous, creator)
    return _next(current, event, now, rules)


def _first(
    event: CalendarEvent, now: int, rules: Rules, previous: Booking | None, creator: str | None
) -> Decision:
    if event.action is EventAction.REMOVE_ATTENDEE:
        raise IgnoredDelivery("one invitee left a meeting roomlinks has no booking for")
    if event.action is EventAction.CANCEL:
        # Recorded so that a late create with an older or equal version cannot resurrect it.
        tombstone = _new(event, event.booking_id, now, rules).model_copy(
            update={"cancelled": True, "room_synced": True, "content_hash": None}
        )
        return Decision(Outcome.CANCELLED, with_schedule(tombstone, rules), "insert")
    lineage, claim, room_present = event.booking_id, None, False
    if previous is not None:
        # A reschedule to a new id keeps the meeting's lineage: room name and invite links.
        lineage = previous.lineage
        if previous.moved_to is None:
            room_present = previous.room_present
            claim = with_schedule(
                previous.model_copy(
                    update={
                        "cancelled": True,
                        "room_present": False,
                        "room_synced": True,
                        "moved_to": event.booking_id,
                        "updated_at": now,
                    }
                ),
                rules,
            )
    booking = _described(
        _new(event, lineage, now, rules).model_copy(
            update={"room_present": room_present, "creator": creator}
        ),
        event,
        now,
        rules,
    )
    return Decision(
        Outcome.CREATED, with_schedule(booking, rules), "insert", claim=claim, point_invites=True
    )


def _next(current: Booking, event: CalendarEvent, now: int, rules: Rules) -> Decision:
    order = compare_versions(event.version, current.version)
    if event.action is EventAction.REMOVE_ATTENDEE:
        return _remove_attendees(current, event, order, now, rules)
    if event.action is EventAction.ADD_ATTENDEE:
        # Everyone already there stays; the rest follows the ordinary update rules.
        joined = current.attendees + event.attendees
        event = event.model_copy(update={"attendees": tuple({p.key: p for p in joined}.values())})
    if event.action is EventAction.CANCEL:
        if current.cancelled:
            return _recorded(current, event, order, now, rules)
        if order < 0:
            return Decision(Outcome.STALE, current)
        return _cancel(current, event, now, rules)
    if current.cancelled:
        # Only a strictly newer version brings a cancelled booking back (never a moved one).
        if current.moved_to is not None or event.version is None or order <= 0:
            return Decision(Outcome.STALE, current)
        return _update(current, event, now, rules)
    if order < 0:
        return Decision(Outcome.STALE, current)
    if content_hash(event) == current.content_hash:
        return _recorded(current, event, order, now, rules)
    if order == 0 and event.version is not None:
        return Decision(Outcome.STALE, current)  # same version, other content: the first stays
    return _update(current, event, now, rules)


def _recorded(
    current: Booking, event: CalendarEvent, order: int, now: int, rules: Rules
) -> Decision:
    """Nothing changes, but a newer version is remembered, so that an older one arriving
    later is recognised as stale (a replay of the same version writes nothing)."""
    if order <= 0 or event.version is None:
        return Decision(Outcome.UNCHANGED, current)
    newer = current.model_copy(update={"version": event.version, "updated_at": now})
    return Decision(Outcome.UNCHANGED, with_schedule(newer, rules), "replace")


def _update(current: Booking, event: CalendarEvent, now: int, rules: Rules) -> Decision:
    changed = _described(current, event, now, rules)
    moved = (changed.nbf, changed.exp, changed.privacy) != (
        current.nbf,
        current.exp,
        current.privacy,
    )
    changed = changed.model_copy(
        update={
            "cancelled": False,
            "version": event.version if event.version is not None else current.version,
            "content_hash": content_hash(event),
            # A resurrected or moved meeting needs Daily again; an attendee change does not,
            # nor does a moved meeting in a host's room (its window lives in the tokens).
            "room_synced": current.room_synced
            and not current.cancelled
            and (not moved or current.host_room),
            "pending_reason": None,
            "issued_at": now,
            "updated_at": now,
        }
    )
    return Decision(Outcome.UPDATED, with_schedule(changed, rules), "replace")


def _cancel(current: Booking, event: CalendarEvent, now: int, rules: Rules) -> Decision:
    cancelled = current.model_copy(
        update={
            "cancelled": True,
            "version": event.version if event.version is not None else current.version,
            "room_synced": not current.room_present or current.host_room,
            "pending_reason": None,
            "updated_at": now,
            "expires_at": retention_until(current.exp, now),
        }
    )
    return Decision(Outcome.CANCELLED, with_schedule(cancelled, rules), "replace")


def _remove_attendees(
    current: Booking, event: CalendarEvent, order: int, now: int, rules: Rules
) -> Decision:
    """One invitee left a meeting that goes on: their links go, everyone else's stay."""
    leaving = {person.key for person in event.attendees}
    kept = tuple(p for p in current.attendees if p.key not in leaving)
    if current.cancelled or order < 0:
        return Decision(Outcome.STALE, current)
    if kept == current.attendees:
        return Decision(Outcome.UNCHANGED, current)
    changed = current.model_copy(
        update={
            "attendees": kept,
            "version": event.version if event.version is not None else current.version,
            "updated_at": now,
        }
    )
    return Decision(Outcome.UPDATED, with_schedule(changed, rules), "replace")


def _new(event: CalendarEvent, lineage: str, now: int, rules: Rules) -> Booking:
    host_room = rules.room_mode == "per_host" and event.organizer is not None
    name = (
        host_room_name(rules.signing_key, event.organizer.email)
        if host_room and event.organizer is not None
        else room_name(rules.signing_key, lineage)
    )
    return Booking(
        booking_id=event.booking_id,
        source=event.source,
        event_id=event.event_id,
        version=event.version,
        content_hash=content_hash(event),
        lineage=lineage,
        room_name=name,
        host_room=host_room,
        issued_at=now,
        created_at=now,
        updated_at=now,
        expires_at=retention_until(None, now),
    )


def event_window(event: CalendarEvent, rules: Rules) -> RoomWindow:
    return room_window(
        event,
        early_join_minutes=rules.early_join_minutes,
        grace_minutes=rules.grace_minutes,
        default_privacy=rules.default_privacy,
    )


def _described(booking: Booking, event: CalendarEvent, now: int, rules: Rules) -> Booking:
    """The booking's copy of the event: what answers and links are built from."""
    window = event_window(event, rules)
    return booking.model_copy(
        update={
            "starts_at": iso_utc(window.starts_at),
            "ends_at": iso_utc(window.ends_at),
            "nbf": window.nbf,
            "exp": window.exp,
            "privacy": window.privacy,
            "title": event.title,
            "organizer": event.organizer,
            "attendees": event.attendees,
            "recurrence": event.recurrence,
            "expires_at": retention_until(window.exp, now),
        }
    )


def compare_versions(incoming: int | None, stored: int | None) -> int:
    """Version order; an unversioned delivery counts as the latest (the latest delivery wins)."""
    if incoming is None:
        return 1 if stored is None else 0
    if stored is None:
        return 1
    return (incoming > stored) - (incoming < stored)
