"""Lazily created boto3 clients, one per service per container.

boto3 is imported on first use, not at import time, so a cold start that only answers a
health check never pays for it; endpoints come from boto3's own configuration
(``AWS_ENDPOINT_URL_DYNAMODB`` and friends), so the local stack needs no special code.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

_lock = threading.Lock()


@cache
def _client_config() -> object:
    from botocore.config import Config  # noqa: PLC0415

    # Short timeouts: a webhook sender waits at most ~30 s for the whole answer.
    return Config(
        connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
    )


@cache
def dynamodb() -> DynamoDBClient:
    import boto3  # noqa: PLC0415

    with _lock:
        return boto3.client("dynamodb", config=_client_config())  # type: ignore[call-overload,no-any-return]


@cache
def secretsmanager() -> SecretsManagerClient:
    import boto3  # noqa: PLC0415

    with _lock:
        return boto3.client("secretsmanager", config=_client_config())  # type: ignore[call-overload,no-any-return]
