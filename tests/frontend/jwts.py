"""Minting test JWTs the way a frontend's identity provider would."""

from __future__ import annotations

import time
from typing import Any

import jwt

HS_SECRET = "links-secret-at-least-32-bytes-long-0123"  # the harness secret's links.jwt_secret
ORIGIN = "https://app.example.test"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": "idp",
        "aud": "roomlinks",
        "sub": "user-ann",
        "email": "ann@example.com",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def hs256(secret: str = HS_SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
