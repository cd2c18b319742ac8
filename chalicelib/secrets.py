"""The service's one secret (contract §3), read lazily and cached per container with a TTL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.errors import UpstreamUnavailableError

CACHE_TTL_SECONDS = 300.0


class LinksConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    jwt_secret: str | None = None
    issuer: str | None = None
    audience: str | None = None
    jwks_url: str | None = None


class AppSecret(BaseModel):
    model_config = ConfigDict(frozen=True)

    daily_api_key: str = Field(min_length=1)
    hooks: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    links: LinksConfig = LinksConfig()
    signing_key: str = Field(min_length=16)

    @field_validator("hooks", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        # Any hook value may be a list so secrets rotate without downtime.
        if not isinstance(value, dict):
            return value
        return {
            name: (secret,) if isinstance(secret, str) else tuple(secret or ())
            for name, secret in value.items()
        }

    def hook_secrets(self, source: str) -> tuple[str, ...]:
        return tuple(s for s in self.hooks.get(source, ()) if s)

    def __repr__(self) -> str:
        return "AppSecret(<redacted>)"

    __str__ = __repr__


def _read_from_secrets_manager(secret_id: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from chalicelib.aws import secretsmanager  # noqa: PLC0415

    try:
        return secretsmanager().get_secret_value(SecretId=secret_id)["SecretString"]
    except (BotoCoreError, ClientError, KeyError) as exc:
        reason = type(exc).__name__
        raise UpstreamUnavailableError(
            f"the service secret could not be read ({reason})", code="secret-unavailable"
        ) from None


class SecretCache:
    """Caches the parsed secret; ``refresh()`` re-reads it at once (e.g. after a Daily 401)."""

    def __init__(
        self,
        secret_id: str,
        *,
        reader: Callable[[str], str] = _read_from_secrets_manager,
        ttl: float = CACHE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secret_id = secret_id
        self._reader = reader
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: AppSecret | None = None
        self._read_at = 0.0

    def get(self) -> AppSecret:
        with self._lock:
            if self._value is None or self._clock() - self._read_at >= self._ttl:
                self._load()
            assert self._value is not None
            return self._value

    def refresh(self) -> AppSecret:
        with self._lock:
            self._load()
            assert self._value is not None
            return self._value

    def _load(self) -> None:
        raw = self._reader(self._secret_id)
        try:
            self._value = AppSecret.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            raise UpstreamUnavailableError(
                "the service secret is malformed", code="misconfigured"
            ) from None
        self._read_at = self._clock()
