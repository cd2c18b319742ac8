"""What a user would build instead of roomlinks, the usual way (issue 11, "Figures").

Never shipped (bench/ is outside chalicelib): ``bench/peer.py`` runs it beside roomlinks on the
same local stack. A plain Lambda handler for an API Gateway proxy event carrying a
Zapier-style JSON body (``id``, ``title``, ``start``, ``end``, ``organizer_*``,
``attendees``), built from the ecosystem's parts:

- Powertools for AWS Lambda's ``@idempotent`` on DynamoDB (its own table, partition key
  ``id``), keyed on the whole body, so a redelivered hook answers from the stored response;
- Powertools' parameters utility (``get_secret``, cached 300 s like roomlinks' own cache)
  for the same secret roomlinks reads: the Daily API key and the Zapier hook secret;
- ``requests`` to Daily: ``POST /rooms`` (nbf/exp/eject_at_room_exp, a name derived from the
  event id) and one API-minted ``POST /meeting-tokens`` per attendee plus one for the host,
  retrying 429s and gateway errors with urllib3's ``Retry``.

The bearer check runs before ``@idempotent``: the key is the body, so a refused delivery must
not store an answer a correctly signed redelivery of the same body would then get.

Settings come from the environment: ``SECRET_ID``, ``IDEMPOTENCY_TABLE``, ``DAILY_API_URL``
(read per call), ``EARLY_JOIN_MINUTES`` / ``GRACE_MINUTES`` (roomlinks' defaults, 10 / 15).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime
from typing import Any

import requests
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

DEFAULT_DAILY_API_URL = "https://api.daily.co/v1"
SECRET_MAX_AGE = 300
DAILY_TIMEOUT = (2, 5)
EARLY_JOIN_SECONDS = int(os.environ.get("EARLY_JOIN_MINUTES", "10")) * 60
GRACE_SECONDS = int(os.environ.get("GRACE_MINUTES", "15")) * 60

persistence_layer = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
idempotency_config = IdempotencyConfig(
    event_key_jmespath="powertools_json(body)", raise_on_no_idempotency_key=True
)

daily = requests.Session()
_retries = Retry(
    total=3,
    backoff_factor=0.2,
    status_forcelist=(429, 502, 503, 504),
    allowed_methods=None,  # POST too, the usual setting for an API that rate-limits
    respect_retry_after_header=True,
)
daily.mount("https://", HTTPAdapter(max_retries=_retries))
daily.mount("http://", HTTPAdapter(max_retries=_retries))


class LocalContext(LambdaContext):
    """Stands in for Lambda's context object when a benchmark calls ``handler`` directly."""

    _function_name = "roomlinks-peer"
    _function_version = "$LATEST"
    _invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:roomlinks-peer"
    _memory_limit_in_mb = 512
    _aws_request_id = "local"
    _log_group_name = "/aws/lambda/roomlinks-peer"
    _log_stream_name = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def _secret() -> dict[str, Any]:
    return parameters.get_secret(os.environ["SECRET_ID"], transform="json", max_age=SECRET_MAX_AGE)


def _authorized(event: dict[str, Any], secret: dict[str, Any]) -> bool:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    presented = str(headers.get("authorization", "")).removeprefix("Bearer ").encode()
    accepted = secret["hooks"]["zapier"]
    accepted = accepted if isinstance(accepted, list) else [accepted]
    return any(hmac.compare_digest(presented, str(value).encode()) for value in accepted)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy entry point: check the hook's bearer secret, then book idempotently."""
    if not _authorized(event, _secret()):
        return _response(401, {"error": "unauthorized"})
    result: dict[str, Any] = book(event, context)
    return result


def _timestamp(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


def _daily(path: str, api_key: str, body: dict[str, Any]) -> dict[str, Any]:
    base = os.environ.get("DAILY_API_URL") or DEFAULT_DAILY_API_URL
    answer = daily.post(
        f"{base.rstrip('/')}{path}",
        json=body,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=DAILY_TIMEOUT,
    )
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()
    return data


@idempotent(persistence_store=persistence_layer, config=idempotency_config)
def book(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """One room for the event, one API-minted token per attendee and one for the host."""
    try:
        hook = json.loads(event.get("body") or "")
        event_id = str(hook["id"])
        nbf = _timestamp(hook["start"]) - EARLY_JOIN_SECONDS
        exp = _timestamp(hook["end"]) + GRACE_SECONDS
        attendees = [(str(a["email"]), str(a.get("name") or a["email"])) for a in hook["attendees"]]
    except (ValueError, KeyError, TypeError):
        return _response(400, {"error": "invalid event"})

    api_key = str(_secret()["daily_api_key"])
    name = "peer-" + hashlib.sha256(event_id.encode()).hexdigest()[:24]
    room = _daily(
        "/rooms",
        api_key,
        {
            "name": name,
            "privacy": "private",
            "properties": {"nbf": nbf, "exp": exp, "eject_at_room_exp": True},
        },
    )

    def join_url(user_name: str, is_owner: bool) -> str:
        properties = {"room_name": name, "user_name": user_name, "is_owner": is_owner, "exp": exp}
        token = _daily("/meeting-tokens", api_key, {"properties": properties})["token"]
        return f"{room['url']}?t={token}"

    host = str(hook.get("organizer_name") or hook.get("organizer_email") or "Host")
    return _response(
        200,
        {
            "event_id": event_id,
            "room_name": name,
            "room_url": room["url"],
            "nbf": nbf,
            "exp": exp,
            "host_join_url": join_url(host, is_owner=True),
            "attendees": [
                {"email": email, "join_url": join_url(user_name, is_owner=False)}
                for email, user_name in attendees
            ],
        },
    )
