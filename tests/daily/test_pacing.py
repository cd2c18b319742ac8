"""The sliding-window pacer: Daily's budgets held on a fake clock, deadlines never passed."""

from __future__ import annotations

import threading
import time

import pytest

from chalicelib.daily import DailyClient, DailyDeadlineExceeded
from chalicelib.daily.pacing import (
    DELETE_ROOM,
    GENERAL,
    RATE_LIMITS,
    WINDOW_MARGIN,
    SlidingWindowLimiter,
    shared_limiter,
)
from tests.daily.fakes import FakeTime


def _limiter(windows: list[tuple[int, float]], t: FakeTime) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(windows, clock=t.clock, sleep=t.sleep)


def _sends(limiter: SlidingWindowLimiter, t: FakeTime, n: int) -> list[float]:
    times = []
    for _ in range(n):
        limiter.acquire()
        times.append(t.now)
    return times


def _max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for u in times if s <= u < s + window) for s in times)


def test_burst_up_to_the_per_second_limit_does_not_wait() -> None:
    t = FakeTime(0.0)
    times = _sends(_limiter(list(RATE_LIMITS[GENERAL]), t), t, 20)
    assert times == [0.0] * 20
    assert t.sleeps == []


def test_twenty_first_request_waits_for_the_window() -> None:
    t = FakeTime(0.0)
    limiter = _limiter(list(RATE_LIMITS[GENERAL]), t)
    _sends(limiter, t, 20)
    limiter.acquire()
    assert t.now == pytest.approx(1.0)


def test_general_budget_holds_over_a_long_run() -> None:
    t = FakeTime(0.0)
    times = _sends(_limiter(list(RATE_LIMITS[GENERAL]), t), t, 450)
    assert _max_in_window(times, 1.0) <= 20
    assert _max_in_window(times, 5.0) <= 100
    # and it is not needlessly slow: batches of 20 leave once a second (the 23rd at 22 s)
    assert times[-1] == pytest.approx(22.0)


def test_delete_budget_holds() -> None:
    t = FakeTime(0.0)
    times = _sends(_limiter(list(RATE_LIMITS[DELETE_ROOM]), t), t, 120)
    assert _max_in_window(times, 1.0) <= 2
    assert _max_in_window(times, 30.0) <= 50
    assert times[:4] == [0.0, 0.0, 1.0, 1.0]


def test_old_requests_slide_out_of_the_window() -> None:
    t = FakeTime(0.0)
    limiter = _limiter([(2, 1.0)], t)
    _sends(limiter, t, 2)
    t.now = 5.0
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(1.0)


def test_wait_past_the_deadline_raises_without_booking() -> None:
    t = FakeTime(0.0)
    limiter = _limiter([(1, 1.0)], t)
    limiter.acquire()
    with pytest.raises(DailyDeadlineExceeded):
        limiter.acquire(deadline=0.5)
    assert t.sleeps == []
    # nothing was booked by the refused call: the next slot is still at 1.0
    assert limiter.acquire(deadline=2.0) == pytest.approx(1.0)


def test_wait_before_the_deadline_is_taken() -> None:
    t = FakeTime(0.0)
    limiter = _limiter([(1, 1.0)], t)
    limiter.acquire()
    assert limiter.acquire(deadline=1.5) == pytest.approx(1.0)


def test_concurrent_acquires_respect_the_window() -> None:
    limiter = SlidingWindowLimiter([(5, 0.2)])
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        limiter.acquire()
        with lock:
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stamps.sort()
    assert len(stamps) == 20
    for i in range(5, 20):
        assert stamps[i] - stamps[i - 5] >= 0.2 - 0.005


def test_invalid_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SlidingWindowLimiter([(0, 1.0)])
    with pytest.raises(ValueError, match="positive"):
        SlidingWindowLimiter([])


def test_shared_limiters_are_per_key_and_class() -> None:
    a = shared_limiter("key-a", GENERAL)
    assert shared_limiter("key-a", GENERAL) is a
    assert shared_limiter("key-a", DELETE_ROOM) is not a
    assert shared_limiter("key-b", GENERAL) is not a
    assert a.windows == ((20, 1.0 + WINDOW_MARGIN), (100, 5.0 + WINDOW_MARGIN))


def test_scale_multiplies_the_rate() -> None:
    fast = shared_limiter("key-scale", DELETE_ROOM, 10.0)
    assert fast.windows == ((2, 0.1 + WINDOW_MARGIN), (50, 3.0 + WINDOW_MARGIN))
    with pytest.raises(ValueError, match="positive"):
        shared_limiter("key-scale", GENERAL, 0)


def test_clients_of_one_key_share_pacers_and_pacing_can_be_off() -> None:
    a = DailyClient("key-shared", "http://127.0.0.1:9/v1")
    b = DailyClient("key-shared", "http://127.0.0.1:9/v1")
    assert a._transport.pacers is not None
    assert b._transport.pacers is not None
    assert a._transport.pacers[GENERAL] is b._transport.pacers[GENERAL]
    assert DailyClient("key-shared", "http://x/v1", pacing=False)._transport.pacers is None
    scaled = DailyClient("key-shared", "http://x/v1", pacing=4.0)._transport.pacers
    assert scaled is not None
    assert scaled[GENERAL] is not a._transport.pacers[GENERAL]
