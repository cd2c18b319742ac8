"""POST /v1/links (contract §2.3) through the routes: who gets which link, and every refusal."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest

from chalicelib.daily import decode_meeting_token
from tests.frontend.jwts import HS_SECRET, ORIGIN, bearer, hs256
from tests.plugins.service_harness import Harness, zap


def booking(harness: Harness, event_id: str = "links-1", **fields: Any) -> dict[str, Any]:
    answer = harness.post("zapier", zap(event_id, **fields))
    assert answer.status_code == 200, answer.body
    return dict(answer.json_body)


def ask(harness: Harness, token: str, **body: Any) -> Any:
    return harness.client.http.post("/v1/links", headers=bearer(token), body=json.dumps(body))


def claims_of(harness: Harness, join_url: str) -> dict[str, Any]:
    return decode_meeting_token(
        join_url.split("?t=", 1)[1], api_key=harness.secret["daily_api_key"]
    )


def test_guest_link_for_an_attendee_is_self_signed_with_their_identity(harness: Harness) -> None:
    made = booking(harness)
    calls = harness.daily_calls()
    answer = ask(harness, hs256(), booking_id=made["booking_id"], role="guest")
    assert answer.status_code == 200, answer.body
    body = answer.json_body
    assert set(body) == {
        "join_url",
        "token",
        "room_url",
        "room_name",
        "nbf",
        "exp",
        "booking_id",
        "role",
    }
    assert body["join_url"] == f"{made['room_url']}?t={body['token']}"
    assert (body["nbf"], body["exp"], body["role"]) == (made["nbf"], made["exp"], "guest")
    token = claims_of(harness, body["join_url"])
    assert token["u"] == "Ann" and "o" not in token
    assert token["nbf"] == made["nbf"] and token["exp"] <= made["exp"]
    assert not {"ejt", "eje"} & set(token)
    assert harness.daily_calls() == calls  # zero Daily calls


def test_email_matches_case_insensitively_and_user_name_overrides(harness: Harness) -> None:
    made = booking(harness)
    token = hs256(email="ANN@example.COM")
    answer = ask(harness, token, booking_id=made["booking_id"], role="guest", user_name="Ann L.")
    assert answer.status_code == 200, answer.body
    assert claims_of(harness, answer.json_body["join_url"])["u"] == "Ann L."


def test_host_link_for_the_organizer_carries_owner(harness: Harness) -> None:
    made = booking(harness)
    answer = ask(
        harness, hs256(email="olivia@example.com"), booking_id=made["booking_id"], role="host"
    )
    assert answer.status_code == 200, answer.body
    assert claims_of(harness, answer.json_body["join_url"])["o"] is True


def test_guest_asking_for_host_and_non_attendee_are_403(harness: Harness) -> None:
    made = booking(harness)
    host = ask(harness, hs256(), booking_id=made["booking_id"], role="host")
    stranger = ask(
        harness, hs256(email="eve@example.com"), booking_id=made["booking_id"], role="guest"
    )
    for answer in (host, stranger):
        assert answer.status_code == 403
        assert answer.json_body["error"] == "forbidden-error"


def test_admin_scope_may_ask_for_either(harness: Harness) -> None:
    made = booking(harness)
    admin = hs256(email="support@example.com", scope="links:admin rooms:create")
    for role in ("guest", "host"):
        assert ask(harness, admin, booking_id=made["booking_id"], role=role).status_code == 200


def test_unknown_is_404_and_cancelled_is_410(harness: Harness) -> None:
    made = booking(harness)
    assert ask(harness, hs256(), booking_id="zapier:nope", role="guest").status_code == 404
    harness.post("zapier", {"id": "links-1", "status": "cancelled"})
    gone = ask(harness, hs256(), booking_id=made["booking_id"], role="guest")
    assert gone.status_code == 410 and gone.json_body["error"] == "gone"


def test_rotated_secrets_both_verify(harness: Harness) -> None:
    made = booking(harness)
    secret = dict(harness.secret)
    secret["links"] = dict(
        secret["links"], jwt_secret=["new-links-secret-0123456789abcdefghij", HS_SECRET]
    )
    harness.secretsmanager.put_secret_value(
        SecretId="roomlinks/test", SecretString=json.dumps(secret)
    )
    harness.runtime.secrets.refresh()
    for key in ("new-links-secret-0123456789abcdefghij", HS_SECRET):
        assert (
            ask(harness, hs256(secret=key), booking_id=made["booking_id"], role="guest").status_code
            == 200
        )


@pytest.mark.parametrize(
    ("name", "token"),
    [
        ("expired", lambda: hs256(exp=int(time.time()) - 3600)),
        ("future nbf", lambda: hs256(nbf=int(time.time()) + 3600)),
        ("wrong aud", lambda: hs256(aud="someone-else")),
        ("wrong iss", lambda: hs256(iss="evil")),
        ("no exp", lambda: hs256(exp=None)),
        ("no aud", lambda: hs256(aud=None)),
        ("wrong key", lambda: hs256(secret="another-secret-0123456789abcdefghijk")),
        (
            "alg none",
            lambda: jwt.encode(
                {"sub": "x", "iss": "idp", "aud": "roomlinks"}, None, algorithm="none"
            ),
        ),
        ("HS512", lambda: jwt.encode({"sub": "x"}, HS_SECRET, algorithm="HS512")),
    ],
)
def test_tokens_that_do_not_verify_are_401_without_saying_why(
    harness: Harness, name: str, token: Any
) -> None:
    made = booking(harness)
    presented = token()
    answer = ask(harness, presented, booking_id=made["booking_id"], role="guest")
    assert answer.status_code == 401, name
    assert answer.json_body == {
        "error": "authentication-error",
        "info": "the token does not verify",
    }
    assert presented not in answer.body.decode()


@pytest.mark.parametrize("value", [None, "", "Basic abc", "Bearer", "Bearer not-a-jwt"])
def test_missing_or_malformed_header_is_400(harness: Harness, value: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if value is not None:
        headers["Authorization"] = value
    answer = harness.client.http.post("/v1/links", headers=headers, body="{}")
    assert answer.status_code == 400
    assert answer.json_body["error"] == "authorization-header-error"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{", "json-parsing-error"),
        ('{"booking_id": "x"}', "invalid-request-error"),
        ('{"booking_id": "x", "role": "boss"}', "invalid-request-error"),
        ("[]", "invalid-request-error"),
    ],
)
def test_bad_bodies_are_400(harness: Harness, body: str, error: str) -> None:
    answer = harness.client.http.post("/v1/links", headers=bearer(hs256()), body=body)
    assert answer.status_code == 400 and answer.json_body["error"] == error


def test_other_content_types_are_415_in_the_contract_shape(harness: Harness) -> None:
    headers = dict(bearer(hs256()), **{"Content-Type": "text/xml"})
    answer = harness.client.http.post("/v1/links", headers=headers, body="<x/>")
    assert answer.status_code == 415
    assert answer.json_body["error"] == "unsupported-media-type"


def test_cors_for_listed_origins_only(harness: Harness) -> None:
    made = booking(harness)
    preflight = harness.client.http.request(
        "OPTIONS", "/v1/links", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Vary"] == "Origin"
    headers = dict(bearer(hs256()), Origin=ORIGIN)
    body = json.dumps({"booking_id": made["booking_id"], "role": "guest"})
    answer = harness.client.http.post("/v1/links", headers=headers, body=body)
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    refused = harness.client.http.post(
        "/v1/links", headers=dict(headers, Authorization="Bearer x.y.z"), body=body
    )
    assert refused.status_code == 401 and refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = harness.client.http.post(
        "/v1/links", headers=dict(headers, Origin="https://evil.test"), body=body
    )
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "*" not in json.dumps(dict(answer.headers))


def test_no_cors_on_hook_routes(harness: Harness) -> None:
    answer = harness.client.http.post(
        "/v1/hooks/zapier",
        headers={
            "Origin": ORIGIN,
            "Authorization": "Bearer zapier-token",
            "Content-Type": "application/json",
        },
        body=json.dumps(zap("cors-hook")),
    )
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers


def test_a_token_without_nbf_verifies_as_the_contract_lists_only_exp_iss_aud(
    harness: Harness,
) -> None:
    made = booking(harness)
    answer = ask(harness, hs256(nbf=None, iat=None), booking_id=made["booking_id"], role="guest")
    assert answer.status_code == 200, answer.body
