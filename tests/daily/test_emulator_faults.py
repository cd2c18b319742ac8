"""Error mapping, retries, deadlines and pacing over real HTTP, driven by emulator faults."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from chalicelib.daily import (
    DailyAuthenticationError,
    DailyAuthorizationHeaderError,
    DailyClient,
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
from local.daily_emulator import DailyEmulator
from tests.daily.conftest import make_client

Factory = Callable[..., DailyEmulator]


class RecordingSleep:
    """Real sleeps, remembered, so tests can check what the client chose to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


# -- error mapping ---------------------------------------------------------------------------


def test_malformed_authorization_header(daily_emulator: DailyEmulator) -> None:
    client = DailyClient("two words", daily_emulator.base_url, pacing=False)
    with pytest.raises(DailyAuthorizationHeaderError) as info:
        client.get_room("any")
    assert (info.value.status, info.value.error) == (400, "authorization-header-error")
    assert "two words" not in str(info.value)


def test_wrong_api_key(daily_emulator: DailyEmulator) -> None:
    client = DailyClient("wrong-key", daily_emulator.base_url, pacing=False)
    with pytest.raises(DailyAuthenticationError) as info:
        client.get_room("any")
    assert (info.value.status, info.value.info) == (401, None)
    assert not info.value.is_transient


def test_not_found(client: DailyClient) -> None:
    with pytest.raises(DailyNotFoundError, match="room nope not found"):
        client.get_room("nope")


def test_invalid_request(client: DailyClient) -> None:
    with pytest.raises(DailyInvalidRequestError, match="invalid characters"):
        client.create_room("no spaces allowed")
    with pytest.raises(DailyInvalidRequestError, match="in the past"):
        client.create_room("past", properties={"exp": 1})


@pytest.mark.parametrize(
    ("status", "error", "cls"),
    [
        (403, "forbidden-error", DailyForbiddenError),
        (400, "json-parsing-error", DailyJsonParsingError),
        (429, "rate-limit-error", DailyRateLimitError),
        (500, "server-error", DailyServerError),
        (502, "server-error", DailyServerError),
        (402, "invalid-plan-type", DailyError),
    ],
)
def test_error_types_from_the_wire(
    daily_emulator: DailyEmulator, status: int, error: str, cls: type[DailyError]
) -> None:
    client = make_client(daily_emulator, max_attempts=1)
    daily_emulator.faults.fail_next(1, status=status, error=error)
    with pytest.raises(cls) as info:
        client.get_room("any")
    assert type(info.value) is cls
    assert (info.value.status, info.value.error) == (status, error)


def test_connection_refused_is_a_transport_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = DailyClient(
        "k", f"http://127.0.0.1:{port}/v1", pacing=False, max_attempts=2, backoff_factor=0.01
    )
    with pytest.raises(DailyTransportError) as info:
        client.create_room()  # unnamed, yet retried: the request never left
    assert not isinstance(info.value, DailyTimeoutError)
    assert info.value.request_sent is False
    assert info.value.is_transient


def test_hang_is_a_timeout(daily_emulator: DailyEmulator) -> None:
    daily_emulator.faults.hang_next(1, 3.0)
    client = make_client(daily_emulator, timeout=(1.0, 0.2), max_attempts=1)
    started = time.monotonic()
    with pytest.raises(DailyTimeoutError):
        client.get_room("any")
    assert time.monotonic() - started < 1.0


# -- retries ---------------------------------------------------------------------------------


def test_5xx_then_success(client: DailyClient, daily_emulator: DailyEmulator) -> None:
    client.create_room("flaky")
    daily_emulator.reset_counters()
    daily_emulator.faults.fail_next(2, status=503)
    assert client.get_room("flaky").name == "flaky"
    assert daily_emulator.counters()["GET /rooms/:name"] == 3


def test_429_retry_after_is_honoured(daily_emulator: DailyEmulator) -> None:
    sleep = RecordingSleep()
    client = make_client(daily_emulator, sleep=sleep)
    client.create_room("busy")
    daily_emulator.faults.fail_next(1, status=429, error="rate-limit-error")
    started = time.monotonic()
    assert client.get_room("busy").name == "busy"
    assert sleep.calls == [1.0]  # the emulator's Retry-After: 1
    assert time.monotonic() - started >= 1.0


def test_unnamed_create_is_not_repeated_after_a_5xx(
    client: DailyClient, daily_emulator: DailyEmulator
) -> None:
    daily_emulator.faults.fail_next(1, status=500, endpoint="POST /rooms")
    with pytest.raises(DailyServerError):
        client.create_room()
    assert daily_emulator.counters()["POST /rooms"] == 1


def test_delete_retried_after_timeout_reports_gone(daily_emulator: DailyEmulator) -> None:
    client = make_client(daily_emulator, timeout=(1.0, 0.2))
    client.create_room("gone-twice")
    daily_emulator.faults.hang_next(1, 0.3, endpoint="DELETE /rooms/:name")
    client.delete_room("gone-twice")  # True or False depending on who won; never an error
    with pytest.raises(DailyNotFoundError):
        client.get_room("gone-twice")


def test_rate_limited_burst_recovers_by_retrying(daily_emulator_factory: Factory) -> None:
    emu = daily_emulator_factory(rate_limits="daily")
    client = make_client(emu, max_attempts=5)
    client.create_room("hot")
    for _ in range(25):
        client.get_room("hot")
    assert emu.counters()["GET /rooms/:name"] > 25  # some 429s were met and retried


# -- deadlines -------------------------------------------------------------------------------


def test_hanging_daily_stops_at_the_deadline(daily_emulator: DailyEmulator) -> None:
    daily_emulator.faults.hang_next(10, 5.0)
    client = make_client(daily_emulator, max_attempts=10)
    started = time.monotonic()
    with pytest.raises(DailyDeadlineExceeded) as info:
        client.get_room("any", deadline=started + 0.5)
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 0.9
    assert isinstance(info.value.last_error, DailyTimeoutError)


def test_failing_daily_stops_before_the_deadline(daily_emulator: DailyEmulator) -> None:
    daily_emulator.faults.set_failure_rate(1.0, status=503)
    client = make_client(daily_emulator, max_attempts=50, backoff_factor=0.1, backoff_max=10)
    started = time.monotonic()
    with pytest.raises(DailyDeadlineExceeded) as info:
        client.get_room("any", deadline=started + 1.0)
    assert time.monotonic() - started < 1.0
    assert isinstance(info.value.last_error, DailyServerError)
    # backoff 0, 0.2, 0.4, then 0.8 would pass the deadline: four attempts
    assert daily_emulator.counters()["GET /rooms/:name"] == 4


def test_retry_after_beyond_the_deadline_fails_fast(daily_emulator: DailyEmulator) -> None:
    daily_emulator.faults.fail_next(1, status=429, error="rate-limit-error")
    client = make_client(daily_emulator)
    started = time.monotonic()
    with pytest.raises(DailyDeadlineExceeded) as info:
        client.get_room("any", deadline=started + 0.5)
    assert time.monotonic() - started < 0.3
    assert isinstance(info.value.last_error, DailyRateLimitError)


def test_deadline_covers_ensure_room(daily_emulator: DailyEmulator) -> None:
    daily_emulator.faults.hang_next(10, 5.0)
    client = make_client(daily_emulator)
    started = time.monotonic()
    with pytest.raises(DailyDeadlineExceeded):
        client.ensure_room("late", "private", deadline=started + 0.4)
    assert time.monotonic() - started < 0.8


# -- pacing ----------------------------------------------------------------------------------


def test_pacing_stays_under_dailys_limits(
    daily_emulator_factory: Factory, unique_key: Callable[[], str]
) -> None:
    emu = daily_emulator_factory(api_key=unique_key(), rate_limits="daily")
    client = make_client(emu, pacing=True, max_attempts=1)  # any 429 would raise
    client.create_room("paced")
    for _ in range(30):
        client.get_room("paced")
    for i in range(5):
        client.create_room(f"del-{i}")
    started = time.monotonic()
    for i in range(5):
        assert client.delete_room(f"del-{i}") is True
    assert time.monotonic() - started >= 2.0  # 2 deletes per second
    counts = emu.counters()
    assert counts["GET /rooms/:name"] == 30
    assert counts["DELETE /rooms/:name"] == 5


def test_pacing_wait_past_the_deadline_sends_nothing(
    daily_emulator: DailyEmulator, unique_key: Callable[[], str]
) -> None:
    client = DailyClient(unique_key(), daily_emulator.base_url, pacing=True)
    # Fill the delete budget (2/s) with calls that the emulator answers 401 (wrong key).
    for _ in range(2):
        with pytest.raises(DailyAuthenticationError):
            client.delete_room("x")
    daily_emulator.reset_counters()
    with pytest.raises(DailyDeadlineExceeded, match="pacing"):
        client.delete_room("x", deadline=time.monotonic() + 0.3)
    assert daily_emulator.counters() == {}
