"""``POST /v1/links``: warm in-process latency and the Daily calls it makes.

In-process: moto's ``mock_aws`` (DynamoDB, Secrets Manager), the Daily emulator over loopback
(rate limits off, client pacing off) and Chalice's test client. Goal (issue 8): 0 Daily calls,
p50 under 3 ms. Baseline: ``GET /v1/health`` through the same client in the same run, i.e.
what Chalice's routing and the test client cost on their own; one booking read from moto's
DynamoDB alone is printed too, since every links answer makes one.

``service()`` is the in-process setup the other benches (reconcile, budget) share.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from chalicelib import aws
from chalicelib.config import Settings
from chalicelib.daily import DailyClient
from chalicelib.dynamo_store import DynamoBookingStore
from chalicelib.memory_store import InMemoryBookingStore
from chalicelib.observability import METRICS_LOGGER
from chalicelib.rooms import DailyRooms
from chalicelib.runtime import Runtime, install
from chalicelib.secrets import SecretCache
from chalicelib.store import BookingStore
from local.daily_emulator import Clock, DailyEmulator

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

WARM_RUNS = 400
TABLE = "roomlinks-bench-bookings"
SECRET_ID = "roomlinks/bench"
HOOK_TOKEN = "bench-zapier-token-0123456789"
JWT_SECRET = "bench-links-secret-at-least-32-bytes-0123"
ISSUER = "bench-idp"
AUDIENCE = "roomlinks"
API_KEY = "bench-daily-key-" + "0123456789abcdef" * 3
TABLE_DEFINITION = Path(__file__).resolve().parents[1] / "infra" / "bookings-table.json"


def bench_secret(daily_api_key: str) -> dict[str, Any]:
    return {
        "daily_api_key": daily_api_key,
        "hooks": {"zapier": HOOK_TOKEN},
        "links": {"jwt_secret": JWT_SECRET, "issuer": ISSUER, "audience": AUDIENCE},
        "signing_key": "bench-signing-key-" + uuid.uuid4().hex,
    }


@dataclass
class Service:
    """One in-process roomlinks: its runtime, the emulator behind it and a test client."""

    runtime: Runtime
    emulator: DailyEmulator
    secret: dict[str, Any]
    client: Any  # chalice.test.Client

    def hook(self, payload: dict[str, Any]) -> Any:
        return self.client.http.post(
            "/v1/hooks/zapier",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {HOOK_TOKEN}"},
            body=json.dumps(payload),
        )

    def daily_calls(self) -> int:
        return sum(self.emulator.counters().values())

    def use_daily_client(self, factory: Callable[[str, str], DailyClient]) -> None:
        """A fresh ``DailyRooms`` whose clients come from ``factory`` (pacing on or off)."""
        rt = self.runtime
        rt.rooms = DailyRooms(rt.secrets, rt.store, self.emulator.base_url, client_factory=factory)


def unpaced(api_key: str, base_url: str) -> DailyClient:
    return DailyClient(api_key, base_url, pacing=False)


def paced(api_key: str, base_url: str) -> DailyClient:
    """Daily's documented rate, as every container paces in production."""
    return DailyClient(api_key, base_url, pacing=True)


@contextlib.contextmanager
def quiet_logs(level: int = logging.ERROR) -> Iterator[None]:
    """The service's per-request warnings (Daily failures it handles) and its metric lines
    kept out of the figures; errors still show."""
    loggers = [logging.getLogger(name) for name in ("chalicelib", "roomlinks")]
    saved = [logger.level for logger in loggers]
    metrics = logging.getLogger(METRICS_LOGGER)
    was_disabled = metrics.disabled
    for logger in loggers:
        logger.setLevel(level)
    metrics.disabled = True
    try:
        yield
    finally:
        metrics.disabled = was_disabled
        for logger, old in zip(loggers, saved, strict=True):
            logger.setLevel(old)


def aws_clients(
    endpoints: dict[str, str] | None = None, region: str = "us-east-1"
) -> tuple[DynamoDBClient, SecretsManagerClient]:
    """DynamoDB and Secrets Manager clients from a new botocore session (as the service makes
    them), at ``endpoints`` by service name or botocore's defaults.

    New, not ``chalicelib.aws``'s cached session: one an earlier bench made in this process
    (before moto was imported, or against a stack since stopped) would not reach moto.
    """
    import botocore.session

    session = botocore.session.get_session()
    urls = endpoints or {}

    def client(service: str) -> Any:
        return session.create_client(
            service,
            region_name=region,
            endpoint_url=urls.get(service),
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )

    return client("dynamodb"), client("secretsmanager")


def secret_reader(client: SecretsManagerClient) -> Callable[[str], str]:
    return lambda secret_id: client.get_secret_value(SecretId=secret_id)["SecretString"]


def _moto_backing(secret: dict[str, Any]) -> tuple[SecretCache, BookingStore]:
    """The bookings table and the secret in moto (already mocking)."""
    dynamodb, secretsmanager = aws_clients()
    table = json.loads(TABLE_DEFINITION.read_text(encoding="utf-8"))
    keys = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    dynamodb.create_table(TableName=TABLE, **{key: table[key] for key in keys})
    secretsmanager.create_secret(Name=SECRET_ID, SecretString=json.dumps(secret))
    return (
        SecretCache(SECRET_ID, reader=secret_reader(secretsmanager)),
        DynamoBookingStore(TABLE, client=dynamodb),
    )


@contextlib.contextmanager
def service(
    *,
    room_lead_minutes: int = 0,
    rate_limits: str | float = "off",
    max_rooms: int | None = None,
    store: Literal["dynamodb", "memory"] = "dynamodb",
    clock: Clock | None = None,
    settings_extra: dict[str, Any] | None = None,
) -> Iterator[Service]:
    """moto + the Daily emulator + the app's runtime installed, with Chalice's test client.

    ``store="memory"`` keeps bookings in the project's ``InMemoryBookingStore`` (same
    conditional-write rules) and reads the secret from memory, without moto: for runs whose
    figures are about Daily, not DynamoDB (moto's ``mock_aws`` also routes every ``requests``
    call, Daily's included, through its URL matcher, ~1.5 ms a call). With ``clock``, the
    runtime reads the same (emulated) time as the emulator.
    """
    from chalice.test import Client
    from moto import mock_aws

    import app as roomlinks

    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        os.environ.pop(name, None)
    aws.dynamodb.cache_clear()
    aws.secretsmanager.cache_clear()
    emulator = DailyEmulator(
        API_KEY, "roomlinks-bench", rate_limits=rate_limits, max_rooms=max_rooms, clock=clock
    )
    secret = bench_secret(emulator.api_key)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(emulator.start())
            stack.enter_context(quiet_logs())
            if store == "memory":
                secrets = SecretCache(SECRET_ID, reader=lambda _: json.dumps(secret))
                bookings: BookingStore = InMemoryBookingStore()
            else:
                stack.enter_context(mock_aws())
                secrets, bookings = _moto_backing(secret)
            settings = Settings(
                secret_id=SECRET_ID,
                bookings_table=TABLE,
                daily_api_url=emulator.base_url,
                early_join_minutes=10,
                grace_minutes=15,
                room_privacy="private",
                public_url="https://links.bench.test",
                room_lead_minutes=room_lead_minutes,
                **(settings_extra or {}),
            )
            rooms = DailyRooms(secrets, bookings, emulator.base_url, client_factory=unpaced)
            rt = Runtime(settings, secrets, bookings, rooms)
            if clock is not None:
                rt.clock = clock.now
            install(rt)
            try:
                with Client(roomlinks.app, stage_name="local") as client:
                    yield Service(rt, emulator, secret, client)
            finally:
                install(None)
    finally:
        aws.dynamodb.cache_clear()
        aws.secretsmanager.cache_clear()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def zap(
    event_id: str, start: datetime, *, minutes: int = 30, attendees: int = 2, **extra: Any
) -> dict[str, Any]:
    """A Zapier-shaped event (contract §2.1) starting at ``start``."""
    start = start.astimezone(UTC).replace(second=0, microsecond=0)
    return {
        "id": event_id,
        "title": "Benchmark meeting",
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "organizer_email": "host@example.com",
        "organizer_name": "Host",
        "attendees": [
            {"email": f"guest{i}@example.com", "name": f"Guest {i}"} for i in range(attendees)
        ],
        **extra,
    }


def caller_jwt(email: str, scope: str = "", lifetime: int = 3600) -> str:
    """A frontend caller's HS256 JWT, as its identity provider would sign it."""
    import jwt

    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"user-{email}",
        "email": email,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    """Milliseconds per call, ``runs`` times (each answer must be 200)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        samples.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.body!r}")
    return samples


def cases(svc: Service) -> list[tuple[str, Callable[[], Any]]]:
    """Health (the baseline), then links for a booking with its room and a deferred one."""
    start = datetime.now(UTC) + timedelta(hours=2)
    made = svc.hook(zap(f"links-{uuid.uuid4().hex}", start)).json_body
    far = svc.hook(zap(f"links-far-{uuid.uuid4().hex}", start + timedelta(days=5))).json_body
    guest = {"Authorization": f"Bearer {caller_jwt('guest0@example.com')}"}
    host = {"Authorization": f"Bearer {caller_jwt('host@example.com')}"}
    json_type = {"Content-Type": "application/json"}

    def links(booking: dict[str, Any], role: str, auth: dict[str, str]) -> Callable[[], Any]:
        body = json.dumps({"booking_id": booking["booking_id"], "role": role})
        return lambda: svc.client.http.post("/v1/links", headers={**json_type, **auth}, body=body)

    def read() -> Any:
        svc.runtime.store.get(made["booking_id"])
        return svc.client.http.get("/v1/health")  # the status code timed() checks

    return [
        ("GET /v1/health (baseline)", lambda: svc.client.http.get("/v1/health")),
        (f"POST /v1/links guest ({made['status']})", links(made, "guest", guest)),
        (f"POST /v1/links host ({made['status']})", links(made, "host", host)),
        (f"POST /v1/links guest ({far['status']}, deferred room)", links(far, "guest", guest)),
        ("one booking read + GET /v1/health", read),
    ]


def measure(store: Literal["dynamodb", "memory"], label: str) -> None:
    with service(room_lead_minutes=1440, store=store) as svc:
        rows = cases(svc)
        for _, call in rows:
            timed(call, 20)  # warm: the JWT library, pydantic models, the domain cache
        print(f"{label}: warm in-process answers, {WARM_RUNS} runs each (milliseconds)")
        print(f"  {'':50}{'p50':>8}{'p95':>8}{'Daily calls':>13}")
        p50s: list[float] = []
        for name, call in rows:
            before = svc.daily_calls()
            p50, p95 = percentiles(timed(call, WARM_RUNS))
            p50s.append(p50)
            print(f"  {name:50}{p50:>8.2f}{p95:>8.2f}{svc.daily_calls() - before:>13}")
    ratios = ", ".join(f"{p / p50s[0]:.1f}x" for p in p50s[1:4])
    print(f"  links p50 / health p50 (guest, host, deferred): {ratios}")
    own = p50s[1] - (p50s[4] - p50s[0])
    print(f"  links guest p50 minus one booking read: {own:.2f} ms")


def main() -> None:
    measure("dynamodb", "moto's DynamoDB (mock_aws)")
    measure("memory", "InMemoryBookingStore (the service's own time)")
    print("goal: 0 Daily calls, p50 < 3 ms")


if __name__ == "__main__":
    main()
