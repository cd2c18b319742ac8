"""Seeded fuzz over every route: no 5xx, the contract's shape, no secret echoed, and nothing at
Daily for a request that is refused (issue 12)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.errors import RoomlinksError
from tests.frontend.jwts import bearer, hs256
from tests.plugins.service_harness import Harness, zap
from tests.sources.signing import signed_headers

# Every error type of the contract's table: one exception class each in chalicelib.errors.
ERRORS = {cls.error for cls in RoomlinksError.__subclasses__()} - {"server-error"}
SOURCES = ["zapier", "google", "graph", "ical", "calcom", "calendly", "generic"]
CONTENT_TYPES = [
    "application/json",
    "text/calendar",
    "application/x-www-form-urlencoded",
    "text/xml",
    "",
    'application/ics; name="x.ics"',
    "multipart/form-data",
]
ECHO = "Bearer echo-me-0123456789"
FIELDS = [
    *zap(),
    "sequence",
    "updated",
    "timezone",
    "rrule",
    "status",
    "privacy",
    "early_join_minutes",
    "grace_minutes",
    "start__dateTime",
    "event_id",
]

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "9999-12-31T22:00:00-05:00",
            "0001-01-01T00:00:00+05:00",
            "America",
            "/etc/localtime",
            "2027-01-01",
            "FREQ=SECONDLY",
            "P3000000D",
        ]
    ),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def secrets_of(harness: Harness) -> list[str]:
    secret = harness.secret
    values = [secret["daily_api_key"], secret["signing_key"], secret["links"]["jwt_secret"]]
    for hook in secret["hooks"].values():
        values.extend(hook if isinstance(hook, list) else [hook])
    return values


def check(harness: Harness, answer: Any, rooms_before: int, sent_token: str | None) -> None:
    text = (
        answer.body.decode("utf-8", "replace")
        if isinstance(answer.body, bytes)
        else str(answer.body)
    )
    assert answer.status_code < 500, text[:300]
    for value in secrets_of(harness):
        assert value not in text
    if sent_token:
        assert sent_token not in text
    if answer.status_code >= 400:
        body = json.loads(text)
        assert body["error"] in ERRORS and isinstance(body["info"], str), text[:300]
        assert len(harness.emulator.rooms_snapshot()) == rooms_before


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    source=st.sampled_from(SOURCES),
    field=st.text(min_size=1, max_size=12),
    value=json_value,
    content_type=st.sampled_from(CONTENT_TYPES),
    sign=st.booleans(),
)
def test_hooks_mutated_field_by_field(  # noqa: PLR0917 - hypothesis passes them by name
    harness: Harness, source: str, field: str, value: Any, content_type: str, sign: bool
) -> None:
    payload = zap(f"fuzz-{abs(hash((field, repr(value)))) % 10**8}")
    payload[field] = value
    raw = json.dumps(payload, allow_nan=True).encode()
    headers = (
        signed_headers(source, raw, harness.secret["hooks"]) if sign else {"Authorization": ECHO}
    )
    headers["Content-Type"] = content_type
    before = len(harness.emulator.rooms_snapshot())
    answer = harness.client.http.post(f"/v1/hooks/{source}", headers=headers, body=raw)
    check(harness, answer, before, None if sign else "echo-me-0123456789")


@FUZZ
@given(
    raw=st.binary(max_size=300),
    source=st.sampled_from(SOURCES),
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_hooks_arbitrary_signed_bytes(
    harness: Harness, raw: bytes, source: str, content_type: str
) -> None:
    headers = signed_headers(source, raw, harness.secret["hooks"])
    headers["Content-Type"] = content_type
    before = len(harness.emulator.rooms_snapshot())
    check(
        harness,
        harness.client.http.post(f"/v1/hooks/{source}", headers=headers, body=raw),
        before,
        None,
    )


@FUZZ
@given(
    route=st.sampled_from(["/v1/links", "/v1/rooms"]),
    body=json_value,
    token=st.sampled_from(["admin", "plain", "garbage", "none"]),
    method=st.sampled_from(["POST", "PUT", "GET", "DELETE", "PATCH"]),
)
def test_frontend_routes(harness: Harness, route: str, body: Any, token: str, method: str) -> None:
    tokens = {
        "admin": hs256(scope="links:admin rooms:create"),
        "plain": hs256(),
        "garbage": "x.y.z",
        "none": "",
    }
    headers = bearer(tokens[token]) if tokens[token] else {"Content-Type": "application/json"}
    before = len(harness.emulator.rooms_snapshot())
    answer = harness.client.http.request(
        method, route, headers=headers, body=json.dumps(body, allow_nan=True)
    )
    check(harness, answer, before if answer.status_code >= 400 else -1, tokens[token] or None)


@FUZZ
@given(ref=st.text(max_size=50), method=st.sampled_from(["GET", "POST", "DELETE"]))
def test_invite_and_other_paths(harness: Harness, ref: str, method: str) -> None:
    # Known routes only: unknown paths are the gateway's (tested over HTTP against make run).
    safe = "".join(ch for ch in ref if ch.isalnum() or ch in "-_") or "x"
    path = "/v1/join/" + safe
    before = len(harness.emulator.rooms_snapshot())
    for route in (path, "/v1/health", "/v1/openapi.json", f"/v1/rooms/adhoc:{safe[:10]}"):
        answer = harness.client.http.request(method, route, headers={"Authorization": ECHO})
        check(harness, answer, before, "echo-me-0123456789")
