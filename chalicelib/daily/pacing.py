"""Client-side pacing so one process stays under Daily's rate limits instead of meeting 429s.

Daily allows 20 requests/s and 100 per 5 s on most endpoints, and 2/s and 50 per 30 s on
``DELETE /rooms/:name``. Each (API key, endpoint class) gets one sliding-window limiter shared
by every client in the process; waiting never runs past the caller's deadline.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from chalicelib.daily.errors import DailyDeadlineExceeded

__all__ = [
    "DELETE_ROOM",
    "GENERAL",
    "RATE_LIMITS",
    "SlidingWindowLimiter",
    "shared_limiter",
]

GENERAL = "general"
DELETE_ROOM = "delete-room"

#: Endpoint class -> (requests, window seconds) pairs, all of which must hold at once.
RATE_LIMITS: Mapping[str, tuple[tuple[int, float], ...]] = {
    GENERAL: ((20, 1.0), (100, 5.0)),
    DELETE_ROOM: ((2, 1.0), (50, 30.0)),
}

#: Extra seconds added to every window so network jitter cannot squeeze two of our requests
#: into one of Daily's windows.
WINDOW_MARGIN = 0.02


class SlidingWindowLimiter:
    """Reserve a send time that keeps every (limit, window) pair; sleep until it comes.

    Reservations are handed out in order under a lock, so ``limit`` consecutive send times are
    always at least ``window`` apart: a sliding window whose log only needs the last ``limit``
    entries. Sleeping happens outside the lock.
    """

    def __init__(
        self,
        windows: Sequence[tuple[int, float]],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not windows or any(limit < 1 or seconds <= 0 for limit, seconds in windows):
            raise ValueError("windows need a positive limit and a positive duration")
        self.windows = tuple(windows)
        self._logs: tuple[deque[float], ...] = tuple(deque(maxlen=n) for n, _ in self.windows)
        self._last = float("-inf")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def reserve(self, deadline: float | None = None) -> float:
        """Book the earliest allowed send time and return how long to wait for it.

        Raises DailyDeadlineExceeded, booking nothing, when that time is at or past ``deadline``.
        """
        with self._lock:
            now = self._clock()
            at = max(now, self._last)
            for log, (limit, seconds) in zip(self._logs, self.windows, strict=True):
                if len(log) == limit:
                    at = max(at, log[0] + seconds)
            if deadline is not None and at >= deadline:
                raise DailyDeadlineExceeded(
                    f"pacing would delay the request {at - now:.3f}s, past the deadline"
                )
            for log in self._logs:
                log.append(at)
            self._last = at
        return at - now

    def acquire(self, deadline: float | None = None) -> float:
        """Wait for a send slot (see ``reserve``); return the seconds waited."""
        wait = self.reserve(deadline)
        if wait > 0:
            self._sleep(wait)
        return wait


_LIMITERS: dict[tuple[str, str, float], SlidingWindowLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(key_id: str, endpoint_class: str, scale: float = 1.0) -> SlidingWindowLimiter:
    """The process-wide limiter for one API key (by its digest, never the key) and class.

    ``scale`` multiplies the allowed rate (2.0 = twice as fast, 0.5 = half), for tests and for
    leaving headroom to other processes sharing the key.
    """
    if scale <= 0:
        raise ValueError("pacing scale must be positive")
    key = (key_id, endpoint_class, scale)
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            windows = [
                (limit, seconds / scale + WINDOW_MARGIN)
                for limit, seconds in RATE_LIMITS[endpoint_class]
            ]
            limiter = _LIMITERS[key] = SlidingWindowLimiter(windows)
        return limiter
