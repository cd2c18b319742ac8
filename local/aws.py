"""Provision the local AWS stand-ins: the bookings table (dynalite) and the secret (moto).

Names come from the Chalice stage, because `chalice local` overwrites SECRET_ID and
BOOKINGS_TABLE with the stage's values: provisioning anything else would leave the app
looking at resources that do not exist.

The table's layout (keys, the sparse ``reconcile`` index, TTL attribute, billing mode) is
read from ``infra/bookings-table.json``, the same file the CloudFormation template is built
from (``local/deploy_template.py``), so the local table and the deployed one never drift.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
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
BOOKINGS_TABLE_FILE = Path(__file__).resolve().parent.parent / "infra" / "bookings-table.json"

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


@dataclass(frozen=True)
class TableDefinition:
    """The bookings table as infra/bookings-table.json defines it (CloudFormation's names)."""

    properties: dict[str, Any]

    @property
    def hash_key(self) -> str:
        return _hash_key(self.properties["KeySchema"])

    @property
    def ttl_attribute(self) -> str:
        return str(self.properties["TimeToLiveSpecification"]["AttributeName"])

    @property
    def index_names(self) -> tuple[str, ...]:
        return tuple(str(i["IndexName"]) for i in self.properties.get("GlobalSecondaryIndexes", []))

    def index_keys(self, index_name: str) -> tuple[str, str | None]:
        """(hash key, range key or None) of one global secondary index."""
        for index in self.properties.get("GlobalSecondaryIndexes", []):
            if index["IndexName"] == index_name:
                schema = index["KeySchema"]
                ranges = [k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"]
                return _hash_key(schema), (str(ranges[0]) if ranges else None)
        raise KeyError(index_name)

    def create_table_arguments(self, table: str) -> dict[str, Any]:
        """CreateTable's arguments: the same shapes as the CloudFormation properties."""
        names = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
        arguments = {name: self.properties[name] for name in names if name in self.properties}
        return {"TableName": table, **arguments}


def _hash_key(schema: list[dict[str, str]]) -> str:
    return next(str(k["AttributeName"]) for k in schema if k["KeyType"] == "HASH")


@cache
def bookings_table() -> TableDefinition:
    """The one definition of the bookings table, shared with the CloudFormation template."""
    properties: dict[str, Any] = json.loads(BOOKINGS_TABLE_FILE.read_text(encoding="utf-8"))
    return TableDefinition(properties=properties)


TTL_ATTRIBUTE = bookings_table().ttl_attribute


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
        client.create_table(**bookings_table().create_table_arguments(table))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    deadline = time.monotonic() + timeout
    while not _active(client.describe_table(TableName=table)["Table"]):
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


def _active(description: Any) -> bool:
    """The table and every index it has are ACTIVE (the reconcile job queries the index)."""
    indexes = description.get("GlobalSecondaryIndexes", [])
    return description.get("TableStatus") == "ACTIVE" and all(
        index.get("IndexStatus") == "ACTIVE" for index in indexes
    )


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
