"""The failures roomlinks answers with, one named exception per contract error type.

Every exception carries the HTTP status, the contract's ``error`` string and a human ``info``
text that never holds a secret, a token or a stack trace; ``web.answers_errors`` turns them
into answers.
"""

from __future__ import annotations


class RoomlinksError(Exception):
    status: int = 500
    error: str = "server-error"

    def __init__(self, info: str, *, code: str | None = None) -> None:
        super().__init__(info)
        self.info = info
        self.code = code

    def body(self) -> dict[str, str]:
        answer = {"error": self.error, "info": self.info}
        if self.code:
            answer["code"] = self.code
        return answer

    def headers(self) -> dict[str, str]:
        return {}


class JsonParsingError(RoomlinksError):
    """The body cannot be parsed (JSON, form or iCalendar)."""

    status = 400
    error = "json-parsing-error"


class InvalidRequestError(RoomlinksError):
    """Parseable, but wrong: missing or invalid fields, all-day, ended, unknown source."""

    status = 400
    error = "invalid-request-error"


class AuthorizationHeaderError(RoomlinksError):
    """The credential or signature header is missing or malformed."""

    status = 400
    error = "authorization-header-error"


class AuthenticationError(RoomlinksError):
    """The credential or signature does not verify, or its timestamp is out of tolerance."""

    status = 401
    error = "authentication-error"


class ForbiddenError(RoomlinksError):
    """Authenticated, but not allowed (e.g. a guest asking for a host link)."""

    status = 403
    error = "forbidden-error"


class NotFoundError(RoomlinksError):
    status = 404
    error = "not-found"


class MethodNotAllowedError(RoomlinksError):
    status = 405
    error = "method-not-allowed"

    def __init__(self, info: str, *, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(info)
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)} if self.allowed else {}


class ConflictError(RoomlinksError):
    """An ``Idempotency-Key`` reused with a different body."""

    status = 409
    error = "conflict"


class GoneError(RoomlinksError):
    """The booking was cancelled or its room window is over."""

    status = 410
    error = "gone"


class PayloadTooLargeError(RoomlinksError):
    status = 413
    error = "payload-too-large"


class UnsupportedMediaTypeError(RoomlinksError):
    status = 415
    error = "unsupported-media-type"


class UpstreamUnavailableError(RoomlinksError):
    """Daily or AWS is unreachable and nothing safe could be done."""

    status = 503
    error = "upstream-unavailable"

    def __init__(self, info: str, *, retry_after: int = 30, code: str | None = None) -> None:
        super().__init__(info, code=code)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
