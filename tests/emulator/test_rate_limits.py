"""Rate limits (reference §4): 429 rate-limit-error with Retry-After, per endpoint class."""

from __future__ import annotations

import pytest

from local.daily_emulator.ratelimit import RateLimiter, parse_mode
from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import EmulatorFactory


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_daily_mode_answers_429_with_retry_after(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory(rate_limits="daily"))
    responses = [daily.get("/rooms") for _ in range(25)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, "25 calls in well under a second must exceed 20/s"
    assert all(r.status_code in (200, 429) for r in responses)
    for response in limited:
        assert response.json()["error"] == "rate-limit-error"
        assert isinstance(response.json()["info"], str)
        assert int(response.headers["Retry-After"]) >= 1
    assert daily.emu.counters()["GET /rooms"] == 25
    # Other endpoint classes have their own budget.
    assert daily.get("/").status_code == 200


def test_room_delete_is_limited_to_2_per_second(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory(rate_limits="daily"))
    statuses = [daily.delete(f"/rooms/r{i}").status_code for i in range(3)]
    assert statuses == [404, 404, 429]
    assert daily.delete("/batch/rooms", json={"room_names": []}).status_code == 200


def test_scaled_limits(daily_emulator_factory: EmulatorFactory) -> None:
    daily = DailyClient(daily_emulator_factory(rate_limits=2.0))
    assert all(daily.get("/rooms").status_code == 200 for _ in range(25))
    statuses = [daily.delete(f"/rooms/r{i}").status_code for i in range(5)]
    assert statuses[:4] == [404] * 4
    assert statuses[4] == 429


def test_off_never_limits(daily: DailyClient) -> None:
    assert all(daily.delete(f"/rooms/r{i}").status_code == 404 for i in range(60))
    assert daily.get("/").json()["config"]["disable_rate_limiting"] is True


def test_unauthenticated_calls_do_not_spend_budget(
    daily_emulator_factory: EmulatorFactory,
) -> None:
    daily = DailyClient(daily_emulator_factory(rate_limits="daily"))
    for _ in range(5):
        daily.session.delete(
            daily.emu.base_url + "/rooms/x", headers={"Authorization": "Bearer no"}
        )
    assert daily.delete("/rooms/x").status_code == 404


def test_one_second_window_exactly() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(1.0, monotonic=clock)
    assert [limiter.check("GET /rooms") for _ in range(20)] == [None] * 20
    assert limiter.check("GET /rooms") == 1
    clock.t += 0.999
    assert limiter.check("GET /rooms") == 1
    clock.t += 0.001
    assert limiter.check("GET /rooms") is None
    assert limiter.check("POST /rooms") is None  # a separate budget


def test_delete_thirty_second_window_and_retry_after() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(1.0, monotonic=clock)
    for _ in range(24):  # 2 per second: the 1-second window binds
        assert limiter.check("DELETE /rooms/:name") is None
        assert limiter.check("DELETE /rooms/:name") is None
        assert limiter.check("DELETE /rooms/:name") == 1
        clock.t += 1.0
    assert limiter.check("DELETE /rooms/:name") is None
    assert limiter.check("DELETE /rooms/:name") is None
    # 50 within 30 s now: the first pair leaves the window at t0 + 30, 6 s from now.
    assert limiter.check("DELETE /rooms/:name") == 6
    clock.t += 1.0
    assert limiter.check("DELETE /rooms/:name") == 5
    clock.t += 5.0
    assert limiter.check("DELETE /rooms/:name") is None


def test_scale_multiplies_budgets() -> None:
    assert RateLimiter(2.0).limits("GET /rooms") == ((40, 1.0), (200, 5.0))
    assert RateLimiter(0.1).limits("DELETE /rooms/:name") == ((1, 1.0), (5, 30.0))
    assert RateLimiter(None).check("GET /rooms") is None


@pytest.mark.parametrize(
    ("mode", "scale"), [("off", None), ("daily", 1.0), ("2.5", 2.5), (0.5, 0.5), (3, 3.0)]
)
def test_parse_mode(mode: str | float, scale: float | None) -> None:
    assert parse_mode(mode) == scale


@pytest.mark.parametrize("mode", ["on", "0", "-1", "nan", "inf", 0])
def test_parse_mode_rejects(mode: str | float) -> None:
    with pytest.raises(ValueError, match="rate_limits"):
        parse_mode(mode)
