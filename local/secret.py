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

HOOKS = ("zapier", "google", "graph", "ical", "calcom", "calendly", "generic")
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
        },
        "signing_key": secrets.token_urlsafe(32),
    }


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _hook_value_ok(value: object) -> bool:
    """A hook credential is a string, or a non-empty list of strings (rotation)."""
    if isinstance(value, list):
        return bool(value) and all(_nonempty_str(item) for item in value)
    return _nonempty_str(value)


def shape_problems(secret: object, *, require_daily_api_key: bool = True) -> list[str]:
    """Everything wrong with `secret` against contract §3 (empty list when it is fine)."""
    if not isinstance(secret, dict):
        return ["the secret must be a JSON object"]
    problems: list[str] = []
    wants_key = "daily_api_key" in secret or require_daily_api_key
    if wants_key and not _nonempty_str(secret.get("daily_api_key")):
        problems.append("daily_api_key must be a non-empty string")
    hooks = secret.get("hooks")
    if not isinstance(hooks, dict):
        problems.append("hooks must be an object")
    else:
        for name in HOOKS:
            if name not in hooks:
                problems.append(f"hooks.{name} is missing")
            elif not _hook_value_ok(hooks[name]):
                problems.append(f"hooks.{name} must be a string or a list of strings")
    links = secret.get("links")
    if not isinstance(links, dict):
        problems.append("links must be an object")
    else:
        for name in ("issuer", "audience"):
            if not _nonempty_str(links.get(name)):
                problems.append(f"links.{name} must be a non-empty string")
        jwt_secret, jwks_url = links.get("jwt_secret"), links.get("jwks_url")
        if jwt_secret is not None and not _nonempty_str(jwt_secret):
            problems.append("links.jwt_secret must be a string or null")
        if jwks_url is not None and not _nonempty_str(jwks_url):
            problems.append("links.jwks_url must be a string or null")
        if not _nonempty_str(jwt_secret) and not _nonempty_str(jwks_url):
            problems.append("links needs a jwt_secret or a jwks_url")
    if not _nonempty_str(secret.get("signing_key")):
        problems.append("signing_key must be a non-empty string")
    return problems


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
