"""End to end over real HTTP: `chalice local` + dynalite + moto's Secrets Manager + the Daily
emulator, exactly as `make run` starts them (the `local_stack` fixture)."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
import requests
from standardwebhooks.webhooks import Webhook

from tests.plugins.local_stack import RunningStack

TIMEOUT = 30


# One anchor for the whole module: two payloads built for "the same meeting" a moment apart must
# carry the same times, even when a minute boundary falls between them.
ANCHOR = datetime.now(UTC).replace(second=0, microsecond=0)


def times(hours: float = 24, minutes: int = 30) -> tuple[str, str]:
    start = ANCHOR + timedelta(hours=hours)
    end = start + timedelta(minutes=minutes)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")


def zap(event_id: str, **fields: Any) -> dict[str, Any]:
    start, end = times()
    payload: dict[str, Any] = {
        "id": event_id,
        "title": "Integration review ✨",
        "start": start,
        "end": end,
        "organizer_email": "olivia@example.com",
        "organizer_name": "Olivia",
        "attendees": "ann@example.com, bob@example.com",
    }
    payload.update(fields)
    return payload


class Api:
    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.daily_root = stack.daily_api_url.removesuffix("/v1")
        self.daily_auth = {"Authorization": f"Bearer {stack.daily_api_key}"}

    def zapier(self, payload: dict[str, Any] | str, **kwargs: Any) -> requests.Response:
        token = self.stack.secret["hooks"]["zapier"]
        token = token[0] if isinstance(token, list) else token
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        if isinstance(payload, str):
            return requests.post(
                f"{self.stack.api_url}/v1/hooks/zapier",
                data=payload,
                headers=headers,
                timeout=TIMEOUT,
                **kwargs,
            )
        return requests.post(
            f"{self.stack.api_url}/v1/hooks/zapier",
            json=payload,
            headers=headers,
            timeout=TIMEOUT,
            **kwargs,
        )

    def room(self, name: str) -> requests.Response:
        return requests.get(
            f"{self.stack.daily_api_url}/rooms/{name}", headers=self.daily_auth, timeout=10
        )

    def counters(self) -> dict[str, int]:
        answer = requests.get(
            f"{self.daily_root}/_emulator/counters", headers=self.daily_auth, timeout=10
        )
        answer.raise_for_status()
        return dict(answer.json())

    def faults(self, **body: Any) -> None:
        requests.post(
            f"{self.daily_root}/_emulator/faults", json=body, headers=self.daily_auth, timeout=10
        ).raise_for_status()

    def validate(self, join_url: str) -> requests.Response:
        token = parse_qs(urlsplit(join_url).query)["t"][0]
        return requests.get(
            f"{self.stack.daily_api_url}/meeting-tokens/{token}",
            params={"ignoreNbf": "true"},
            headers=self.daily_auth,
            timeout=10,
        )

    def stored(self, booking_id: str) -> dict[str, Any] | None:
        client = boto3.client(
            "dynamodb",
            endpoint_url=self.stack.info["dynamodb_url"],
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        return client.get_item(
            TableName=self.stack.info["table"],
            Key={"booking_id": {"S": booking_id}},
            ConsistentRead=True,
        ).get("Item")


@pytest.fixture
def api(local_stack: RunningStack) -> Api:
    return Api(local_stack)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_health(api: Api) -> None:
    answer = requests.get(f"{api.stack.api_url}/v1/health", timeout=TIMEOUT)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_create_replay_update_cancel_lifecycle(api: Api) -> None:
    event_id = unique("life")
    created = api.zapier(zap(event_id, sequence=1))
    assert created.status_code == 200, created.text
    body = created.json()
    assert (body["outcome"], body["status"]) == ("created", "scheduled")
    room = api.room(body["room_name"])
    assert room.status_code == 200
    assert room.json()["privacy"] == "private"
    assert room.json()["config"]["exp"] == body["exp"]
    assert room.json()["config"]["eject_at_room_exp"] is True
    for url in [
        body["host_join_url"],
        body["guest_join_url"],
        *(a["join_url"] for a in body["attendees"]),
    ]:
        assert url.startswith(body["room_url"] + "?t=")
        assert api.validate(url).status_code == 200
    assert api.validate(body["host_join_url"]).json()["is_owner"] is True

    before = sum(api.counters().values())
    replay = api.zapier(zap(event_id, sequence=1)).json()
    assert replay["outcome"] == "unchanged"
    assert replay["host_join_url"] == body["host_join_url"]
    assert sum(api.counters().values()) == before  # a replay costs Daily nothing

    start, end = times(hours=50, minutes=60)
    updated = api.zapier(zap(event_id, sequence=2, start=start, end=end)).json()
    assert (updated["outcome"], updated["room_name"]) == ("updated", body["room_name"])
    assert api.room(body["room_name"]).json()["config"]["exp"] == updated["exp"]

    stale = api.zapier(zap(event_id, sequence=1)).json()
    assert (stale["outcome"], stale["starts_at"]) == ("stale", start)

    cancelled = api.zapier({"id": event_id, "status": "cancelled", "sequence": 3}).json()
    assert (cancelled["outcome"], cancelled["status"]) == ("cancelled", "cancelled")
    assert cancelled["host_join_url"] is None
    assert api.room(body["room_name"]).status_code == 404
    late = api.zapier(zap(event_id, sequence=2)).json()
    assert (late["outcome"], late["status"]) == ("stale", "cancelled")


def test_unknown_cancellation_is_a_tombstone(api: Api) -> None:
    event_id = unique("tomb")
    first = api.zapier({"id": event_id, "action": "cancel"}).json()
    assert (first["outcome"], first["status"]) == ("cancelled", "cancelled")
    late = api.zapier(zap(event_id)).json()
    assert late["status"] == "cancelled"
    assert api.room(late["room_name"]).status_code == 404


def test_sixteen_concurrent_deliveries_make_one_room_one_record_same_links(api: Api) -> None:
    payload = zap(unique("race"))
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: api.zapier(payload), range(16)))
    assert all(a.status_code == 200 for a in answers), [
        a.text for a in answers if a.status_code != 200
    ]
    bodies = [a.json() for a in answers]
    assert sorted(b["outcome"] for b in bodies) == ["created"] + ["unchanged"] * 15
    links = {
        json.dumps({k: v for k, v in b.items() if k != "outcome"}, sort_keys=True) for b in bodies
    }
    assert len(links) == 1
    rooms = requests.get(
        f"{api.stack.daily_api_url}/rooms", headers=api.daily_auth, timeout=10
    ).json()["data"]
    assert [r["name"] for r in rooms].count(bodies[0]["room_name"]) == 1
    record = api.stored(bodies[0]["booking_id"])
    # Revision 1 is the booking as decided, 2 the same booking marked in step with Daily.
    assert record is not None and record["revision"]["N"] == "2"


def test_form_encoded_zap(api: Api) -> None:
    start, end = times()
    form = urlencode(
        {
            "id": unique("form"),
            "title": "Form+zap",
            "start": start.replace("Z", "+00:00"),
            "end": end,
        }
    )
    answer = api.zapier(form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["starts_at"] == start


def test_generic_standard_webhook(api: Api) -> None:
    start, end = times()
    event_id = unique("gen")
    body = json.dumps(
        {
            "type": "calendar_event.created",
            "timestamp": datetime.now(UTC).isoformat(),
            "data": {
                "id": event_id,
                "title": "Generic",
                "start": start,
                "end": end,
                "organizer": {"email": "o@example.com", "name": "O"},
                "attendees": [{"email": "a@example.com", "name": "A"}],
            },
        }
    )
    secret = api.stack.secret["hooks"]["generic"]
    secret = secret[0] if isinstance(secret, list) else secret
    stamp = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": "msg_" + event_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_" + event_id, stamp, body),
    }
    answer = requests.post(
        f"{api.stack.api_url}/v1/hooks/generic", data=body, headers=headers, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["booking_id"] == f"generic:{event_id}"
    headers["webhook-timestamp"] = str(int(time.time()) - 400)
    stale = requests.post(
        f"{api.stack.api_url}/v1/hooks/generic", data=body, headers=headers, timeout=TIMEOUT
    )
    assert (stale.status_code, stale.json()["error"]) == (401, "authentication-error")


def test_daily_outage_answers_pending_and_a_replay_heals(api: Api) -> None:
    event_id = unique("outage")
    api.faults(fail_next={"n": 500, "status": 503, "error": "server-error"})
    try:
        pending = api.zapier(zap(event_id))
    finally:
        api.faults(clear=True)
    assert pending.status_code == 200, pending.text
    body = pending.json()
    assert body["status"] == "pending"
    assert body["host_join_url"]
    healed = api.zapier(zap(event_id)).json()
    assert healed["status"] == "scheduled"
    assert healed["host_join_url"] == body["host_join_url"]
    assert api.room(body["room_name"]).status_code == 200


def test_errors_over_http(api: Api) -> None:
    url = f"{api.stack.api_url}/v1/hooks/zapier"
    missing = requests.post(url, json=zap("x"), timeout=TIMEOUT)
    assert (missing.status_code, missing.json()["error"]) == (400, "authorization-header-error")
    wrong = requests.post(
        url, json=zap("x"), headers={"Authorization": "Bearer nope"}, timeout=TIMEOUT
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "authentication-error")
    big = api.zapier(zap("x", title="y" * (300 * 1024)))
    assert (big.status_code, big.json()["error"]) == (413, "payload-too-large")
    broken = api.zapier('{"id": ', headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.json()["error"]) == (400, "json-parsing-error")
    for answer in (missing, wrong, big, broken):
        assert api.stack.daily_api_key not in answer.text
        assert api.stack.secret["signing_key"] not in answer.text
