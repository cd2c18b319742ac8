"""The core path's figures: cold start, warm handling time, Daily calls per operation.

- Cold start: a fresh interpreter imports ``app`` and answers its first webhook in-process
  (AWS and Daily from the local stack over loopback), against a bare Chalice app that imports
  boto3 and creates one client, measured in the same run.
- Warm: in-process handling time (new booking and replay) for 1, 10 and 200 attendees, with
  the in-process Daily emulator (no rate limits) and client pacing off, so the figures are the
  service's own time, not Daily's 20 req/s budget.
- Daily calls per new booking, replay, update and cancel, from the emulator's counters, over
  real HTTP against the stack `make run` starts.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.stack import running_stack
from local.launcher import PROJECT_DIR

COLD_RUNS = 5
WARM_RUNS = 60


def _zap(event_id: str, attendees: int = 2, hours: float = 24, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0)
    return {
        "id": event_id,
        "title": "Benchmark meeting",
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "organizer_email": "host@example.com",
        "organizer_name": "Host",
        "attendees": [
            {"email": f"guest{i}@example.com", "name": f"Guest {i}"} for i in range(attendees)
        ],
        **extra,
    }


def _stack_env(info: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SECRET_ID": info["secret_id"],
            "BOOKINGS_TABLE": info["table"],
            "DAILY_API_URL": info["daily_api_url"],
            "AWS_ENDPOINT_URL_DYNAMODB": info["dynamodb_url"],
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": info["secretsmanager_url"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "ROOMLINKS_PUBLIC_URL": info["api_url"],
        }
    )
    return env


def _first_hook_secret(secret: dict[str, Any], source: str) -> str:
    value = secret["hooks"][source]
    return str(value[0] if isinstance(value, list) else value)


def cold_start(info: dict[str, Any]) -> None:
    env = _stack_env(info)
    token = _first_hook_secret(info["secret"], "zapier")

    def one(kind: str) -> dict[str, float]:
        argv = [sys.executable, "-m", "bench.coldstart_child", kind]
        if kind == "app":
            argv += [json.dumps(_zap(f"cold-{uuid.uuid4().hex}")), token]
        out = subprocess.run(
            argv, check=False, cwd=PROJECT_DIR, env=env, capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(f"cold start run ({kind}) failed:\n{out.stderr[-2000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    runs = {kind: [one(kind) for _ in range(COLD_RUNS)] for kind in ("baseline", "app")}
    median = {
        kind: {phase: statistics.median(r[phase] for r in results) for phase in ("import", "first")}
        for kind, results in runs.items()
    }
    base, ours = median["baseline"], median["app"]
    print(f"cold start, median of {COLD_RUNS} fresh interpreters (seconds):")
    print(f"  {'':34}{'import':>10}{'first answer':>15}")
    for label, row in (("bare Chalice + boto3 client", base), ("roomlinks (first webhook)", ours)):
        print(f"  {label:34}{row['import']:>10.3f}{row['first']:>15.3f}")
    print(
        f"  ratio roomlinks / baseline: import {ours['import'] / base['import']:.2f}x,"
        f" first answer {ours['first'] / base['first']:.2f}x"
    )


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def warm(info: dict[str, Any]) -> None:
    os.environ.update(_stack_env(info))
    from chalice.test import Client

    import app as roomlinks
    from chalicelib import runtime
    from chalicelib.daily import DailyClient
    from chalicelib.rooms import DailyRooms
    from local.daily_emulator import DailyEmulator

    rt = runtime.current()
    api_key = rt.secrets.get().daily_api_key
    with DailyEmulator(
        api_key=api_key, domain="roomlinks-bench", rate_limits="off"
    ).start() as emulator:
        rt.rooms = DailyRooms(
            rt.secrets,
            rt.store,
            emulator.base_url,
            client_factory=lambda key, url: DailyClient(key, url, pacing=False),
        )
        token = _first_hook_secret(info["secret"], "zapier")
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        with Client(roomlinks.app, stage_name="local") as client:
            post: Callable[[dict[str, Any]], Any] = lambda p: client.http.post(  # noqa: E731
                "/v1/hooks/zapier", headers=headers, body=json.dumps(p)
            )
            post(_zap("warm-up"))
            print(f"warm in-process handling, {WARM_RUNS} runs each (milliseconds):")
            columns = ("new p50", "new p95", "replay p50", "replay p95")
            print(f"  {'attendees':>10}" + "".join(f"{c:>12}" for c in columns))
            for attendees in (1, 10, 200):
                created: list[float] = []
                replayed: list[float] = []
                for _ in range(WARM_RUNS):
                    payload = _zap(f"warm-{uuid.uuid4().hex}", attendees=attendees)
                    started = time.perf_counter()
                    assert post(payload).status_code == 200
                    created.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    assert post(payload).json_body["outcome"] == "unchanged"
                    replayed.append((time.perf_counter() - started) * 1000)
                c50, c95 = _percentiles(created)
                r50, r95 = _percentiles(replayed)
                print(f"  {attendees:>10}" + "".join(f"{v:>12.1f}" for v in (c50, c95, r50, r95)))


def daily_calls(info: dict[str, Any]) -> None:
    root = info["daily_api_url"].removesuffix("/v1")
    daily_auth = {"Authorization": f"Bearer {info['daily_api_key']}"}
    hook = {"Authorization": f"Bearer {_first_hook_secret(info['secret'], 'zapier')}"}

    def calls() -> int:
        answer = requests.get(f"{root}/_emulator/counters", headers=daily_auth, timeout=10)
        return sum(answer.json().values())

    def post(payload: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(
            f"{info['api_url']}/v1/hooks/zapier", json=payload, headers=hook, timeout=30
        )
        answer.raise_for_status()
        return dict(answer.json())

    post(_zap("calls-warm-up"))
    event_id = f"calls-{uuid.uuid4().hex}"
    steps = [
        ("new booking", _zap(event_id, sequence=1)),
        ("replay", _zap(event_id, sequence=1)),
        ("update (new times)", _zap(event_id, hours=48, sequence=2)),
        ("update (attendees only)", _zap(event_id, attendees=5, hours=48, sequence=3)),
        ("cancel", {"id": event_id, "status": "cancelled", "sequence": 4}),
    ]
    print("Daily calls per operation (emulator counters, over HTTP):")
    for label, payload in steps:
        before = calls()
        outcome = post(payload)["outcome"]
        print(f"  {label:26}{calls() - before:>3}   ({outcome})")


def main() -> None:
    with running_stack() as info:
        cold_start(info)
        daily_calls(info)
        warm(info)
