"""Daily's per-endpoint rate limits (reference §4) as sliding windows.

Windows run on real monotonic time, never the injectable :class:`Clock`: jumping the test
clock forward a day must not refill a window, and clock-frozen tests must still drain them.
Only accepted requests enter a window, so a client backing off on 429 recovers on schedule.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

Limits = tuple[tuple[int, float], ...]
"""(requests, window seconds) pairs that all have to hold."""

GENERAL: Limits = ((20, 1.0), (100, 5.0))
ROOM_DELETE: Limits = ((2, 1.0), (50, 30.0))
_TIGHT = {"DELETE /rooms/:name": ROOM_DELETE}


def parse_mode(mode: str | float) -> float | None:
    """``"off"`` → None, ``"daily"`` → 1.0, a positive number (or numeric string) → that scale."""
    if mode == "off":
        return None
    if mode == "daily":
        return 1.0
    try:
        scale = float(mode)
    except ValueError:
        scale = math.nan
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"rate_limits must be 'off', 'daily' or a positive number, not {mode!r}")
    return scale


class RateLimiter:
    """One set of windows per endpoint class; ``scale`` multiplies every request budget."""

    def __init__(
        self, scale: float | None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._scale = scale
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    @property
    def enabled(self) -> bool:
        """False in mode "off"."""
        return self._scale is not None

    def limits(self, endpoint: str) -> Limits:
        """The scaled budgets for an endpoint class (at least one request per window)."""
        scale = self._scale or 1.0
        return tuple(
            (max(1, int(n * scale)), window) for n, window in _TIGHT.get(endpoint, GENERAL)
        )

    def check(self, endpoint: str) -> int | None:
        """Admit and record a request, or return the whole seconds to wait (≥ 1)."""
        if self._scale is None:
            return None
        limits = self.limits(endpoint)
        longest = max(window for _, window in limits)
        with self._lock:
            now = self._monotonic()
            seen = self._seen.setdefault(endpoint, deque())
            while seen and seen[0] <= now - longest:
                seen.popleft()
            wait = 0.0
            for budget, window in limits:
                recent = [t for t in seen if t > now - window]
                if len(recent) >= budget:
                    wait = max(wait, recent[-budget] + window - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            seen.append(now)
            return None
