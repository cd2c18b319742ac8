"""Per-endpoint-class request counts, so tests and benchmarks can assert call budgets."""

from __future__ import annotations

import threading
from collections import Counter


class Counters:
    """Thread-safe tally keyed by endpoint class such as ``"POST /rooms"``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def hit(self, endpoint: str) -> None:
        """Count one received request."""
        with self._lock:
            self._counts[endpoint] += 1

    def snapshot(self) -> dict[str, int]:
        """A copy of the current counts."""
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        """Zero every count."""
        with self._lock:
            self._counts.clear()
