"""Transport-neutral request/response values and the parsing both planes share."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from local.daily_emulator.errors import ApiError


class ApiKey:
    """The domain's current API key, shared by the API, the control plane and the tokens.

    Rotating it (as on Daily's dashboard) makes the old key answer 401 and invalidates every
    token signed with it; the domain and its ``domain_id`` stay the same.
    """

    def __init__(self, value: str) -> None:
        self.value = value

    @property
    def value(self) -> str:
        """The key clients must present."""
        return self._value

    @value.setter
    def value(self, new: str) -> None:
        if not new:
            raise ValueError("api_key must not be empty")
        self._value = new

    def __repr__(self) -> str:
        """Never shows the key."""
        return "ApiKey(<hidden>)"


@dataclass(frozen=True)
class Request:
    """One HTTP request as the routers see it (``path`` excludes the query string)."""

    method: str
    path: str
    query: Mapping[str, str]
    authorization: str | None = field(repr=False)  # holds the API key
    body: bytes


@dataclass(frozen=True)
class Response:
    """A JSON answer; success is always 200 on Daily."""

    status: int
    body: object
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def ok(cls, body: object) -> Response:
        """A 200 answer."""
        return cls(200, body)

    @classmethod
    def failure(cls, error: ApiError) -> Response:
        """An error answer in Daily's ``{"error", "info"}`` shape."""
        return cls(error.status, error.body(), error.headers)


def authenticate(authorization: str | None, api_key: ApiKey) -> None:
    """Daily: missing/malformed header → 400, wrong key → 401 with no ``info``."""
    if authorization is None:
        raise ApiError(400, "authorization-header-error", "Authorization header is missing")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ApiError(
            400,
            "authorization-header-error",
            "Authorization header should be 'Bearer <API key>'",
        )
    if not hmac.compare_digest(token.encode("utf-8"), api_key.value.encode("utf-8")):
        raise ApiError(401, "authentication-error", None)


def json_object(body: bytes) -> dict[str, object]:
    """Parse a request body; empty means ``{}`` because every body field is optional."""
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "json-parsing-error", "request body is not valid JSON") from exc
    if not isinstance(parsed, dict):
        raise ApiError(400, "invalid-request-error", "request body should be a JSON object")
    return parsed
