"""The local development secret (contract §3): generate a fresh one or load LOCAL_SECRET_FILE.

Values are random per launch so nothing guessable ever works against a local stack, and the
shape is validated up front so a bad seed file fails before any process starts.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any

from chalicelib.secrets import secret_problems
from chalicelib.sources import SOURCES

HOOKS = tuple(SOURCES)
LINKS_ISSUER = "roomlinks-local"
LINKS_AUDIENCE = "roomlinks"

Secret = dict[str, Any]


class SecretShapeError(ValueError):
    """LOCAL_SECRET_FILE is missing, unreadable or not shaped like contract §3."""


def new_daily_api_key() -> str:
    """A random key for the local Daily emulator."""
    return secrets.token_urlsafe(24)


def generate_secret(daily_api_key: str) -> Secret:
    """A fresh development secret with random values for every credential."""
    hooks: dict[str, str] = {name: secrets.token_urlsafe(32) for name in HOOKS}
    # Standard Webhooks secrets are "whsec_" + base64 of the raw key bytes.
    hooks["generic"] = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")
    return {
        "daily_api_key": daily_api_key,
        "hooks": hooks,
        "links": {
            "jwt_secret": secrets.token_urlsafe(32),
            "issuer": LINKS_ISSUER,
            "audience": LINKS_AUDIENCE,
            "jwks_url": None,
            "allowed_origins": [],
        },
        "signing_key": secrets.token_urlsafe(32),
    }


def shape_problems(secret: object, *, require_daily_api_key: bool = True) -> list[str]:
    """Everything wrong with `secret` against contract §3, by the service's own schema."""
    if isinstance(secret, dict) and not require_daily_api_key:
        # LOCAL_SECRET_FILE may leave the key out: the launcher fills in the emulator's.
        secret = {"daily_api_key": "filled-in-later"} | secret
    return secret_problems(secret)


def load_secret_file(path: Path) -> Secret:
    """Read and validate LOCAL_SECRET_FILE; daily_api_key may be absent (filled in later)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretShapeError(f"cannot read LOCAL_SECRET_FILE {path}: {exc.strerror}") from exc
    try:
        secret = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SecretShapeError(f"LOCAL_SECRET_FILE {path} is not JSON: {exc}") from exc
    problems = shape_problems(secret, require_daily_api_key=False)
    if problems:
        raise SecretShapeError(
            f"LOCAL_SECRET_FILE {path} does not match the secret shape (contract §3): "
            + "; ".join(problems)
        )
    loaded: Secret = secret
    return loaded


def first(value: object) -> str:
    """The current credential of a hook value that may be a rotation list."""
    if isinstance(value, list):
        return str(value[0])
    return str(value)
