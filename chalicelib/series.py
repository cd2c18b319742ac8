"""Recurring series as stored bookings: moving on to the next occurrence, skipping one.

A series is one booking whose window is its next occurrence not yet over (contract §2.2);
these pure functions give the booking's next state, ``sync`` writes it and moves the room.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.booking import Booking, iso_utc, retention_until
from chalicelib.errors import InvalidRequestError
from chalicelib.events.recurrence import next_occurrence, with_skipped
from chalicelib.room_work import Rules, with_schedule


def advance_series(booking: Booking, now: int, rules: Rules) -> Booking | None:
    """A series whose current occurrence is over, moved to its next one (None: nothing to do,
    or the series is over)."""
    if booking.recurrence is None or booking.cancelled or booking.moved_to is not None:
        return None
    if booking.exp is None or now < booking.exp:
        return None
    moment = datetime.fromtimestamp(now, UTC)
    try:
        occurrence = next_occurrence(booking.recurrence, moment)
    except InvalidRequestError:
        return None  # the next occurrence is beyond the horizon: look again later
    if occurrence is None:
        return None
    return _moved_to(booking, occurrence, now, rules)


def skip_occurrence(
    series: Booking, original_start: datetime, now: int, rules: Rules
) -> Booking | None:
    """The series without one occurrence that became its own booking (None: nothing changes)."""
    if series.recurrence is None or original_start in series.recurrence.skipped:
        return None
    recurrence = with_skipped(series.recurrence, original_start)
    skipped = series.model_copy(update={"recurrence": recurrence, "updated_at": now})
    if series.starts_at != iso_utc(original_start):
        return with_schedule(skipped, rules)
    occurrence = next_occurrence(recurrence, datetime.fromtimestamp(now, UTC))
    if occurrence is None:
        return with_schedule(skipped, rules)
    return _moved_to(skipped, occurrence, now, rules)


def _moved_to(
    booking: Booking, occurrence: tuple[datetime, datetime], now: int, rules: Rules
) -> Booking:
    start, end = occurrence
    early = booking.window.starts_at.timestamp() - (booking.nbf or 0)
    grace = (booking.exp or 0) - booking.window.ends_at.timestamp()
    nbf, exp = int(start.timestamp() - early), int(end.timestamp() + grace)
    moved = booking.model_copy(
        update={
            "starts_at": iso_utc(start),
            "ends_at": iso_utc(end),
            "nbf": nbf,
            "exp": exp,
            "room_synced": False,
            "pending_reason": None,
            "issued_at": now,
            "updated_at": now,
            "expires_at": retention_until(exp, now),
        }
    )
    return with_schedule(moved, rules)
