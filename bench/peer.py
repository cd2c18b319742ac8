"""roomlinks against what a user would build instead (issue 11, "Figures").

The peer is ``bench/peer_app.py``: a plain Lambda handler with Powertools' ``@idempotent`` on
DynamoDB, Powertools' ``get_secret``, ``requests`` to Daily for the room and one API-minted
token per attendee plus one for the host. Both run in the same run against the same local
stack (dynalite, moto's Secrets Manager, the secret roomlinks reads); the peer's idempotency
table (partition key ``id``) is created there. Every booking has ``ATTENDEES`` attendees.

- Cold first answer: a fresh interpreter imports the handler and answers one new booking
  in-process, Daily being the stack's emulator (its rate limits off, as for the warm rows);
  median of ``COLD_RUNS``, the rows alternating, the ratio the median of each round's own.
  The peer: import ``bench.peer_app`` and call ``handler(event, context)`` once. roomlinks
  twice: its Chalice app called the way Lambda calls it, ``app(event, context)`` with the same
  API Gateway proxy event (the like-for-like figure), and through ``chalice.test``'s Client
  (``bench.coldstart_child app``, ``bench.core_path``'s measure, which also pays for importing
  ``chalice.test`` and running its local gateway).
- Warm: ``WARM_RUNS`` new events per row, each then replayed, in-process and interleaved row
  by row, against one in-process Daily emulator with rate limits off and roomlinks' client
  pacing off (as ``bench.core_path``'s warm figures), so the times are the code's own, not
  Daily's budget. The same three rows as the cold start.
- Daily calls: that emulator's counters around every warm request, per new booking and per
  replay, by endpoint.

Ratios are roomlinks / peer; the goal is ≤ 1.0x on each and fewer Daily calls.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.core_path import _first_hook_secret, _stack_env, _zap
from bench.stack import running_stack
from local.aws import dynamodb_client
from local.launcher import PROJECT_DIR

COLD_RUNS = 15  # cold starts vary by ±10% run to run here; 15 keeps the median steady
WARM_RUNS = 60
ATTENDEES = 10
PEER_TABLE = "roomlinks-peer-idempotency"
PEER_NAME = "roomlinks-peer"

Post = Callable[[dict[str, Any]], None]
"""Send one Zapier-style booking to a handler; raises unless it answered 200."""

# One cold start in a fresh interpreter, timed like bench/coldstart_child.py times the app's:
# import a Lambda handler, then call it once with an API Gateway proxy event (argv[1]).
_LAMBDA_CHILD = """\
import json, sys, time
STARTED = time.perf_counter()
import {module} as target
imported = time.perf_counter()
class Context:  # the parts of Lambda's context object either handler reads
    aws_request_id = "cold"
    function_name = "bench"
    @staticmethod
    def get_remaining_time_in_millis():
        return 30_000
answer = target.{handler}(json.loads(sys.argv[1]), Context())
if answer["statusCode"] != 200:
    raise SystemExit(f"{module} answered {{answer}}")
print(json.dumps({{"import": imported - STARTED, "first": time.perf_counter() - STARTED}}))
"""
PEER_CHILD = _LAMBDA_CHILD.format(module="bench.peer_app", handler="handler")
APP_CHILD = _LAMBDA_CHILD.format(module="app", handler="app")


def _peer_env(info: dict[str, Any]) -> dict[str, str]:
    env = _stack_env(info)
    env.update(
        {
            "IDEMPOTENCY_TABLE": PEER_TABLE,
            "AWS_LAMBDA_FUNCTION_NAME": PEER_NAME,
            "POWERTOOLS_SERVICE_NAME": PEER_NAME,
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    return env


def create_peer_table(info: dict[str, Any], timeout: float = 30.0) -> None:
    """Powertools' idempotency table on the stack's dynalite (no TTL: dynalite has none)."""
    client = dynamodb_client(info["dynamodb_url"])
    client.create_table(
        TableName=PEER_TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    deadline = time.monotonic() + timeout
    while client.describe_table(TableName=PEER_TABLE)["Table"].get("TableStatus") != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {PEER_TABLE} did not become ACTIVE within {timeout:.0f} s")
        time.sleep(0.1)


def proxy_event(payload: dict[str, Any], token: str) -> dict[str, Any]:
    """The API Gateway (REST API, Lambda proxy) event a Zap's POST becomes: roomlinks' route
    is ``/v1/hooks/{source}``; the peer reads only the headers and the body."""
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Host": "api.example.com",
    }
    return {
        "resource": "/v1/hooks/{source}",
        "path": "/v1/hooks/zapier",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"source": "zapier"},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/v1/hooks/{source}",
            "httpMethod": "POST",
            "path": "/local/v1/hooks/zapier",
            "stage": "local",
            "domainName": "api.example.com",
            "requestId": uuid.uuid4().hex,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": json.dumps(payload),
        "isBase64Encoded": False,
    }


def _child(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        argv, check=False, cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"cold start run ({argv[1:3]}) failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


_COLD_ROWS = {
    "peer": "peer: handler(event, context)",
    "lambda": "roomlinks: app(event, context)",
    "client": "roomlinks: chalice.test Client",
}


def cold_start(info: dict[str, Any], token: str) -> dict[str, float]:
    """Median first answers (seconds) by row of ``_COLD_ROWS``, printed with imports; returns
    each roomlinks row's first answer as a ratio to the peer's.

    ``lambda`` calls roomlinks' Chalice app the way Lambda does, with the same proxy event as
    the peer; ``client`` is ``bench.core_path``'s measure (``bench.coldstart_child app``),
    which also imports ``chalice.test`` and runs its local gateway. The ratio is the median
    of each round's own ratio (the rows of a round run back to back), so the machine's drift
    over the run cancels out.
    """
    envs = {"peer": _peer_env(info), "lambda": _stack_env(info), "client": _stack_env(info)}
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in _COLD_ROWS}
    for _ in range(COLD_RUNS):
        for kind in _COLD_ROWS:
            payload = _zap(f"cold-{uuid.uuid4().hex}", attendees=ATTENDEES)
            if kind == "client":
                child = ["-m", "bench.coldstart_child", "app", json.dumps(payload), token]
            else:
                script = PEER_CHILD if kind == "peer" else APP_CHILD
                child = ["-c", script, json.dumps(proxy_event(payload, token))]
            runs[kind].append(_child([sys.executable, *child], envs[kind]))
    median = {
        kind: {phase: statistics.median(r[phase] for r in results) for phase in ("import", "first")}
        for kind, results in runs.items()
    }
    ratios = {
        kind: statistics.median(
            ours["first"] / theirs["first"]
            for ours, theirs in zip(runs[kind], runs["peer"], strict=True)
        )
        for kind in _COLD_ROWS
        if kind != "peer"
    }
    print(
        f"cold first answer, {ATTENDEES} attendees, median of {COLD_RUNS} fresh interpreters (s):"
    )
    print(f"  {'':34}{'import':>10}{'first answer':>15}{'vs peer':>10}")
    for kind, label in _COLD_ROWS.items():
        row = median[kind]
        ratio = f"{ratios[kind]:.2f}x" if kind in ratios else ""
        print(f"  {label:34}{row['import']:>10.3f}{row['first']:>15.3f}{ratio:>10}")
    return ratios


@dataclass
class _Tally:
    """Warm times (ms) and Daily calls by endpoint, for new bookings and replays."""

    created: list[float] = field(default_factory=list)
    replayed: list[float] = field(default_factory=list)
    created_calls: Counter[str] = field(default_factory=Counter)
    replayed_calls: Counter[str] = field(default_factory=Counter)

    def per_booking(self, calls: Counter[str]) -> float:
        return sum(calls.values()) / len(self.created)


def _measure(
    tally: _Tally,
    post: Post,
    counters: Callable[[], dict[str, int]],
) -> None:
    payload = _zap(f"warm-{uuid.uuid4().hex}", attendees=ATTENDEES)
    for times, calls in (
        (tally.created, tally.created_calls),
        (tally.replayed, tally.replayed_calls),
    ):
        before = counters()
        started = time.perf_counter()
        post(payload)
        times.append((time.perf_counter() - started) * 1000)
        calls.update(Counter(counters()) - Counter(before))


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def warm(info: dict[str, Any], token: str) -> dict[str, _Tally]:
    """A tally per row of ``_COLD_ROWS``, the rows taking turns run by run."""
    with _environment(_peer_env(info)):
        from chalice.test import Client

        import app as roomlinks
        from chalicelib import aws, runtime
        from chalicelib.config import settings
        from chalicelib.daily import DailyClient
        from chalicelib.rooms import DailyRooms
        from local.daily_emulator import DailyEmulator

        # A bench run earlier in this process may have built them against another stack.
        settings.cache_clear()
        aws.dynamodb.cache_clear()
        aws.secretsmanager.cache_clear()
        runtime.install(None)
        rt = runtime.current()
        api_key = rt.secrets.get().daily_api_key
        with (
            DailyEmulator(
                api_key=api_key, domain="roomlinks-bench", rate_limits="off"
            ).start() as emulator,
            open(os.devnull, "w", encoding="utf-8") as sink,  # the app's EMF and log lines
            contextlib.redirect_stdout(sink),
            Client(roomlinks.app, stage_name="local") as client,
        ):
            rt.rooms = DailyRooms(
                rt.secrets,
                rt.store,
                emulator.base_url,
                client_factory=lambda key, url: DailyClient(key, url, pacing=False),
            )
            os.environ["DAILY_API_URL"] = emulator.base_url
            import bench.peer_app as peer

            context = peer.LocalContext()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

            def lambda_call(
                name: str, handler: Callable[[dict[str, Any], Any], dict[str, Any]]
            ) -> Post:
                def post(payload: dict[str, Any]) -> None:
                    answer = handler(proxy_event(payload, token), context)
                    if answer["statusCode"] != 200:
                        raise RuntimeError(f"{name} answered {answer}")

                return post

            def through_client(payload: dict[str, Any]) -> None:
                answer = client.http.post(
                    "/v1/hooks/zapier", headers=headers, body=json.dumps(payload)
                )
                if answer.status_code != 200:
                    raise RuntimeError(f"roomlinks answered {answer.status_code}: {answer.body!r}")

            posts: dict[str, Post] = {
                "peer": lambda_call("peer", peer.handler),
                "lambda": lambda_call("roomlinks", roomlinks.app),
                "client": through_client,
            }
            for kind, post in posts.items():
                post(_zap(f"warm-up-{kind}", attendees=ATTENDEES))
            tallies = {kind: _Tally() for kind in posts}
            for _ in range(WARM_RUNS):
                for kind, post in posts.items():
                    _measure(tallies[kind], post, emulator.counters)
        runtime.install(None)
        settings.cache_clear()
        aws.dynamodb.cache_clear()
        aws.secretsmanager.cache_clear()
    return tallies


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _calls(calls: Counter[str], runs: int) -> str:
    parts = [f"{endpoint} {count / runs:g}" for endpoint, count in sorted(calls.items())]
    return ", ".join(parts) or "none"


def report_warm(tallies: dict[str, _Tally]) -> None:
    print(f"warm in-process handling, {ATTENDEES} attendees, {WARM_RUNS} runs each (ms):")
    columns = ("new p50", "new p95", "replay p50", "replay p95", "new vs peer")
    print(f"  {'':34}" + "".join(f"{c:>12}" for c in columns))
    peer_p50 = _p50_p95(tallies["peer"].created)[0]
    for kind, label in _COLD_ROWS.items():
        tally = tallies[kind]
        row = (*_p50_p95(tally.created), *_p50_p95(tally.replayed))
        ratio = "" if kind == "peer" else _ratio(row[0], peer_p50)
        print(f"  {label:34}" + "".join(f"{v:>12.1f}" for v in row) + f"{ratio:>12}")
    print(
        f"Daily calls per booking, {ATTENDEES} attendees (emulator counters, mean of {WARM_RUNS}):"
    )
    for kind, label in _COLD_ROWS.items():
        tally = tallies[kind]
        print(
            f"  {label:34}new {tally.per_booking(tally.created_calls):>3g}"
            f" ({_calls(tally.created_calls, len(tally.created))}),"
            f" replay {tally.per_booking(tally.replayed_calls):g}"
        )


def main() -> None:
    # Daily's rate limits off: the peer's 12 calls per booking would otherwise meet a 429 and a
    # one-second backoff in some cold runs, and the figures are about the code.
    with running_stack({"EMULATOR_RATE_LIMITS": "off"}) as info:
        create_peer_table(info)
        token = _first_hook_secret(info["secret"], "zapier")
        cold = cold_start(info, token)
        tallies = warm(info, token)
        report_warm(tallies)
        ours, peer = tallies["lambda"], tallies["peer"]
        new_ours, new_peer = (
            ours.per_booking(ours.created_calls),
            peer.per_booking(peer.created_calls),
        )
        p50_ours, p50_peer = _p50_p95(ours.created)[0], _p50_p95(peer.created)[0]
        through_client = _p50_p95(tallies["client"].created)[0]
        print("summary, roomlinks / peer, both called as Lambda calls them (goal ≤ 1.00x each):")
        print(
            f"  cold first answer {cold['lambda']:.2f}x,"
            f" warm p50 {_ratio(p50_ours, p50_peer)},"
            f" Daily calls per new booking {_ratio(new_ours, new_peer)}"
            f" ({new_ours:g} vs {new_peer:g})"
        )
        print(
            f"  through chalice.test's Client (bench.core_path's way): cold first answer"
            f" {cold['client']:.2f}x,"
            f" warm p50 {_ratio(through_client, p50_peer)}"
        )
