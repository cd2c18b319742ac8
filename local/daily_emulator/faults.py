"""Injectable failures so clients' retry, timeout and idempotency paths can be exercised.

Faults act on counted API calls only (never the control plane), before authentication,
like a flaky load balancer in front of Daily. Every fault may be scoped to one endpoint
class (e.g. ``"POST /rooms"``); ``endpoint=None`` matches every call.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass
class _Countdown:
    """Applies to the next ``remaining`` matching calls."""

    remaining: int
    endpoint: str | None
    status: int = 503
    error: str = "server-error"
    seconds: float = 0.0


@dataclass
class _Rate:
    fraction: float
    status: int
    endpoint: str | None


@dataclass(frozen=True)
class Verdict:
    """What the faults decided for one call: sleep first, then maybe answer an error."""

    delay: float = 0.0
    status: int | None = None
    error: str = "server-error"


def _matches(scope: str | None, endpoint: str) -> bool:
    return scope is None or scope == endpoint


def _check_count(n: int) -> None:
    if n < 1:
        raise ValueError(f"fault count must be at least 1, not {n}")


def _check_status(status: int) -> None:
    if not 400 <= status <= 599:
        raise ValueError(f"fault status must be an HTTP error status, not {status}")


class Faults:
    """Fault configuration, consulted once per API call."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self._interrupt = threading.Event()
        self._failures: list[_Countdown] = []
        self._hangs: list[_Countdown] = []
        self._rates: list[_Rate] = []
        self._latency: dict[str | None, float] = {}

    def fail_next(
        self,
        n: int,
        status: int = 503,
        error: str = "server-error",
        endpoint: str | None = None,
    ) -> None:
        """Answer the next ``n`` matching calls with ``status`` / ``error`` (queued in order)."""
        _check_count(n)
        _check_status(status)
        with self._lock:
            self._failures.append(_Countdown(n, endpoint, status=status, error=error))

    def set_failure_rate(
        self, fraction: float, status: int = 500, endpoint: str | None = None
    ) -> None:
        """Answer a random ``fraction`` of matching calls with ``status`` (seeded RNG)."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"failure rate must be within [0, 1], not {fraction}")
        _check_status(status)
        with self._lock:
            self._rates = [r for r in self._rates if r.endpoint != endpoint]
            if fraction > 0:
                self._rates.append(_Rate(fraction, status, endpoint))

    def set_latency(self, seconds: float, endpoint: str | None = None) -> None:
        """Delay every matching call by ``seconds`` before it is answered."""
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        with self._lock:
            self._latency[endpoint] = seconds

    def hang_next(self, n: int, seconds: float, endpoint: str | None = None) -> None:
        """Stall the next ``n`` matching calls ``seconds`` before answering (then serve them
        normally, so a client that timed out may still have changed state, as on real Daily)."""
        _check_count(n)
        if seconds < 0:
            raise ValueError("hang duration cannot be negative")
        with self._lock:
            self._hangs.append(_Countdown(n, endpoint, seconds=seconds))

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._failures.clear()
            self._hangs.clear()
            self._rates.clear()
            self._latency.clear()

    def decide(self, endpoint: str) -> Verdict:
        """Consume the countdowns that match this call and return its verdict."""
        with self._lock:
            delay = self._latency.get(None, 0.0) + self._latency.get(endpoint, 0.0)
            hang = self._take(self._hangs, endpoint)
            if hang is not None:
                delay += hang.seconds
            failure = self._take(self._failures, endpoint)
            if failure is not None:
                return Verdict(delay, failure.status, failure.error)
            for rate in self._rates:
                if _matches(rate.endpoint, endpoint) and self._rng.random() < rate.fraction:
                    return Verdict(delay, rate.status)
            return Verdict(delay)

    @staticmethod
    def _take(queue: list[_Countdown], endpoint: str) -> _Countdown | None:
        for entry in queue:
            if _matches(entry.endpoint, endpoint):
                entry.remaining -= 1
                if entry.remaining <= 0:
                    queue.remove(entry)
                return entry
        return None

    def sleep(self, seconds: float) -> None:
        """Sleep for a verdict's delay; cut short when the emulator stops."""
        if seconds > 0:
            self._interrupt.wait(seconds)

    def interrupt(self) -> None:
        """Wake every sleeping call (used on shutdown so stop() never waits on a hang)."""
        self._interrupt.set()
