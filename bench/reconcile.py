"""The reconcile job (contract §2.6, issue 9 figures b and c), in-process against the emulator.

(b) 1,000 orphans: rooms whose names prove they are ours (``room_name(signing_key,
    "zapier:ghost-N")``) but that no booking owns, created straight at the emulator, plus a
    few rooms of another app; the runtime's clock is an hour ahead so every orphan is older
    than ``ORPHAN_MIN_AGE_SECONDS``. One pass: Daily calls by endpoint (goal: the list pages
    plus at most 2 deletes) and seconds, with the client pacing at Daily's documented rate
    as in production (the emulator's own limits are off so the 1,000 rooms can be set up
    quickly; a paced client never meets them anyway).
(c) 1,000 pending bookings: delivered while the emulator answers ``POST /rooms`` with 503
    (a setup client that does not retry, so the deliveries are quick), then the fault is
    cleared and reconcile passes run, with Daily's rate limits on in the emulator and the
    client pacing as in production, until every room exists. Seconds against the rate-limit
    floor: 1,000 creations at Daily's ``POST /rooms`` rate (the emulator's numbers).

Both use moto's DynamoDB in-process, so store reads cost what moto costs (≈2.5 ms a read).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.links import Service, paced, service, zap
from chalicelib import reconcile
from chalicelib.daily import DailyClient
from chalicelib.room_rules import room_name
from chalicelib.room_work import RETRY_MAX_SECONDS
from local.daily_emulator.ratelimit import GENERAL

ORPHANS = 1000
FOREIGN = 20
PENDING = 1000
PASS_SECONDS = 240.0  # what `make reconcile` gives one pass (the Lambda has 300 s)
MAX_PASSES = 10


def create_rate() -> float:
    """Daily's sustained ``POST /rooms`` rate: the tightest of its (requests, window) pairs."""
    return min(limit / window for limit, window in GENERAL)


def counted(svc: Service) -> dict[str, int]:
    return {k: v for k, v in sorted(svc.emulator.counters().items()) if v}


def live_room_names(svc: Service) -> set[str]:
    return {str(r["name"]) for r in svc.emulator.rooms_snapshot() if not r.get("expired")}


def orphans() -> None:
    with service(room_lead_minutes=1440, rate_limits="off") as svc:
        rt = svc.runtime
        key = svc.secret["signing_key"]
        setup = DailyClient(svc.emulator.api_key, svc.emulator.base_url, pacing=False)
        ours = [room_name(key, f"zapier:ghost-{n}") for n in range(ORPHANS)]
        foreign = [f"rl-{uuid.uuid4().hex}" for _ in range(FOREIGN // 2)]
        foreign += [f"team-room-{n}" for n in range(FOREIGN - len(foreign))]
        for name in ours + foreign:
            setup.create_room(name, privacy="private")
        live = svc.hook(zap("orphan-bench-live", datetime.now(UTC) + timedelta(hours=2)))
        owned = str(live.json_body["room_name"])
        real_clock = rt.clock
        rt.clock = lambda: real_clock() + 3600
        svc.use_daily_client(paced)
        svc.emulator.reset_counters()
        started = time.perf_counter()
        summary = reconcile.run(rt, time.monotonic() + PASS_SECONDS)
        seconds = time.perf_counter() - started
        calls = counted(svc)
        left = live_room_names(svc)
    pages = calls.get("GET /rooms", 0)
    deletes = sum(v for k, v in calls.items() if k.startswith("DELETE"))
    rooms_listed = ORPHANS + FOREIGN + 1
    print(
        f"(b) orphans: {ORPHANS} of ours, {FOREIGN} of another app, 1 owned by a booking;"
        " one pass, client paced at Daily's rate"
    )
    print(f"  summary: {summary.as_dict()}")
    print(f"  Daily calls: {sum(calls.values())}  {calls}")
    print(
        f"  list pages {pages} (for {rooms_listed} rooms at 100 a page), delete calls {deletes}"
        f" (goal: list pages + <= 2 deletes)"
    )
    kept_foreign = len(set(foreign) & left)
    print(
        f"  orphans left {len(set(ours) & left)}, foreign rooms kept {kept_foreign}/{FOREIGN},"
        f" owned room kept {owned in left}"
    )
    print(f"  seconds: {seconds:.2f}")


def pending() -> None:
    rate = create_rate()
    with service(room_lead_minutes=1440, rate_limits="daily") as svc:
        rt = svc.runtime
        svc.use_daily_client(lambda k, u: DailyClient(k, u, pacing=False, max_attempts=1))
        first = datetime.now(UTC) + timedelta(hours=1)
        svc.hook(zap("pending-bench-warm", first + timedelta(days=10)))  # domain lookup, once
        svc.emulator.faults.fail_next(10**6, status=503, endpoint="POST /rooms")
        names: set[str] = set()
        statuses: dict[str, int] = {}
        started = time.perf_counter()
        for n in range(PENDING):
            answer = svc.hook(zap(f"pending-{n}", first + timedelta(seconds=60 * n)))
            body: dict[str, Any] = answer.json_body
            names.add(str(body["room_name"]))
            label = f"{answer.status_code} {body.get('status')} {body.get('pending_reason', '')}"
            statuses[label.strip()] = statuses.get(label.strip(), 0) + 1
        delivered = time.perf_counter() - started
        svc.emulator.faults.clear()
        svc.use_daily_client(paced)
        svc.emulator.reset_counters()
        # Each booking just failed, so reconcile backs off before retrying: run past that.
        real_clock = rt.clock
        rt.clock = lambda: real_clock() + RETRY_MAX_SECONDS
        passes: list[dict[str, Any]] = []
        started = time.perf_counter()
        while len(passes) < MAX_PASSES:
            summary = reconcile.run(rt, time.monotonic() + PASS_SECONDS)
            passes.append(summary.as_dict())
            if names <= live_room_names(svc):
                break
        seconds = time.perf_counter() - started
        calls = counted(svc)
        missing = len(names - live_room_names(svc))
    floor = PENDING / rate
    print(
        f"(c) {PENDING} pending bookings (delivered in {delivered:.1f}s by a setup client"
        f" without retries while POST /rooms answered 503: {statuses}); emulator with Daily's"
        " rate limits, client paced"
    )
    for n, summary_dict in enumerate(passes, 1):
        print(f"  pass {n}: {summary_dict}")
    print(f"  Daily calls: {sum(calls.values())}  {calls}")
    print(f"  rooms missing afterwards: {missing}")
    print(
        f"  seconds until every room exists: {seconds:.1f}; rate-limit floor"
        f" {PENDING} creations at {rate:g}/s = {floor:.1f}s; ratio {seconds / floor:.2f}x"
    )


def main() -> None:
    orphans()
    pending()


if __name__ == "__main__":
    main()
