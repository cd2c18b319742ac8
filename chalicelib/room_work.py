"""What Daily must do for a stored booking at a given moment — with or without an event.

Pure, like the decision core: ``room_action`` is what replays, invite clicks and the
reconcile job all follow; ``reconcile_at`` is when the job must look again (the sparse
index); ``Rules`` are the deployment's settings both depend on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.booking import Booking
from chalicelib.daily.models import Privacy

RoomAction = Literal["ensure", "delete"]
NO_LEAD_SECONDS = 10 * 366 * 24 * 3600  # beyond the booking horizon (2 years)
# A booking Daily could not serve is retried after 1, 2, 4 … minutes, at most every 15.
RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 900
RoomMode = Literal["per_booking", "per_host"]


@dataclass(frozen=True)
class Rules:
    """The deployment's settings that decisions depend on."""

    signing_key: str
    early_join_minutes: int = 10
    grace_minutes: int = 15
    default_privacy: Privacy = "private"
    # A room is made at most this long before its window opens (Daily counts every room);
    # None makes it when the booking arrives, whenever the meeting is.
    room_lead_seconds: int | None = 24 * 3600
    # per_host: each organizer has one private room without exp (Daily's tutorial pattern).
    room_mode: RoomMode = "per_booking"

    def room_due_at(self, nbf: int) -> int:
        """When a room opening at ``nbf`` must start to exist. Without a lead that is "now,
        whenever the meeting is" — as an instant far enough back to be past for any booking,
        yet still ordered by ``nbf``, so reconcile keeps working soonest first."""
        lead = NO_LEAD_SECONDS if self.room_lead_seconds is None else self.room_lead_seconds
        return max(nbf - lead, 0)


def room_action(booking: Booking, now: float, rules: Rules) -> RoomAction | None:
    """What Daily must do for this stored booking now; None when Daily already matches."""
    if booking.moved_to is not None:
        return None  # the room went with the meeting to the booking named there
    if booking.cancelled:
        # A host's room outlives each booking; reconcile removes it once the host is idle.
        return "delete" if booking.room_present and not booking.host_room else None
    if booking.exp is None or booking.nbf is None or now >= booking.exp:
        return None  # over: Daily ejects everyone and stops listing the room by itself
    due = now >= rules.room_due_at(booking.nbf)
    if booking.room_present:
        return None if booking.room_synced else "ensure"
    return "ensure" if due else None


def action_after_own_call(booking: Booking, now: float) -> RoomAction | None:
    """What Daily must do to match ``booking`` after our own call touched its room: its
    stored sync state no longer tells, so only what it wants counts."""
    if booking.cancelled:
        return None if booking.host_room else "delete"
    if booking.exp is None or now >= booking.exp:
        return None
    return "ensure"


def daily_state(booking: Booking) -> tuple[object, ...]:
    """What Daily holds for a booking in this state: two states with equal values need the
    same room (or the same absence of one)."""
    return (booking.room_name, booking.cancelled, booking.nbf, booking.exp, booking.privacy)


# Longer than a request's Daily budget: a booking written more recently than this may still
# be on its way to Daily with its writer, so replays leave that work to it.
IN_FLIGHT_SECONDS = 15


def in_flight(booking: Booking, now: int) -> bool:
    """Written moments ago and not in step yet, with no failure recorded: its writer is busy."""
    return (
        not booking.room_synced
        and booking.pending_reason is None
        and now - booking.updated_at < IN_FLIGHT_SECONDS
    )


def reconcile_at(booking: Booking, rules: Rules) -> int | None:
    """When the reconcile job must next look at this booking (None: never again)."""
    if booking.moved_to is not None:
        return None
    if booking.cancelled:
        return 0 if booking.room_present and not booking.host_room else None
    if booking.exp is None or booking.nbf is None:
        return None
    if booking.room_present and booking.room_synced:
        # A series' room moves on to the next occurrence once this one is over.
        return booking.exp if booking.recurrence is not None else None
    # Pending work is due at once, deferred rooms when they enter the lead window: both
    # ordered by when the room opens, soonest first.
    return rules.room_due_at(booking.nbf)


def retry_at(booking: Booking, rules: Rules, now: int, attempts: int) -> int | None:
    """When reconcile tries again after ``attempts`` failures in a row (backoff per booking).

    A room-limit refusal keeps its place: the pass stops creating at the first one anyway,
    and the soonest meeting must be first in line when a room frees up.
    """
    scheduled = reconcile_at(booking, rules)
    if scheduled is None or booking.pending_reason == "daily-room-limit":
        return scheduled
    delay: int = min(RETRY_FIRST_SECONDS << max(min(attempts - 1, 16), 0), RETRY_MAX_SECONDS)
    return max(scheduled, now + delay)


def with_schedule(booking: Booking, rules: Rules) -> Booking:
    """The booking with its reconcile time set from its state (written with every state)."""
    return booking.model_copy(update={"reconcile_at": reconcile_at(booking, rules)})
