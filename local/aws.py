"""Provision the local AWS stand-ins: the bookings table (dynalite) and the secret (moto).

Names come from the Chalice stage, because `chalice local` overwrites SECRET_ID and
BOOKINGS_TABLE with the stage's values: provisioning anything else would leave the app
looking at resources that do not exist.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local.secret import Secret

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

REGION = "us-east-1"
DUMMY_ACCESS_KEY = "local"
DUMMY_SECRET_KEY = "local"  # dummy: the local emulators accept anything
TTL_ATTRIBUTE = "expires_at"

# Fail fast against local endpoints instead of botocore's long default retries.
_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2})


@dataclass(frozen=True)
class StageNames:
    """The resource names the app will read from its environment under `chalice local`."""

    secret_id: str
    bookings_table: str


def stage_names(project_dir: Path, stage: str = "local") -> StageNames:
    """SECRET_ID and BOOKINGS_TABLE for `stage` from .chalice/config.json (stage wins)."""
    config: dict[str, Any] = json.loads(
        (project_dir / ".chalice" / "config.json").read_text(encoding="utf-8")
    )
    env: dict[str, str] = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    missing = [name for name in ("SECRET_ID", "BOOKINGS_TABLE") if not env.get(name)]
    if missing:
        raise ValueError(f".chalice/config.json stage {stage!r} does not set {', '.join(missing)}")
    return StageNames(secret_id=env["SECRET_ID"], bookings_table=env["BOOKINGS_TABLE"])


def dynamodb_client(endpoint_url: str) -> DynamoDBClient:
    """A DynamoDB client bound to the local endpoint with dummy credentials."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        config=_CLIENT_CONFIG,
    )


def secretsmanager_client(endpoint_url: str) -> SecretsManagerClient:
    """A Secrets Manager client bound to the local endpoint with dummy credentials."""
    return boto3.client(
        "secretsmanager",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        config=_CLIENT_CONFIG,
    )


def create_bookings_table(endpoint_url: str, table: str, timeout: float = 30.0) -> str | None:
    """Create the bookings table and wait until ACTIVE.

    Returns a note when TTL could not be enabled (dynalite has no UpdateTimeToLive), so the
    launcher can say so instead of failing: expired bookings simply stay in local storage.
    """
    client = dynamodb_client(endpoint_url)
    try:
        client.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "booking_id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "booking_id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    deadline = time.monotonic() + timeout
    while client.describe_table(TableName=table)["Table"].get("TableStatus") != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table} did not become ACTIVE within {timeout:.0f} s")
        time.sleep(0.1)
    try:
        client.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        return f"TTL on {TTL_ATTRIBUTE} stays off locally (UpdateTimeToLive: {code})"
    except BotoCoreError as exc:
        return f"TTL on {TTL_ATTRIBUTE} stays off locally ({exc})"
    return None


def put_secret(endpoint_url: str, secret_id: str, secret: Secret) -> None:
    """Create the secret (or store a new version if it already exists) as one JSON string."""
    client = secretsmanager_client(endpoint_url)
    value = json.dumps(secret)
    try:
        client.create_secret(Name=secret_id, SecretString=value)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
            raise
        client.put_secret_value(SecretId=secret_id, SecretString=value)
