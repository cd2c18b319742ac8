"""RS256/ES256 callers: keys from links.jwks_url, cached, unknown kid refreshed, outage 503."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from chalicelib import caller_auth
from tests.frontend.jwts import HS_SECRET, bearer, claims
from tests.plugins.service_harness import Harness, zap


class Jwks:
    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.up = True


@pytest.fixture
def jwks(harness: Harness) -> Iterator[tuple[Jwks, str]]:
    state = Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            if not state.up:
                self.send_response(500)
                self.end_headers()
                return
            body = json.dumps({"keys": state.keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    secret = dict(harness.secret)
    secret["links"] = dict(secret["links"], jwks_url=url)
    harness.secretsmanager.put_secret_value(
        SecretId="roomlinks/test", SecretString=json.dumps(secret)
    )
    harness.runtime.secrets.refresh()
    caller_auth._jwks_clients.clear()
    try:
        yield state, url
    finally:
        server.shutdown()
        caller_auth._jwks_clients.clear()


def _rsa(state: Jwks, kid: str) -> Any:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    state.keys.append(public | {"kid": kid, "alg": "RS256", "use": "sig"})
    return key


def _booking(harness: Harness) -> str:
    return str(harness.post("zapier", zap("jwks-1")).json_body["booking_id"])


def ask(harness: Harness, token: str, booking_id: str) -> Any:
    return harness.client.http.post(
        "/v1/links",
        headers=bearer(token),
        body=json.dumps({"booking_id": booking_id, "role": "guest"}),
    )


def test_rs256_from_the_jwks_verifies_and_keys_are_cached(
    harness: Harness, jwks: tuple[Jwks, str]
) -> None:
    state, _ = jwks
    key = _rsa(state, "k1")
    booking_id = _booking(harness)
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k1"})
    assert ask(harness, token, booking_id).status_code == 200
    assert ask(harness, token, booking_id).status_code == 200
    assert state.fetches == 1


def test_es256_verifies(harness: Harness, jwks: tuple[Jwks, str]) -> None:
    state, _ = jwks
    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    state.keys.append(public | {"kid": "e1", "alg": "ES256", "use": "sig"})
    token = jwt.encode(claims(), key, algorithm="ES256", headers={"kid": "e1"})
    assert ask(harness, token, _booking(harness)).status_code == 200


def test_unknown_kid_refreshes_once(
    harness: Harness, jwks: tuple[Jwks, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cooldown between refreshes (30 s) would outlast this test; the rule is the same.
    monkeypatch.setattr(caller_auth, "JWKS_REFRESH_COOLDOWN_SECONDS", 0.0)
    state, _ = jwks
    _rsa(state, "k1")
    booking_id = _booking(harness)
    first = jwt.encode(claims(), _rsa_unlisted(), algorithm="RS256", headers={"kid": "k1"})
    assert ask(harness, first, booking_id).status_code == 401
    rotated = _rsa(state, "k2")
    token = jwt.encode(claims(), rotated, algorithm="RS256", headers={"kid": "k2"})
    assert ask(harness, token, booking_id).status_code == 200
    assert state.fetches == 2


def _rsa_unlisted() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_hs256_signed_with_the_public_key_is_refused(
    harness: Harness, jwks: tuple[Jwks, str]
) -> None:
    state, _ = jwks
    key = _rsa(state, "k1")
    booking_id = _booking(harness)
    pem = RSAAlgorithm.to_jwk(key.public_key())
    forged = jwt.encode(claims(), pem + "x" * 32, algorithm="HS256", headers={"kid": "k1"})
    assert ask(harness, forged, booking_id).status_code == 401
    assert (
        ask(harness, jwt.encode(claims(), HS_SECRET, algorithm="HS256"), booking_id).status_code
        == 200
    )


def test_unreachable_jwks_is_503_not_500(harness: Harness, jwks: tuple[Jwks, str]) -> None:
    state, _ = jwks
    key = _rsa(state, "k1")
    booking_id = _booking(harness)
    state.up = False
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k1"})
    answer = ask(harness, token, booking_id)
    assert answer.status_code == 503, answer.body
    assert answer.json_body["error"] == "upstream-unavailable" and "Retry-After" in answer.headers
