"""Frontend callers over real HTTP against a `make run` stack whose secret also names a JWKS:
HS256 and RS256 tokens, every refusal, ad-hoc rooms ended by their creator only."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.integration.test_core_path_http import Api, unique, zap
from tests.plugins.local_stack import RunningStack, launched_stack

HS = "http-links-secret-0123456789abcdefghijklmnop"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS = {"keys": [json.loads(RSAAlgorithm.to_jwk(KEY.public_key())) | {"kid": "k1", "alg": "RS256"}]}


class _Jwks(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(JWKS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("callers")
    secret = {
        "hooks": {"zapier": "http-zapier-token-0123456789"},
        "links": {
            "jwt_secret": HS,
            "jwks_url": f"http://127.0.0.1:{server.server_address[1]}/jwks.json",
            "issuer": "idp",
            "audience": "roomlinks",
            "allowed_origins": ["https://app.example.test"],
        },
        "signing_key": "http-signing-key-0123456789",
    }
    path = Path(folder / "secret.json")
    path.write_text(json.dumps(secret))
    env = {"LOCAL_SECRET_FILE": str(path), "RECONCILE_EVERY": "0"}
    try:
        with launched_stack(folder / "state", env) as running:
            yield running
    finally:
        server.shutdown()


def token(key: Any = HS, algorithm: str = "HS256", **claims: Any) -> str:
    now = int(time.time())
    values = {
        "iss": "idp",
        "aud": "roomlinks",
        "sub": "user-ann",
        "email": "ann@example.com",
        "nbf": now,
        "exp": now + 600,
        "scope": "rooms:create",
    } | claims
    headers = {"kid": "k1"} if algorithm == "RS256" else None
    return jwt.encode({k: v for k, v in values.items() if v is not None}, key, algorithm, headers)


def ask(
    stack: RunningStack, bearer: str, booking_id: str, role: str = "guest"
) -> requests.Response:
    return requests.post(
        f"{stack.api_url}/v1/links",
        json={"booking_id": booking_id, "role": role},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=10,
    )


def booking(stack: RunningStack) -> dict[str, Any]:
    return dict(Api(stack).zapier(zap(unique("callers"))).json())


def test_hs256_and_rs256_from_the_jwks(stack: RunningStack) -> None:
    made = booking(stack)
    assert ask(stack, token(), made["booking_id"]).status_code == 200
    assert ask(stack, token(KEY, "RS256"), made["booking_id"]).status_code == 200


@pytest.mark.parametrize(
    ("name", "bearer", "status"),
    [
        ("expired", lambda: token(exp=int(time.time()) - 3600), 401),
        ("not yet valid", lambda: token(nbf=int(time.time()) + 3600), 401),
        ("wrong audience", lambda: token(aud="other"), 401),
        ("wrong issuer", lambda: token(iss="evil"), 401),
        ("alg none", lambda: jwt.encode({"sub": "x"}, None, "none"), 401),
        (
            "HS256 signed with the RSA public key",
            lambda: token(RSAAlgorithm.to_jwk(KEY.public_key()) + "x" * 40),
            401,
        ),
        ("guest asking for host", token, 403),
        ("not an attendee", lambda: token(email="eve@example.com"), 403),
    ],
)
def test_refusals(stack: RunningStack, name: str, bearer: Any, status: int) -> None:
    made = booking(stack)
    role = "host" if name == "guest asking for host" else "guest"
    answer = ask(stack, bearer(), made["booking_id"], role)
    assert answer.status_code == status, (name, answer.text)
    assert answer.json()["error"] in {"authentication-error", "forbidden-error"}


def test_unknown_is_404_and_cancelled_is_410(stack: RunningStack) -> None:
    assert ask(stack, token(), "zapier:nope").status_code == 404
    made = booking(stack)
    Api(stack).zapier({"id": made["event_id"], "status": "cancelled"})
    assert ask(stack, token(), made["booking_id"]).status_code == 410


def test_an_adhoc_room_is_ended_by_its_creator_only(stack: RunningStack) -> None:
    created = requests.post(
        f"{stack.api_url}/v1/rooms",
        json={"minutes": 15},
        headers={"Authorization": f"Bearer {token()}"},
        timeout=30,
    ).json()
    path = f"{stack.api_url}/v1/rooms/{created['booking_id']}"
    other = requests.delete(
        path, headers={"Authorization": f"Bearer {token(sub='someone-else')}"}, timeout=10
    )
    assert other.status_code == 403
    ended = requests.delete(path, headers={"Authorization": f"Bearer {token()}"}, timeout=30)
    assert ended.status_code == 200 and ended.json()["status"] == "cancelled"
