"""A burst across containers (issue 9, figure a): 500 new events, 16 senders, 4 API processes.

The stack `make run` starts (dynalite, moto, the Daily emulator with Daily's rate limits; its
own reconcile loop off) plus 3 more ``python -m local.api_server`` processes on the same
backing services: 4 simulated Lambda containers, each with its own client pacing at Daily's
20 requests/s, so together they can ask Daily for 4x what it allows. Each container answers
one warm-up delivery first (a meeting 10 days ahead: deferred, no room). Then 16 concurrent
senders deliver 500 new events (meetings within the next day, so every room is due at once),
round-robin over the 4 containers. As soon as the last answer is in, reconcile passes (the
code the scheduled Lambda runs, from this process) run until every booking's room exists.

Printed: answer latencies (each must be 200 within the Lambda timeout of 25 s), how many
answered ``pending`` and why, lost deliveries (a 200 whose booking is not stored or whose
room never appears), duplicate rooms, Daily calls, and the time until every room exists as a
ratio of the rate-limit floor (500 creations at Daily's ``POST /rooms`` rate; goal ≤ 1.2x).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.links import aws_clients, quiet_logs, secret_reader, zap
from bench.reconcile import PASS_SECONDS, create_rate
from chalicelib.config import Settings
from chalicelib.dynamo_store import DynamoBookingStore
from chalicelib.rooms import DailyRooms
from chalicelib.runtime import Runtime
from chalicelib.secrets import SecretCache
from local.launcher import PROJECT_DIR, spawn_launcher, terminate, wait_until_ready
from local.processes import die_with_parent, free_port, http_status, log_tail
from local.stack import child_environment

EVENTS = 500
SENDERS = 16
CONTAINERS = 4
LAMBDA_TIMEOUT = 25.0  # .chalice/config.json lambda_timeout
MAX_PASSES = 20


@dataclass
class Delivery:
    event_id: str
    container: int
    seconds: float
    status_code: int
    body: dict[str, Any]


def _extra_api(info: dict[str, Any], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One more `local.api_server` on the stack's backing services (as the launcher starts it)."""
    port = free_port()
    env = child_environment(os.environ)
    env.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": info["dynamodb_url"],
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": info["secretsmanager_url"],
            "DAILY_API_URL": info["daily_api_url"],
            "ROOMLINKS_PUBLIC_URL": info["api_url"],
        }
    )
    argv = [sys.executable, "-m", "local.api_server", "--stage", "local"]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(os.getpid()),  # noqa: PLW1509 - no threads yet
        )
    return process, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def containers() -> Iterator[tuple[dict[str, Any], list[str]]]:
    """The stack's facts and the base URLs of all 4 API processes, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="roomlinks-burst-") as tmp:
        state = Path(tmp) / "state"
        launcher, output = spawn_launcher(state, env={"RECONCILE_EVERY": "0"})
        extra: list[subprocess.Popen[bytes]] = []
        try:
            info = wait_until_ready(launcher, state, output)
            urls = [info["api_url"]]
            for n in range(CONTAINERS - 1):
                process, url = _extra_api(info, Path(tmp) / f"api-{n}.log")
                extra.append(process)
                urls.append(url)
            deadline = time.monotonic() + 60
            for n, url in enumerate(urls[1:]):
                while http_status(f"{url}/v1/health", timeout=2.0) != 200:
                    if extra[n].poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"API process {url} did not start:\n"
                            + log_tail(Path(tmp) / f"api-{n}.log")
                        )
                    time.sleep(0.2)
            yield info, urls
        finally:
            for process in extra:
                process.terminate()
            for process in extra:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            terminate(launcher)


def _hook_token(info: dict[str, Any]) -> str:
    value = info["secret"]["hooks"]["zapier"]
    return str(value[0] if isinstance(value, list) else value)


def _reconcile_runtime(info: dict[str, Any]) -> Runtime:
    """This process's own runtime on the stack (as `make reconcile` builds it), paced."""
    dynamodb, secretsmanager = aws_clients(
        {"dynamodb": info["dynamodb_url"], "secretsmanager": info["secretsmanager_url"]},
        info.get("region", "us-east-1"),
    )
    settings = Settings(
        secret_id=info["secret_id"],
        bookings_table=info["table"],
        daily_api_url=info["daily_api_url"],
        early_join_minutes=10,
        grace_minutes=15,
        room_privacy="private",
        public_url=info["api_url"],
        room_lead_minutes=1440,  # the local stage's default, as in the API processes
    )
    secrets = SecretCache(info["secret_id"], reader=secret_reader(secretsmanager))
    store = DynamoBookingStore(info["table"], client=dynamodb)
    return Runtime(settings, secrets, store, DailyRooms(secrets, store, info["daily_api_url"]))


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


@dataclass
class Burst:
    deliveries: list[Delivery]
    answered: float  # seconds from the first send until the last answer
    all_rooms: float  # seconds from the first send until every room exists
    rooms_at_answer: int
    passes: list[dict[str, Any]]
    calls: dict[str, int]
    expected: set[str]  # room names the 200 answers named
    rooms: set[str]  # rooms at Daily afterwards (not counting those from before)
    stored: int


class Stack:
    """The 4 containers' URLs and the emulator's control plane, as seen by the senders."""

    def __init__(self, info: dict[str, Any], urls: list[str]) -> None:
        self.urls = urls
        self._root = info["daily_api_url"].removesuffix("/v1")
        self._control = {"Authorization": f"Bearer {info['daily_api_key']}"}
        self._hook = {"Authorization": f"Bearer {_hook_token(info)}"}
        self._local = threading.local()

    def emulator(self, path: str) -> Any:
        answer = requests.get(f"{self._root}/_emulator/{path}", headers=self._control, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def live_rooms(self) -> set[str]:
        return {str(r["name"]) for r in self.emulator("rooms") if not r.get("expired")}

    def deliver(self, n: int, payload: dict[str, Any]) -> Delivery:
        """Event ``n`` to container ``n % 4``, over this sender thread's own connection."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        container = n % CONTAINERS
        started = time.perf_counter()
        answer = session.post(
            f"{self.urls[container]}/v1/hooks/zapier", json=payload, headers=self._hook, timeout=120
        )
        seconds = time.perf_counter() - started
        try:
            body = dict(answer.json())
        except ValueError:
            body = {}
        return Delivery(str(payload["id"]), container, seconds, answer.status_code, body)


def burst(info: dict[str, Any], urls: list[str]) -> Burst:
    from chalicelib import reconcile

    stack = Stack(info, urls)
    now = datetime.now(UTC)
    for n in range(CONTAINERS):  # one warm-up each: secret, clients, domain cache
        warm = stack.deliver(n, zap(f"burst-warm-{n}", now + timedelta(days=10)))
        if warm.status_code != 200:
            raise RuntimeError(f"warm-up answered {warm.status_code}: {warm.body}")
    before = stack.emulator("counters")
    rooms_before = stack.live_rooms()
    first = now + timedelta(hours=1)
    payloads = [zap(f"burst-{n}", first + timedelta(minutes=2 * n)) for n in range(EVENTS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        deliveries = list(pool.map(stack.deliver, range(EVENTS), payloads))
    answered = time.perf_counter() - started
    rooms_at_answer = len(stack.live_rooms() - rooms_before)
    rt = _reconcile_runtime(info)
    expected = {str(d.body.get("room_name")) for d in deliveries if d.status_code == 200}
    passes: list[dict[str, Any]] = []
    while not expected <= stack.live_rooms() and len(passes) < MAX_PASSES:
        passes.append(reconcile.run(rt, time.monotonic() + PASS_SECONDS).as_dict())
    all_rooms = time.perf_counter() - started
    after = stack.emulator("counters")
    calls = {k: after.get(k, 0) - before.get(k, 0) for k in sorted(after)}
    return Burst(
        deliveries=deliveries,
        answered=answered,
        all_rooms=all_rooms,
        rooms_at_answer=rooms_at_answer,
        passes=passes,
        calls={k: v for k, v in calls.items() if v},
        expected=expected,
        rooms=stack.live_rooms() - rooms_before,
        stored=sum(rt.store.get(str(d.body.get("booking_id"))) is not None for d in deliveries),
    )


def report(b: Burst) -> None:
    ok = [d for d in b.deliveries if d.status_code == 200]
    latencies = sorted(d.seconds for d in b.deliveries)
    outcomes = Counter(
        f"{d.body.get('status')} {d.body.get('pending_reason', '')}".strip() for d in ok
    )
    codes = Counter(d.status_code for d in b.deliveries)
    pending = Counter(d.container for d in b.deliveries if d.body.get("status") == "pending")
    missing = b.expected - b.rooms
    lost = (EVENTS - len(ok)) + (len(ok) - b.stored) + len(missing)
    rate = create_rate()
    floor = EVENTS / rate
    print(
        f"{EVENTS} new events, {SENDERS} concurrent senders, {CONTAINERS} API processes"
        " (own pacing each), one emulator with Daily's rate limits"
    )
    print(f"  answers: {dict(codes)}; by status: {dict(outcomes)}")
    print(f"  pending answers per container: {dict(sorted(pending.items())) or 'none'}")
    quantiles = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
    print(
        "  answer latency (s): "
        + ", ".join(f"{label} {_percentile(latencies, q):.2f}" for label, q in quantiles)
        + f"; within the {LAMBDA_TIMEOUT:.0f} s Lambda timeout:"
        f" {sum(s < LAMBDA_TIMEOUT for s in latencies)}/{EVENTS}"
    )
    edges = (0.5, 1, 2, 5, 10, LAMBDA_TIMEOUT)
    buckets = Counter(next((e for e in edges if s <= e), float("inf")) for s in latencies)
    print(
        "  answers by latency: "
        + ", ".join(
            f"{lo:g}-{hi:g}s {buckets.get(hi, 0)}"
            for lo, hi in zip((0, *edges), edges, strict=False)
        )
        + f", over {LAMBDA_TIMEOUT:g}s {buckets.get(float('inf'), 0)}"
    )
    print(
        f"  all answered after {b.answered:.1f}s with {b.rooms_at_answer} rooms made by the"
        f" hooks; then {len(b.passes)} reconcile pass(es)"
    )
    for n, summary in enumerate(b.passes, 1):
        print(f"    pass {n}: {summary}")
    print(f"  Daily calls: {sum(b.calls.values())}  {b.calls}")
    print(
        f"  lost: {lost} (non-200 {EVENTS - len(ok)}, not stored {len(ok) - b.stored},"
        f" room never made {len(missing)}); rooms at Daily {len(b.rooms)} for"
        f" {len(b.expected)} bookings: extra rooms {len(b.rooms - b.expected)}"
    )
    print(
        f"  seconds until every room exists: {b.all_rooms:.1f}; rate-limit floor"
        f" {EVENTS} creations at {rate:g}/s = {floor:.1f}s; ratio {b.all_rooms / floor:.2f}x"
        " (goal <= 1.2x)"
    )


def main() -> None:
    with containers() as (info, urls), quiet_logs():
        result = burst(info, urls)
    report(result)


if __name__ == "__main__":
    main()
