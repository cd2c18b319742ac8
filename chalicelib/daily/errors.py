"""Daily's failures as exceptions, one class per Daily ``error`` type.

The client raises only these (never the app's HTTP errors in ``chalicelib.errors``), so callers
can tell "Daily said no" from "Daily could not be reached" and decide whether to fall back via
``is_transient``. No message ever carries the API key or a meeting token.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DailyAuthenticationError",
    "DailyAuthorizationHeaderError",
    "DailyDeadlineExceeded",
    "DailyError",
    "DailyForbiddenError",
    "DailyInvalidRequestError",
    "DailyJsonParsingError",
    "DailyNotFoundError",
    "DailyRateLimitError",
    "DailyServerError",
    "DailyTimeoutError",
    "DailyTransportError",
    "error_from_body",
]


class DailyError(Exception):
    """Base of every Daily failure: HTTP ``status`` (None if no answer), ``error``, ``info``."""

    default_error: str = "daily-error"
    transient: bool = False

    def __init__(
        self,
        error: str | None = None,
        info: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.error = error or self.default_error
        self.info = info
        self.retry_after = retry_after
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.status} {self.error}" if self.status is not None else self.error
        return f"{head}: {self.info}" if self.info else head

    @property
    def is_transient(self) -> bool:
        """True when trying again later may succeed, so a caller may fall back now."""
        return self.transient

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, error={self.error!r}, "
            f"info={self.info!r})"
        )


class DailyAuthorizationHeaderError(DailyError):
    """400: the Authorization header is missing or malformed (Daily answers 400, not 401)."""

    default_error = "authorization-header-error"


class DailyAuthenticationError(DailyError):
    """401: the API key is not valid (wrong or rotated key)."""

    default_error = "authentication-error"


class DailyForbiddenError(DailyError):
    """403: the key is valid but may not touch this resource."""

    default_error = "forbidden-error"


class DailyInvalidRequestError(DailyError):
    """400: bad or missing parameters; also a duplicate room name on create."""

    default_error = "invalid-request-error"


class DailyJsonParsingError(DailyError):
    """400: Daily could not parse the request body."""

    default_error = "json-parsing-error"


class DailyNotFoundError(DailyError):
    """404: no such room (or an expired one)."""

    default_error = "not-found"


class DailyRateLimitError(DailyError):
    """429: too many requests; ``retry_after`` holds the server's hint when it sent one."""

    default_error = "rate-limit-error"
    transient = True


class DailyServerError(DailyError):
    """5xx (``server-error`` or any other 5xx answer)."""

    default_error = "server-error"
    transient = True


class DailyTransportError(DailyError):
    """No HTTP answer at all: connection refused, reset, DNS or TLS failure."""

    default_error = "transport-error"
    transient = True

    def __init__(self, info: str | None = None, *, request_sent: bool = True) -> None:
        super().__init__(None, info)
        # False only when the request provably never reached Daily (connect phase), which makes
        # even a non-idempotent call safe to send again.
        self.request_sent = request_sent


class DailyTimeoutError(DailyTransportError):
    """Connecting or reading took longer than the per-attempt timeout."""

    default_error = "timeout"


class DailyDeadlineExceeded(DailyError):
    """The caller's deadline ran out before Daily gave a successful answer.

    Raised instead of sleeping, pacing or retrying past the deadline; ``last_error`` is the
    failure of the last attempt, if one was made.
    """

    default_error = "deadline-exceeded"
    transient = True

    def __init__(self, info: str | None = None, *, last_error: DailyError | None = None) -> None:
        super().__init__(None, info, status=last_error.status if last_error else None)
        self.last_error = last_error


_BY_ERROR: Mapping[str, type[DailyError]] = {
    "authorization-header-error": DailyAuthorizationHeaderError,
    "authentication-error": DailyAuthenticationError,
    "forbidden-error": DailyForbiddenError,
    "invalid-request-error": DailyInvalidRequestError,
    "json-parsing-error": DailyJsonParsingError,
    "not-found": DailyNotFoundError,
    "rate-limit-error": DailyRateLimitError,
    "server-error": DailyServerError,
}

_BY_STATUS: Mapping[int, type[DailyError]] = {
    400: DailyInvalidRequestError,
    401: DailyAuthenticationError,
    403: DailyForbiddenError,
    404: DailyNotFoundError,
    429: DailyRateLimitError,
}


def error_class_for(status: int, error: str | None) -> type[DailyError]:
    """Pick the exception class: 429 and 5xx by status, then Daily's ``error``, then status."""
    if status == 429:
        return DailyRateLimitError
    if status >= 500:
        return DailyServerError
    if error is not None and error in _BY_ERROR:
        return _BY_ERROR[error]
    return _BY_STATUS.get(status, DailyError)


def error_from_body(
    status: int, body: object, *, retry_after: float | None = None, fallback_info: str | None = None
) -> DailyError:
    """Build the exception for a non-2xx answer whose JSON body is ``{"error", "info"}``."""
    error: str | None = None
    info: str | None = fallback_info  # only for answers that are not Daily's JSON shape
    if isinstance(body, Mapping):
        raw_error = body.get("error")
        raw_info = body.get("info")
        error = raw_error if isinstance(raw_error, str) else None
        info = raw_info if isinstance(raw_info, str) else None
    cls = error_class_for(status, error)
    return cls(error, info, status=status, retry_after=retry_after)
