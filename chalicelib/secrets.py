"""The service's one secret (contract §3): its schema, and a per-container cache with a TTL.

``AppSecret`` is the only definition of the secret's shape: the service validates what
Secrets Manager returns with it, and the local launcher validates ``LOCAL_SECRET_FILE`` with
it (``secret_problems``), so both refuse the same secrets with messages naming each field.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chalicelib.errors import UpstreamUnavailableError
from chalicelib.sources import SOURCES

log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 300.0
MIN_JWT_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key is at least as long as the hash


def _as_tuple(value: Any) -> Any:
    """A credential may be one string or a list of them, so secrets rotate without downtime."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


Credentials = Annotated[tuple[Annotated[str, Field(min_length=1)], ...], BeforeValidator(_as_tuple)]


class LinksConfig(BaseModel):
    """How frontends' JWTs are checked (contract §2.3) and which origins get CORS answers."""

    model_config = ConfigDict(frozen=True)

    jwt_secret: Credentials = ()
    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    jwks_url: str | None = Field(default=None, min_length=1)
    allowed_origins: tuple[str, ...] = ()

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(len(value.encode()) < MIN_JWT_SECRET_BYTES for value in values):
            raise ValueError(f"every value must be at least {MIN_JWT_SECRET_BYTES} bytes")
        return values

    @model_validator(mode="after")
    def _one_key_source(self) -> LinksConfig:
        if not self.jwt_secret and not self.jwks_url:
            raise ValueError("links needs a jwt_secret or a jwks_url")
        return self


class AppSecret(BaseModel):
    model_config = ConfigDict(frozen=True)

    daily_api_key: str = Field(min_length=1)
    hooks: dict[str, Credentials] = Field(default_factory=dict)
    links: LinksConfig
    signing_key: str = Field(min_length=16)

    @field_validator("hooks")
    @classmethod
    def _known_sources(cls, hooks: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = sorted(set(hooks) - set(SOURCES))
        if unknown:
            raise ValueError(f"not a source: {', '.join(unknown)} (sources: {', '.join(SOURCES)})")
        return hooks

    def hook_secrets(self, source: str) -> tuple[str, ...]:
        return self.hooks.get(source, ())

    def __repr__(self) -> str:
        return "AppSecret(<redacted>)"

    __str__ = __repr__


def secret_problems(raw: object) -> list[str]:
    """Every field of ``raw`` that breaks the secret's shape, named (empty when it is fine)."""
    try:
        AppSecret.model_validate(raw)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(part) for part in error['loc']) or 'secret'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        ]
    return []


def parse_secret(text: str) -> AppSecret:
    """The secret from its JSON text; a malformed one is a 503 naming every bad field."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise UpstreamUnavailableError(
            "the service secret is not JSON", code="misconfigured"
        ) from None
    problems = secret_problems(raw)
    if problems:
        # Field names only, never values: the log tells the operator what to fix.
        log.error("the service secret is malformed: %s", "; ".join(problems))
        raise UpstreamUnavailableError(
            "the service secret is malformed; the service log names each bad field",
            code="misconfigured",
        )
    return AppSecret.model_validate(raw)


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
        self._value = parse_secret(self._reader(self._secret_id))
        self._read_at = self._clock()
