"""Mapping Daily's error answers to exception classes, and what callers can read off them."""

from __future__ import annotations

import pytest

from chalicelib.daily import (
    DailyAuthenticationError,
    DailyAuthorizationHeaderError,
    DailyDeadlineExceeded,
    DailyError,
    DailyForbiddenError,
    DailyInvalidRequestError,
    DailyJsonParsingError,
    DailyNotFoundError,
    DailyRateLimitError,
    DailyServerError,
    DailyTimeoutError,
    DailyTransportError,
)
from chalicelib.daily.errors import error_from_body


@pytest.mark.parametrize(
    ("status", "error", "cls"),
    [
        (400, "authorization-header-error", DailyAuthorizationHeaderError),
        (401, "authentication-error", DailyAuthenticationError),
        (403, "forbidden-error", DailyForbiddenError),
        (400, "invalid-request-error", DailyInvalidRequestError),
        (400, "json-parsing-error", DailyJsonParsingError),
        (404, "not-found", DailyNotFoundError),
        (429, "rate-limit-error", DailyRateLimitError),
        (500, "server-error", DailyServerError),
    ],
)
def test_each_daily_error_type_has_its_class(
    status: int, error: str, cls: type[DailyError]
) -> None:
    err = error_from_body(status, {"error": error, "info": "why"})
    assert type(err) is cls
    assert (err.status, err.error, err.info) == (status, error, "why")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, DailyInvalidRequestError),
        (401, DailyAuthenticationError),
        (403, DailyForbiddenError),
        (404, DailyNotFoundError),
        (429, DailyRateLimitError),
        (502, DailyServerError),
        (418, DailyError),
    ],
)
def test_unknown_error_types_map_by_status(status: int, cls: type[DailyError]) -> None:
    err = error_from_body(status, {"error": "invalid-plan-type", "info": "pay up"})
    assert type(err) is cls
    assert err.error == "invalid-plan-type"


def test_any_5xx_is_a_server_error_whatever_the_body() -> None:
    assert type(error_from_body(504, "<html>gateway</html>")) is DailyServerError
    assert type(error_from_body(503, {"error": "not-found"})) is DailyServerError
    assert error_from_body(504, None).error == "server-error"


def test_429_is_a_rate_limit_even_with_another_error_string() -> None:
    err = error_from_body(429, {"error": "server-error"}, retry_after=2.0)
    assert type(err) is DailyRateLimitError
    assert err.retry_after == 2.0


def test_missing_info_is_none_and_message_is_short() -> None:
    err = error_from_body(401, {"error": "authentication-error"})
    assert err.info is None
    assert str(err) == "401 authentication-error"


def test_non_json_body_falls_back_to_status_and_reason() -> None:
    err = error_from_body(404, None, fallback_info="Not Found")
    assert type(err) is DailyNotFoundError
    assert (err.error, err.info) == ("not-found", "Not Found")


@pytest.mark.parametrize(
    ("err", "transient"),
    [
        (DailyRateLimitError(status=429), True),
        (DailyServerError(status=500), True),
        (DailyTransportError("reset"), True),
        (DailyTimeoutError("slow"), True),
        (DailyDeadlineExceeded("late"), True),
        (DailyInvalidRequestError(status=400), False),
        (DailyNotFoundError(status=404), False),
        (DailyAuthenticationError(status=401), False),
        (DailyAuthorizationHeaderError(status=400), False),
        (DailyForbiddenError(status=403), False),
        (DailyJsonParsingError(status=400), False),
    ],
)
def test_is_transient(err: DailyError, transient: bool) -> None:
    assert err.is_transient is transient


def test_hierarchy() -> None:
    assert issubclass(DailyTimeoutError, DailyTransportError)
    for cls in (DailyTransportError, DailyDeadlineExceeded, DailyRateLimitError):
        assert issubclass(cls, DailyError)
    assert DailyTransportError("x").status is None


def test_deadline_exceeded_keeps_the_last_error() -> None:
    last = DailyServerError(status=503)
    err = DailyDeadlineExceeded("late", last_error=last)
    assert err.last_error is last
    assert err.status == 503
    assert err.error == "deadline-exceeded"


def test_json_body_without_info_keeps_info_none_despite_fallback() -> None:
    err = error_from_body(401, {"error": "authentication-error"}, fallback_info="Unauthorized")
    assert err.info is None
