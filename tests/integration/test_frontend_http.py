"""Frontends, error shapes and reconcile over real HTTP against the `make run` stack."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.launcher import PROJECT_DIR
from tests.plugins.local_stack import RunningStack
from tests.sources.signing import fixture, signed_headers


def _zap(stack: RunningStack, event_id: str, **fields: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    payload = {
        "id": event_id,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat(),
        "organizer_email": "olivia@example.com",
        "attendees": [{"email": "ann@example.com", "name": "Ann"}],
        **fields,
    }
    hooks = stack.secret["hooks"]
    token = hooks["zapier"][0] if isinstance(hooks["zapier"], list) else hooks["zapier"]
    answer = requests.post(
        f"{stack.api_url}/v1/hooks/zapier",
        json=payload,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _jwt(stack: RunningStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.info['links_jwt']}"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "error"),
    [
        ("GET", "/nope", {}, 404, "not-found"),
        ("GET", "/v1/nope", {"Authorization": "Bearer secret-token-123"}, 404, "not-found"),
        ("POST", "/v1/health", {}, 405, "method-not-allowed"),
        ("DELETE", "/v1/hooks/zapier", {}, 405, "method-not-allowed"),
        ("PUT", "/v1/join/abc", {}, 405, "method-not-allowed"),
        (
            "GET",
            "/v1/rooms",
            {"Authorization": "Bearer secret-token-123"},
            405,
            "method-not-allowed",
        ),
        ("PROPFIND", "/v1/health", {}, 405, "method-not-allowed"),
        ("TRACE", "/v1/hooks/zapier", {"X-Token": "secret-token-123"}, 405, "method-not-allowed"),
        ("PROPFIND", "/v1/nope", {}, 404, "not-found"),
        ("POST", "/v1/hooks/zapier", {"Content-Type": "text/xml"}, 415, "unsupported-media-type"),
        ("POST", "/v1/hooks/zapier", {"Content-Type": ""}, 415, "unsupported-media-type"),
    ],
)
def test_every_answer_is_in_the_contract_shape(  # noqa: PLR0917 - one parametrized row
    local_stack: RunningStack,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    answer = requests.request(method, f"{local_stack.api_url}{path}", headers=headers, timeout=10)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error and isinstance(body["info"], str)
    assert "secret-token-123" not in answer.text
    if status == 405:
        assert answer.headers["Allow"] == ALLOWED[path]


ALLOWED = {
    "/v1/health": "GET",
    "/v1/hooks/zapier": "POST",
    "/v1/join/abc": "GET",
    "/v1/rooms": "POST, OPTIONS",
}


def test_health_ignores_a_content_type(local_stack: RunningStack) -> None:
    answer = requests.get(
        f"{local_stack.api_url}/v1/health", headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_openapi_document_is_served(local_stack: RunningStack) -> None:
    answer = requests.get(f"{local_stack.api_url}/v1/openapi.json", timeout=10)
    assert answer.status_code == 200 and answer.json()["openapi"].startswith("3.1")


def test_calcom_ping_is_ignored_with_200(local_stack: RunningStack) -> None:
    body = json.dumps({"triggerEvent": "PING", "createdAt": "2026-11-23T10:00:00Z", "payload": {}})
    headers = signed_headers("calcom", body.encode(), local_stack.secret["hooks"])
    answer = requests.post(
        f"{local_stack.api_url}/v1/hooks/calcom", data=body, headers=headers, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "ignored"


def test_application_ics_with_parameters_is_read(local_stack: RunningStack) -> None:
    body = fixture("ical", "google_request_lf_tab")
    headers = signed_headers("ical", body, local_stack.secret["hooks"])
    headers["Content-Type"] = 'application/ics; name="invite.ics"'
    answer = requests.post(
        f"{local_stack.api_url}/v1/hooks/ical", data=body, headers=headers, timeout=10
    )
    assert answer.status_code == 200, answer.text


def test_links_with_the_development_jwt(local_stack: RunningStack) -> None:
    made = _zap(local_stack, f"http-links-{uuid.uuid4().hex[:8]}")
    answer = requests.post(
        f"{local_stack.api_url}/v1/links",
        json={"booking_id": made["booking_id"], "role": "host"},
        headers=_jwt(local_stack),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["join_url"].startswith(made["room_url"] + "?t=")
    refused = requests.post(
        f"{local_stack.api_url}/v1/links",
        json={"booking_id": made["booking_id"], "role": "host"},
        headers={"Authorization": "Bearer a.b.c"},
        timeout=10,
    )
    assert refused.status_code == 401 and refused.json()["error"] == "authentication-error"


def test_sixteen_concurrent_first_uses_of_one_idempotency_key_make_one_room(
    local_stack: RunningStack,
) -> None:
    key = f"burst-{uuid.uuid4().hex}"
    barrier = threading.Barrier(16)

    def one(_: int) -> dict[str, Any]:
        barrier.wait()
        answer = requests.post(
            f"{local_stack.api_url}/v1/rooms",
            json={"minutes": 15},
            headers={**_jwt(local_stack), "Idempotency-Key": key},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(16)))
    assert len({json.dumps(a, sort_keys=True) for a in answers}) == 1
    room = requests.get(
        f"{local_stack.daily_api_url}/rooms/{answers[0]['room_name']}",
        headers={"Authorization": f"Bearer {local_stack.daily_api_key}"},
        timeout=10,
    )
    assert room.status_code == 200
    conflict = requests.post(
        f"{local_stack.api_url}/v1/rooms",
        json={"minutes": 16},
        headers={**_jwt(local_stack), "Idempotency-Key": key},
        timeout=30,
    )
    assert conflict.status_code == 409


def test_make_reconcile_prints_its_summary_as_the_last_line(local_stack: RunningStack) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local.reconcile"],
        cwd=PROJECT_DIR,
        env={"LOCAL_STATE_DIR": str(local_stack.state_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(summary) == {
        "created",
        "moved",
        "deleted",
        "orphans_deleted",
        "failed",
        "remaining",
        "complete",
    }
