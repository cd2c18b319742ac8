"""Fast service tests: moto's mock_aws for DynamoDB and Secrets Manager, the in-process Daily
emulator over loopback HTTP, and Chalice's test client for the routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import aws, runtime
from chalicelib.config import Settings
from chalicelib.dynamo_store import DynamoBookingStore
from chalicelib.rooms import DailyRooms
from chalicelib.runtime import Runtime
from chalicelib.secrets import SecretCache
from local.daily_emulator import DailyEmulator

TABLE = "roomlinks-test-bookings"
SECRET_ID = "roomlinks/test"


def make_secret(daily_api_key: str) -> dict[str, Any]:
    return {
        "daily_api_key": daily_api_key,
        "hooks": {
            "zapier": ["zapier-token-old", "zapier-token"],
            "google": "google-token",
            "graph": "graph-token",
            "ical": "ical-token",
            "calcom": "calcom-secret",
            "calendly": "calendly-secret",
            "generic": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
        "links": {
            "jwt_secret": "links-secret-at-least-32-bytes-long-0123",
            "issuer": "idp",
            "audience": "roomlinks",
            "allowed_origins": ["https://app.example.test"],
        },
        "signing_key": "test-signing-key-0123456789",
    }


TABLE_DEFINITION = json.loads(
    (Path(__file__).resolve().parents[2] / "infra" / "bookings-table.json").read_text()
)


def create_table(client: Any) -> None:
    """The bookings table as the template and the local stack define it (index included)."""
    client.create_table(
        TableName=TABLE,
        **{
            key: TABLE_DEFINITION[key]
            for key in (
                "AttributeDefinitions",
                "KeySchema",
                "GlobalSecondaryIndexes",
                "BillingMode",
            )
        },
    )


@dataclass
class Harness:
    runtime: Runtime
    emulator: DailyEmulator
    secret: dict[str, Any]
    client: Client
    secretsmanager: Any

    def post(
        self,
        source: str,
        payload: dict[str, Any] | str | bytes,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        sent = {"Content-Type": content_type}
        if headers is None:
            sent["Authorization"] = "Bearer zapier-token"
        else:
            sent.update(headers)
        return self.client.http.post(f"/v1/hooks/{source}", headers=sent, body=body)

    def daily_calls(self) -> int:
        return sum(self.emulator.counters().values())

    def booking(self, booking_id: str) -> Any:
        return self.runtime.store.get(booking_id)


@pytest.fixture
def harness(daily_emulator: DailyEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    aws.dynamodb.cache_clear()
    aws.secretsmanager.cache_clear()
    with mock_aws():
        create_table(boto3.client("dynamodb"))
        secretsmanager = boto3.client("secretsmanager")
        secret = make_secret(daily_emulator.api_key)
        secretsmanager.create_secret(Name=SECRET_ID, SecretString=json.dumps(secret))
        settings = Settings(
            secret_id=SECRET_ID,
            bookings_table=TABLE,
            daily_api_url=daily_emulator.base_url,
            early_join_minutes=10,
            grace_minutes=15,
            room_privacy="private",
            public_url="https://links.example.test",
            # Rooms at booking time, so every test sees its room; deferral has its own tests.
            room_lead_minutes=0,
        )
        secrets = SecretCache(SECRET_ID)
        store = DynamoBookingStore(TABLE)
        rt = Runtime(settings, secrets, store, DailyRooms(secrets, store, settings.daily_api_url))
        runtime.install(rt)
        try:
            with Client(app) as client:
                yield Harness(rt, daily_emulator, secret, client, secretsmanager)
        finally:
            runtime.install(None)
    aws.dynamodb.cache_clear()
    aws.secretsmanager.cache_clear()


# One anchor per session: two payloads built for "the same meeting" a moment apart must carry the
# same times, even when a minute boundary falls between them.
ANCHOR = datetime.now(UTC).replace(second=0, microsecond=0)


def in_future(hours: float = 24, minutes: int = 30) -> tuple[str, str]:
    start = ANCHOR + timedelta(hours=hours)
    return start.isoformat().replace("+00:00", "Z"), (
        start + timedelta(minutes=minutes)
    ).isoformat().replace("+00:00", "Z")


def zap(event_id: str = "evt-1", **fields: Any) -> dict[str, Any]:
    start, end = in_future()
    payload: dict[str, Any] = {
        "id": event_id,
        "title": "Design review",
        "start": start,
        "end": end,
        "organizer_email": "Olivia@Example.com",
        "organizer_name": "Olivia Organizer",
        "attendees": [
            {"email": "ann@example.com", "name": "Ann"},
            {"email": "bob@example.com", "name": "Bob"},
        ],
    }
    payload.update(fields)
    return payload
