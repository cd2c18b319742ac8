"""Daily's room budget (issue 13): 2,000 bookings over 60 days, room limit 5 and 10,000.

Every booking arrives at the start (a calendar already full for two months, the case the
issue describes), in random order; meetings of 30 minutes start at random times over the
next 60 days, organised by ``HOSTS`` organizers. Time is emulated, never slept: the
emulator's clock and the runtime's clock are one frozen clock, stepped an hour at a time
for 61 days with one reconcile pass (the code the scheduled Lambda runs) at every step.

Printed per strategy: the peak number of available rooms at Daily (rooms not deleted and
not past ``exp``, what the account's limit counts), Daily calls per booking (hook deliveries
and reconcile passes) and per pass (what repeats every pass: production runs 12 passes an
hour where this simulation runs one), and the bookings left pending: meetings whose room did
not exist at Daily when their window opened (checked once per booking, at the last step
before its ``nbf``, through ``GET /rooms/:name``; those checks are left out of the counts).
Strategies: ``per_booking`` with ``ROOM_LEAD_MINUTES`` 1440 and 0 and, when ``Settings``
has ``room_mode``, ``per_host``. The 6 runs go 2 at a time, each in its own process.

Scale-downs, stated: bookings are kept in the project's ``InMemoryBookingStore`` (same
conditional-write rules as DynamoDB; the figures are about Daily), the emulator's rate
limits and the client's pacing are off (emulated time runs far faster than real time), and
once Daily has refused a create for the room limit within a pass, the pass's further
creates of rooms that do not exist are answered as Daily would (refused: nothing has freed a
room within the pass, the clock being frozen) without being sent; their calls are counted
as the first refusal's were, so the figures are the same as sending them.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from typing import Any

from bench.links import service, unpaced, zap
from chalicelib import reconcile
from chalicelib.booking import RoomWindow
from chalicelib.config import Settings
from chalicelib.daily import DailyClient, DailyNotFoundError
from chalicelib.rooms import DailyRooms, RoomWorkFailed
from local.daily_emulator import Clock, DailyEmulator

BOOKINGS = 2000
DAYS = 60
HOSTS = 10
STEP_SECONDS = 3600
TAIL_DAYS = 1  # after the last meeting, so every window has opened and closed
LIMITS = (5, 10_000)
SEED = 13
PASS_SECONDS = 240.0
PASSES_PER_HOUR_IN_PRODUCTION = 12  # @app.schedule(Rate(5, unit=Rate.MINUTES))


class ShortCircuitRooms(DailyRooms):
    """``DailyRooms`` that, within a reconcile pass, stops sending creates Daily must refuse.

    After one create in the pass was refused for the room limit, a create of a room that
    does not exist yet is refused too (the clock is frozen during a pass and nothing in it
    freed a room: a delete resets this), so it is answered without calling Daily and its
    calls are added to ``simulated``, as many per endpoint as the real refusal cost.
    """

    def __init__(self, emulator: DailyEmulator, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._emulator = emulator
        self.in_pass = False
        self._refusing = False
        self._refusal_cost: Counter[str] = Counter()
        self._live: set[str] | None = None  # rooms at Daily, read once a pass when needed
        self.simulated: Counter[str] = Counter()

    def start_pass(self) -> None:
        self.in_pass = True
        self._refusing = False
        self._live = None

    def ensure(self, name: str, window: RoomWindow, deadline: float | None) -> None:
        if self.in_pass and self._refusing and self._refusal_cost:
            if self._live is None:
                snapshot = self._emulator.rooms_snapshot()
                self._live = {str(r["name"]) for r in snapshot if not r.get("expired")}
            if name not in self._live:
                self.simulated.update(self._refusal_cost)
                raise RoomWorkFailed("daily-room-limit")
        before = Counter(self._emulator.counters())
        try:
            super().ensure(name, window, deadline)
        except RoomWorkFailed as failed:
            if failed.reason == "daily-room-limit":
                self._refusing = True
                self._refusal_cost = Counter(self._emulator.counters()) - before
            raise
        if self._live is not None:
            self._live.add(name)

    def delete(self, name: str, deadline: float | None) -> None:
        self._refusing = False
        if self._live is not None:
            self._live.discard(name)
        super().delete(name, deadline)


@dataclass
class Result:
    peak: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    hook_calls: int = 0
    simulated: int = 0
    passes: int = 0
    missed: int = 0
    still_pending: int = 0
    pending_reasons: Counter[str] = field(default_factory=Counter)

    def pass_calls(self) -> int:
        return self.calls.total() - self.hook_calls


def meetings(t0: float) -> list[tuple[str, datetime, int]]:
    """(event id, start, organizer number) in delivery order (random, seeded)."""
    rng = random.Random(SEED)
    start0 = datetime.fromtimestamp(t0, UTC) + timedelta(hours=1)
    spread = DAYS * 86400 - 3600
    chosen = [
        (f"budget-{n}", start0 + timedelta(seconds=rng.randrange(spread)), n % HOSTS)
        for n in range(BOOKINGS)
    ]
    rng.shuffle(chosen)
    return chosen


def simulate(options: dict[str, Any], max_rooms: int) -> Result:
    result = Result()
    clock = Clock(start=float(int(time.time()) // 3600 * 3600))  # whole hours: reproducible
    t0 = clock.now()
    with service(
        rate_limits="off", max_rooms=max_rooms, store="memory", clock=clock, **options
    ) as svc:
        rt = svc.runtime
        rooms = ShortCircuitRooms(
            svc.emulator, rt.secrets, rt.store, svc.emulator.base_url, client_factory=unpaced
        )
        rt.rooms = rooms
        checker = DailyClient(svc.emulator.api_key, svc.emulator.base_url, pacing=False)
        # Waiting for its window to open: (nbf, booking id), soonest last.
        waiting: list[tuple[int, str]] = []
        for event_id, start, host in meetings(t0):
            payload = zap(event_id, start)
            payload["organizer_email"] = f"host{host}@example.com"
            body = svc.hook(payload).json_body
            waiting.append((int(body["nbf"]), str(body["booking_id"])))
        waiting.sort(reverse=True)
        result.hook_calls = svc.daily_calls()
        result.peak = svc.emulator.available_rooms()
        checks = 0

        def check_opening() -> None:
            """Meetings opening before the next step: their room must exist by now."""
            nonlocal checks
            while waiting and waiting[-1][0] <= clock.now() + STEP_SECONDS:
                _, booking_id = waiting.pop()
                booking = rt.store.get(booking_id)
                checks += 1
                try:
                    checker.get_room(booking.room_name if booking else "")
                except DailyNotFoundError:
                    result.missed += 1

        check_opening()
        end = t0 + (DAYS + TAIL_DAYS) * 86400
        while clock.now() < end:
            clock.advance(STEP_SECONDS)
            rooms.start_pass()
            reconcile.run(rt, time.monotonic() + PASS_SECONDS)
            rooms.in_pass = False
            result.passes += 1
            result.peak = max(result.peak, svc.emulator.available_rooms())
            check_opening()
        for event_id, _, _ in meetings(t0):
            booking = rt.store.get(f"zapier:{event_id}")
            if booking is not None and booking.pending_reason:
                result.still_pending += 1
                result.pending_reasons[booking.pending_reason] += 1
        result.calls = Counter(svc.emulator.counters()) + rooms.simulated
        result.calls["GET /rooms/:name"] -= checks
        result.simulated = sum(rooms.simulated.values())
    return result


def strategies() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "per_booking lead 24 h", {"room_lead_minutes": 1440}
    yield "per_booking lead 0", {"room_lead_minutes": 0}
    if "room_mode" in {f.name for f in dataclasses.fields(Settings)}:
        yield (
            "per_host lead 24 h",
            {"room_lead_minutes": 1440, "settings_extra": {"room_mode": "per_host"}},
        )


ROWS: list[tuple[str, Callable[[Result], str]]] = [
    ("peak available rooms at Daily", lambda r: f"{r.peak}"),
    ("Daily calls per booking", lambda r: f"{r.calls.total() / BOOKINGS:.2f}"),
    ("  at delivery (hooks)", lambda r: f"{r.hook_calls / BOOKINGS:.2f}"),
    ("  POST /rooms (creates, refused too)", lambda r: f"{r.calls['POST /rooms'] / BOOKINGS:.2f}"),
    ("  GET /rooms (orphan sweep pages)", lambda r: f"{r.calls['GET /rooms'] / BOOKINGS:.2f}"),
    ("Daily calls per reconcile pass (avg)", lambda r: f"{r.pass_calls() / r.passes:.1f}"),
    ("  of which list pages", lambda r: f"{r.calls['GET /rooms'] / r.passes:.2f}"),
    ("bookings left pending (no room at nbf)", lambda r: f"{r.missed}"),
    ("  still pending at the end", lambda r: f"{r.still_pending}"),
    ("refused calls counted, not sent (*)", lambda r: f"{r.simulated}"),
]


def main() -> None:
    started = time.perf_counter()
    runs = [(limit, name, options) for limit in LIMITS for name, options in strategies()]
    print(
        f"{BOOKINGS} bookings delivered at once, meetings over the next {DAYS} days"
        f" ({HOSTS} organizers); both clocks stepped {STEP_SECONDS // 60} min at a time for"
        f" {DAYS + TAIL_DAYS} days, one reconcile pass a step (production: one every"
        f" {60 // PASSES_PER_HOUR_IN_PRODUCTION} min, so per-pass calls come"
        f" {PASSES_PER_HOUR_IN_PRODUCTION}x an hour there)"
    )
    if not any(name.startswith("per_host") for _, name, _ in runs):
        print("per_host: not available (Settings has no room_mode)")
    # Two at a time (2 cores): each run is its own process with its own emulator.
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        # Longest first (lead 0 keeps every room, or every booking pending): better packing.
        ordered = sorted(runs, key=lambda run: run[2].get("room_lead_minutes") != 0)
        futures = {
            (limit, name): pool.submit(simulate, options, limit) for limit, name, options in ordered
        }
        results = {key: future.result() for key, future in futures.items()}
    for limit in LIMITS:
        columns = {name: results[(lim, name)] for lim, name, _ in runs if lim == limit}
        print(f"room limit {limit}:")
        print(f"  {'':40}" + "".join(f"{name:>22}" for name in columns))
        for label, cell in ROWS:
            print(f"  {label:40}" + "".join(f"{cell(r):>22}" for r in columns.values()))
        for name, r in columns.items():
            if r.pending_reasons:
                print(f"  pending reasons at the end, {name}: {dict(r.pending_reasons)}")
    print(
        "(*) once Daily refused a create for the room limit in a pass, the pass's further"
        " creates are refused alike (frozen clock, nothing freed): counted as the first"
        " refusal cost, not sent"
    )
    print(
        "note: with one pass an hour, a room freed between passes waits up to an hour for the"
        " next booking, so 'left pending' under a room limit is pessimistic against the"
        " 5-minute schedule"
    )
    print(
        "stores: InMemoryBookingStore; emulator rate limits and client pacing off (emulated"
        f" time); {time.perf_counter() - started:.0f} s for {len(runs)} runs, 2 at a time"
    )


if __name__ == "__main__":
    main()
