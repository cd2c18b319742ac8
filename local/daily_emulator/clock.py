"""The emulator's notion of "now", injectable so tests can expire rooms and tokens instantly.

Only expiry-style checks (room ``exp``, token ``exp``/``nbf``, ``created_at`` stamps, token
``iat``) read this clock. Rate limiting deliberately uses real monotonic time instead: a test
that jumps the clock by a day must not also refill or drain rate-limit windows.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Unix-seconds clock: real time by default, frozen once :meth:`set` is called.

    ``set(t)`` freezes the clock at ``t`` so assertions about ``created_at`` and expiry are
    deterministic; ``advance(s)`` moves it forward (or back) by ``s`` seconds whether frozen
    or not, so ``advance`` alone keeps real time ticking with an offset.
    """

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at: float | None = start
        self._offset = 0.0

    def now(self) -> float:
        """Current emulated unix time in seconds."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def set(self, t: float) -> None:
        """Freeze the clock at unix time ``t``."""
        with self._lock:
            self._frozen_at = float(t)

    def advance(self, seconds: float) -> None:
        """Move the clock by ``seconds`` (negative moves it back)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
