"""When and how long to wait before trying Daily again, computed by urllib3's ``Retry``.

urllib3's ``Retry`` owns the attempt counting, exponential backoff with jitter and cap, and
``Retry-After`` parsing. It is not given to the shared pool (that has ``retries=False``)
because a pool's retries cannot see each call's deadline: the client's loop drives one
``RetryState`` per call and checks the deadline before every sleep.
"""

from __future__ import annotations

from dataclasses import dataclass

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from chalicelib.daily.errors import DailyError, DailyTransportError

__all__ = ["RETRY_STATUSES", "RetrySettings", "RetryState"]

#: 429 and every 5xx answer is worth another attempt (where the call is safe to repeat).
RETRY_STATUSES = frozenset({429, *range(500, 600)})


@dataclass(frozen=True)
class RetrySettings:
    """The knobs of one client; ``max_attempts`` counts the first try."""

    max_attempts: int = 4
    backoff_factor: float = 0.25
    backoff_max: float = 4.0
    backoff_jitter: float = 0.25
    respect_retry_after: bool = True
    retry_after_max: int = 30

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.backoff_factor, self.backoff_max, self.backoff_jitter) < 0:
            raise ValueError("backoff settings must not be negative")

    def new_retry(self) -> Retry:
        """A fresh urllib3 ``Retry`` allowing ``max_attempts - 1`` retries of any kind."""
        return Retry(
            total=self.max_attempts - 1,
            connect=None,
            read=None,
            redirect=0,
            status=None,
            other=None,
            allowed_methods=None,  # every method: the client decides what is safe to repeat
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_jitter,
            respect_retry_after_header=self.respect_retry_after,
            retry_after_max=self.retry_after_max,
            raise_on_status=False,
        )


class RetryState:
    """The retry bookkeeping of one client call (one method and route)."""

    def __init__(self, settings: RetrySettings, method: str, route: str) -> None:
        self.settings = settings
        self.method = method
        self.route = route
        self.retry = settings.new_retry()

    def parse_retry_after(self, value: str | None) -> float | None:
        """Seconds from a ``Retry-After`` value (delta or HTTP date), capped; None if absent/bad."""
        if value is None:
            return None
        try:
            return self.retry.parse_retry_after(value)
        except InvalidHeader:
            return None

    def is_retryable(self, err: DailyError, *, safe: bool) -> bool:
        """Whether ``err`` may be retried for a call that is (or is not) ``safe`` to repeat.

        An unsafe call (a POST that may create something twice) is still retried when Daily
        provably did not act on it: a 429, or a failure before the request was sent.
        """
        if isinstance(err, DailyTransportError):
            return safe or not err.request_sent
        if err.status is None:
            return False
        has_retry_after = err.retry_after is not None
        if not self.retry.is_retry(self.method, err.status, has_retry_after):
            return False
        return safe or err.status == 429

    def next_delay(self, err: DailyError, response: BaseHTTPResponse | None = None) -> float | None:
        """Count a failed attempt; return the seconds to wait, or None when attempts ran out.

        ``Retry-After`` wins when present and respected (as in ``Retry.sleep``); otherwise the
        backoff is urllib3's: none before the first retry, then
        ``backoff_factor * 2 ** (retries - 1)`` plus up to ``backoff_jitter``, capped at
        ``backoff_max``.
        """
        try:
            if isinstance(err, DailyTransportError):
                self.retry = self.retry.increment(self.method, self.route, error=err)
            else:
                self.retry = self.retry.increment(self.method, self.route, response=response)
        except MaxRetryError:
            return None
        if self.settings.respect_retry_after and err.retry_after:
            return err.retry_after
        return self.retry.get_backoff_time()

    @property
    def attempts(self) -> int:
        """Attempts made so far that failed and were counted."""
        return len(self.retry.history)
