"""Every refusal answers in the contract's shape, loses nothing and leaks nothing."""

from __future__ import annotations

import json

import pytest

from tests.plugins.daily_emulator import TEST_API_KEY
from tests.plugins.service_harness import Harness, zap

SECRET_WORDS = ("zapier-token", "test-signing-key", TEST_API_KEY, "Traceback")


def assert_error(answer: object, status: int, error: str, code: str | None = None) -> None:
    assert answer.status_code == status, answer.body  # type: ignore[attr-defined]
    body = answer.json_body  # type: ignore[attr-defined]
    assert body["error"] == error
    assert isinstance(body["info"], str) and body["info"]
    if code is not None:
        assert body.get("code") == code
    text = json.dumps(body)
    assert not any(word in text for word in SECRET_WORDS)


def test_missing_authorization_is_400(harness: Harness) -> None:
    assert_error(harness.post("zapier", zap(), headers={}), 400, "authorization-header-error")


@pytest.mark.parametrize("value", ["Basic abc", "Bearer", "zapier-token"])
def test_malformed_authorization_is_400(harness: Harness, value: str) -> None:
    answer = harness.post("zapier", zap(), headers={"Authorization": value})
    assert_error(answer, 400, "authorization-header-error")


def test_wrong_token_is_401(harness: Harness) -> None:
    answer = harness.post("zapier", zap(), headers={"Authorization": "Bearer nope"})
    assert_error(answer, 401, "authentication-error")
    assert harness.booking("zapier:evt-1") is None


def test_rotated_tokens_both_work(harness: Harness) -> None:
    old = harness.post("zapier", zap("a"), headers={"Authorization": "Bearer zapier-token-old"})
    assert old.status_code == 200


def test_another_sources_token_does_not_open_zapier(harness: Harness) -> None:
    answer = harness.post("zapier", zap(), headers={"Authorization": "Bearer google-token"})
    assert_error(answer, 401, "authentication-error")


def test_unparseable_json_is_400_json_parsing_error(harness: Harness) -> None:
    assert_error(harness.post("zapier", '{"id": "x", '), 400, "json-parsing-error")


def test_non_object_json_is_invalid(harness: Harness) -> None:
    assert_error(harness.post("zapier", "[1, 2]"), 400, "invalid-request-error")


def test_missing_id_is_invalid(harness: Harness) -> None:
    payload = zap()
    del payload["id"]
    assert_error(harness.post("zapier", payload), 400, "invalid-request-error", "missing-field")


def test_all_day_event_is_refused(harness: Harness) -> None:
    answer = harness.post("zapier", zap(start="2031-06-01", end="2031-06-02"))
    assert_error(answer, 400, "invalid-request-error", "all-day-event")


def test_end_before_start_is_refused(harness: Harness) -> None:
    payload = zap()
    payload["start"], payload["end"] = payload["end"], payload["start"]
    assert_error(harness.post("zapier", payload), 400, "invalid-request-error", "end-before-start")


def test_event_already_over_is_refused(harness: Harness) -> None:
    answer = harness.post("zapier", zap(start="2020-01-01T10:00:00Z", end="2020-01-01T11:00:00Z"))
    assert_error(answer, 400, "invalid-request-error", "event-ended")
    assert harness.daily_calls() == 0


def test_invalid_email_is_400_not_500(harness: Harness) -> None:
    answer = harness.post("zapier", zap(attendees=[{"email": "not an address"}]))
    assert_error(answer, 400, "invalid-request-error")


def test_unknown_source_is_invalid(harness: Harness) -> None:
    assert_error(harness.post("myspace", zap()), 400, "invalid-request-error", "unknown-source")


def test_body_over_256_kib_is_413(harness: Harness) -> None:
    payload = zap(title="x" * (256 * 1024))
    assert_error(harness.post("zapier", payload), 413, "payload-too-large")


def test_bad_request_is_safe_to_retry_and_loses_nothing(harness: Harness) -> None:
    payload = zap()
    harness.post("zapier", payload, headers={"Authorization": "Bearer nope"})
    answer = harness.post("zapier", payload)
    assert answer.json_body["outcome"] == "created"


def test_secrets_manager_unreachable_is_503_with_retry_after(harness: Harness) -> None:
    harness.secretsmanager.delete_secret(SecretId="roomlinks/test", ForceDeleteWithoutRecovery=True)
    harness.runtime.secrets._value = None  # a cold container
    answer = harness.post("zapier", zap())
    assert_error(answer, 503, "upstream-unavailable")
    assert int(answer.headers["Retry-After"]) > 0
