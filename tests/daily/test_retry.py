"""The client's retry loop: urllib3 backoff, Retry-After, safety of repeats, and deadlines.

Runs on a scripted pool and a fake clock, so no sleep is real and no socket is opened.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from urllib3.exceptions import ConnectTimeoutError, ProtocolError, ReadTimeoutError
from urllib3.util import retry as urllib3_retry

from chalicelib.daily import (
    DailyClient,
    DailyDeadlineExceeded,
    DailyInvalidRequestError,
    DailyRateLimitError,
    DailyServerError,
    DailyTimeoutError,
    DailyTransportError,
    MeetingTokenProperties,
)
from chalicelib.daily.retry import RetrySettings, RetryState
from tests.daily.fakes import (
    ROOM,
    Answer,
    FakeTime,
    ScriptedPool,
    server_error,
)

KEY = "secret-key-do-not-leak"


def read_timeout(message: str) -> ReadTimeoutError:
    return ReadTimeoutError(None, "https://daily.test/v1", message)  # type: ignore[arg-type]


def _client(
    script: Sequence[Answer | Exception], **kw: object
) -> tuple[DailyClient, ScriptedPool, FakeTime]:
    t = FakeTime()
    pool = ScriptedPool(script, t)
    options: dict[str, object] = {
        "pacing": False,
        "backoff_factor": 0.25,
        "backoff_jitter": 0.0,
        "max_attempts": 4,
    }
    options.update(kw)
    client = DailyClient(
        KEY,
        "https://daily.test/v1",
        pool=pool,
        clock=t.clock,
        sleep=t.sleep,
        **options,  # type: ignore[arg-type]
    )
    return client, pool, t


def test_5xx_then_success_backs_off_exponentially() -> None:
    client, pool, t = _client([server_error(), server_error(), server_error(), Answer(200, ROOM)])
    room = client.get_room("r1")
    assert room.name == "r1"
    assert len(pool.sent) == 4
    # urllib3: no sleep before the first retry, then factor * 2 ** (n - 1)
    assert t.sleeps == [0.5, 1.0]


def test_sleeps_are_urllib3s_backoff_times() -> None:
    settings = RetrySettings(max_attempts=6, backoff_factor=0.3, backoff_max=2.0, backoff_jitter=0)
    client, _, t = _client(
        [server_error() for _ in range(5)] + [Answer(200, ROOM)],
        max_attempts=6,
        backoff_factor=0.3,
        backoff_max=2.0,
    )
    client.get_room("r1")
    retry = settings.new_retry()
    expected = []
    for _ in range(5):
        retry = retry.increment("GET", "/rooms/:name")
        expected.append(retry.get_backoff_time())
    assert [s for s in expected if s > 0] == t.sleeps
    assert t.sleeps == [0.6, 1.2, 2.0, 2.0]  # capped at backoff_max


def test_jitter_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    class _Random:
        @staticmethod
        def random() -> float:
            return 0.5

    monkeypatch.setattr(urllib3_retry, "random", _Random)
    client, _, t = _client([server_error(), server_error(), Answer(200, ROOM)], backoff_jitter=0.4)
    client.get_room("r1")
    assert t.sleeps == [pytest.approx(0.5 + 0.2)]


def test_attempts_are_bounded() -> None:
    client, pool, _ = _client([server_error() for _ in range(4)])
    with pytest.raises(DailyServerError) as info:
        client.get_room("r1")
    assert len(pool.sent) == 4
    assert info.value.status == 503


def test_max_attempts_one_means_no_retry() -> None:
    client, pool, _ = _client([server_error()], max_attempts=1)
    with pytest.raises(DailyServerError):
        client.get_room("r1")
    assert len(pool.sent) == 1


def test_retry_after_is_honoured_on_429() -> None:
    limited = Answer(429, {"error": "rate-limit-error"}, {"Retry-After": "3"})
    client, pool, t = _client([limited, Answer(200, ROOM)])
    client.get_room("r1")
    assert t.sleeps == [3.0]
    assert len(pool.sent) == 2


def test_retry_after_is_capped() -> None:
    limited = Answer(429, {"error": "rate-limit-error"}, {"Retry-After": "3600"})
    client, _, t = _client([limited, Answer(200, ROOM)], retry_after_max=7)
    client.get_room("r1")
    assert t.sleeps == [7.0]


def test_unparsable_retry_after_falls_back_to_backoff() -> None:
    bad = Answer(429, {"error": "rate-limit-error"}, {"Retry-After": "soon"})
    client, _, t = _client([bad, bad, Answer(200, ROOM)])
    client.get_room("r1")
    assert t.sleeps == [0.5]


def test_exhausted_rate_limit_raises_with_retry_after() -> None:
    limited = Answer(429, {"error": "rate-limit-error"}, {"Retry-After": "1"})
    client, _, _ = _client([limited, limited], max_attempts=2)
    with pytest.raises(DailyRateLimitError) as info:
        client.get_room("r1")
    assert info.value.retry_after == 1.0


def test_client_errors_are_not_retried() -> None:
    client, pool, _ = _client([Answer(400, {"error": "invalid-request-error", "info": "no"})])
    with pytest.raises(DailyInvalidRequestError):
        client.update_room("r1", properties={"exp": 1})
    assert len(pool.sent) == 1


def test_connection_errors_are_retried() -> None:
    client, pool, _ = _client(
        [
            ProtocolError("Connection aborted.", ConnectionResetError("reset by peer")),
            read_timeout("slow"),
            Answer(200, ROOM),
        ]
    )
    assert client.get_room("r1").id == ROOM["id"]
    assert len(pool.sent) == 3


def test_transport_failure_after_retries_is_typed() -> None:
    client, _, _ = _client([read_timeout("slow")] * 2, max_attempts=2)
    with pytest.raises(DailyTimeoutError) as info:
        client.get_room("r1")
    assert isinstance(info.value, DailyTransportError)
    assert info.value.is_transient


def test_unnamed_create_is_not_retried_after_a_5xx_or_a_read_timeout() -> None:
    client, pool, _ = _client([server_error()])
    with pytest.raises(DailyServerError):
        client.create_room(privacy="private")
    assert len(pool.sent) == 1
    client, pool, _ = _client([read_timeout("maybe created")])
    with pytest.raises(DailyTimeoutError):
        client.create_room()
    assert len(pool.sent) == 1


def test_unnamed_create_is_retried_when_daily_did_not_act() -> None:
    limited = Answer(429, {"error": "rate-limit-error"})
    client, pool, _ = _client([limited, ConnectTimeoutError("never connected"), Answer(200, ROOM)])
    assert client.create_room().name == "r1"
    assert len(pool.sent) == 3


def test_named_create_and_token_mint_are_retried() -> None:
    client, pool, _ = _client([server_error(), Answer(200, ROOM)])
    client.create_room("r1")
    assert len(pool.sent) == 2
    client, pool, _ = _client([server_error(), Answer(200, {"token": "a.b.c"})])
    assert client.create_meeting_token(MeetingTokenProperties(room_name="r1")) == "a.b.c"
    assert len(pool.sent) == 2


def test_deadline_already_passed_sends_nothing() -> None:
    client, pool, t = _client([Answer(200, ROOM)])
    with pytest.raises(DailyDeadlineExceeded):
        client.get_room("r1", deadline=t.now)
    assert pool.sent == []


def test_attempt_timeouts_are_cut_to_the_deadline() -> None:
    client, pool, t = _client([Answer(200, ROOM), Answer(200, ROOM)], timeout=(3.05, 10.0))
    client.get_room("r1")
    client.get_room("r1", deadline=t.now + 1.5)
    assert pool.sent[0].timeout == (3.05, 10.0)
    assert pool.sent[1].timeout == (1.5, 1.5)


def test_no_sleep_past_the_deadline() -> None:
    limited = Answer(429, {"error": "rate-limit-error"}, {"Retry-After": "5"})
    client, pool, t = _client([limited, Answer(200, ROOM)])
    with pytest.raises(DailyDeadlineExceeded) as info:
        client.get_room("r1", deadline=t.now + 2.0)
    assert t.sleeps == []
    assert len(pool.sent) == 1
    assert isinstance(info.value.last_error, DailyRateLimitError)
    assert info.value.is_transient


def test_backoff_stops_at_the_deadline() -> None:
    client, pool, t = _client([server_error(advance=0.1) for _ in range(4)], backoff_factor=1.0)
    start = t.now
    with pytest.raises(DailyDeadlineExceeded) as info:
        client.get_room("r1", deadline=start + 2.5)
    # immediate retry, then a 2 s backoff that fits, then a 4 s one that would not
    assert t.sleeps == [2.0]
    assert len(pool.sent) == 3
    assert t.now == pytest.approx(start + 2.3)
    assert isinstance(info.value.last_error, DailyServerError)


def test_timeout_at_the_deadline_is_deadline_exceeded() -> None:
    client, _, t = _client([read_timeout("slow")], timeout=(3.05, 10.0))
    with pytest.raises(DailyDeadlineExceeded) as info:
        client.get_room("r1", deadline=t.now + 0.8)
    assert isinstance(info.value.last_error, DailyTimeoutError)


def test_transport_messages_hide_key_and_token() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJyIjoiciJ9.c2ln"
    failure = ProtocolError(f"failed: /v1/meeting-tokens/{token} with {KEY}")
    client, _, _ = _client([failure], max_attempts=1)
    with pytest.raises(DailyTransportError) as info:
        client.validate_meeting_token(token)
    text = f"{info.value} {info.value!r} {info.value.info}"
    assert token not in text
    assert KEY not in text
    assert "/meeting-tokens/:token" in text
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_error_info_hides_the_token() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJyIjoiciJ9.c2ln"
    answer = Answer(400, {"error": "invalid-request-error", "info": f"bad token {token}"})
    client, _, _ = _client([answer])
    with pytest.raises(DailyInvalidRequestError) as info:
        client.validate_meeting_token(token)
    assert token not in str(info.value)


def test_retry_state_rules() -> None:
    state = RetryState(RetrySettings(), "POST", "/rooms")
    assert state.is_retryable(DailyServerError(status=503), safe=True)
    assert not state.is_retryable(DailyServerError(status=503), safe=False)
    assert state.is_retryable(DailyRateLimitError(status=429), safe=False)
    assert not state.is_retryable(DailyTransportError("x"), safe=False)
    assert state.is_retryable(DailyTransportError("x", request_sent=False), safe=False)
    assert not state.is_retryable(DailyInvalidRequestError(status=400), safe=True)
    assert state.parse_retry_after(None) is None
    assert state.parse_retry_after("2") == 2.0


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetrySettings(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetrySettings(backoff_factor=-1)
