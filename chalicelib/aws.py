"""Lazily created AWS clients, one per service per container.

botocore is imported on first use, not at import time, so a cold start that only answers a
health check never pays for it. The clients come straight from one botocore session: boto3
adds nothing the service uses and its import and client set-up cost a cold start ~100 ms
more (measured with `bench`). Endpoints come from botocore's own configuration
(``AWS_ENDPOINT_URL_DYNAMODB`` and friends), so the local stack needs no special code.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

_lock = threading.Lock()


@cache
def _session() -> object:
    import botocore.session  # noqa: PLC0415

    return botocore.session.get_session()


@cache
def _client_config() -> object:
    from botocore.config import Config  # noqa: PLC0415

    # Short timeouts: a webhook sender waits at most ~30 s for the whole answer.
    return Config(
        connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
    )


def _client(service: str) -> Any:
    # botocore sessions are not safe for concurrent client creation: one at a time.
    with _lock:
        return _session().create_client(service, config=_client_config())  # type: ignore[attr-defined]


@cache
def dynamodb() -> DynamoDBClient:
    return cast("DynamoDBClient", _client("dynamodb"))


@cache
def secretsmanager() -> SecretsManagerClient:
    return cast("SecretsManagerClient", _client("secretsmanager"))
