"""The account's room limit: Daily counts every room that exists and has not expired.

Daily's rooms tutorial defines the rooms that count ("available": created, not deleted, not
past ``exp``) and names the limits (5 on the free plan, 10,000 on the scale plan); future
rooms count from the moment they are created. Emulating it lets tests and benchmarks see
what a calendar full of early-created rooms does to an account.
"""

from __future__ import annotations

from collections.abc import Callable

from local.daily_emulator.errors import ApiError, invalid


def room_limit_reached(max_rooms: int) -> ApiError:
    """The refusal of a create beyond the account's room limit.

    ASSUMPTION: Daily documents the limit but not its answer to a create beyond it. A 400
    ``invalid-request-error`` is Daily's catch-all for refused requests; the words are ours,
    so clients should key on the status, the error type and "limit"/"rooms", never on the
    exact sentence.
    """
    return invalid(
        f"account room limit reached: this plan allows {max_rooms} rooms that have not "
        "expired; delete rooms or upgrade"
    )


class RoomLimit:
    """At most ``max_rooms`` available rooms (None: unlimited, the default)."""

    def __init__(self, max_rooms: int | None = None) -> None:
        self.max_rooms = max_rooms

    @property
    def max_rooms(self) -> int | None:
        """The limit; settable at run time, as when an account changes plan."""
        return self._max_rooms

    @max_rooms.setter
    def max_rooms(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"max_rooms should be null or an integer, not {value!r}")
        if value is not None and value < 0:
            raise ValueError(f"max_rooms should not be negative, not {value}")
        self._max_rooms = value

    def admit(self, available: Callable[[], int]) -> None:
        """Raise the limit's refusal when the rooms already available fill the account.

        ``available`` is only called when there is a limit: counting is a walk over every room.
        """
        limit = self._max_rooms
        if limit is not None and available() >= limit:
            raise room_limit_reached(limit)
