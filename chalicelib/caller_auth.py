"""Frontend callers (contract §2.3/§2.4): ``Authorization: Bearer <JWT>`` from their IdP.

HS256 with ``links.jwt_secret`` (every rotated value tried) or RS256/ES256 keys from
``links.jwks_url`` (PyJWT's ``PyJWKClient``: keys cached per container, an unknown ``kid``
refreshes the set once). ``exp``, ``iss``, ``aud`` and ``sub`` are required (contract §2.3);
``nbf`` is checked when present, since many IdPs leave it out. The algorithm
is pinned by the key's type, so an HS256 token can never be checked with a public key and
``none`` is never accepted. Answers never say which check failed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import (
    AuthenticationError,
    AuthorizationHeaderError,
    ForbiddenError,
    UpstreamUnavailableError,
)
from chalicelib.secrets import LinksConfig

if TYPE_CHECKING:
    from jwt import PyJWKClient

LEEWAY_SECONDS = 30
_ASYMMETRIC = ("RS256", "ES256")
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
# Keys are re-fetched at most this often; an unknown kid refreshes once (PyJWT's cooldown).
JWKS_LIFESPAN_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 3
# An unknown kid refreshes the set at most this often, so forged kids cannot flood the IdP.
JWKS_REFRESH_COOLDOWN_SECONDS = 30.0


@dataclass(frozen=True)
class Caller:
    """Who is asking: the JWT's ``sub``, its ``email`` and its OAuth-style scopes."""

    subject: str
    email: str | None
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ForbiddenError(f"this token lacks the {scope} scope")


_jwks_lock = threading.Lock()
_jwks_clients: dict[str, PyJWKClient] = {}


def _jwks_client(url: str) -> PyJWKClient:
    from jwt import PyJWKClient  # noqa: PLC0415 - only deployments with a JWKS pay for it

    with _jwks_lock:
        client = _jwks_clients.get(url)
        if client is None:
            client = _jwks_clients[url] = PyJWKClient(
                url,
                lifespan=JWKS_LIFESPAN_SECONDS,
                timeout=JWKS_TIMEOUT_SECONDS,
                cooldown_duration=JWKS_REFRESH_COOLDOWN_SECONDS,
            )
        return client


def bearer_token(headers: Any) -> str:
    value: str | None = headers.get("authorization")
    if not value or not value.strip():
        raise AuthorizationHeaderError("the Authorization header is missing")
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or token.count(".") != 2:
        raise AuthorizationHeaderError("the Authorization header must be 'Bearer <JWT>'")
    return token


def authenticate(headers: Any, links: LinksConfig, now: float) -> Caller:
    """The verified caller, or 400 (header) / 401 (anything that does not verify) / 503."""
    import jwt  # noqa: PLC0415 - webhook-only containers never load it

    token = bearer_token(headers)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthenticationError("the token does not verify") from None
    algorithm = header.get("alg")
    claims: dict[str, Any] | None = None
    if algorithm == "HS256" and links.jwt_secret:
        claims = _first_verifying(token, links, now)
    elif algorithm in _ASYMMETRIC and links.jwks_url:
        try:
            key = _jwks_client(links.jwks_url).get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise UpstreamUnavailableError(
                "the identity provider's keys cannot be fetched", retry_after=10
            ) from None
        except jwt.PyJWTError:
            raise AuthenticationError("the token does not verify") from None
        claims = _decode(token, key.key, algorithm, links, now)
    if claims is None:
        raise AuthenticationError("the token does not verify")
    subject, email, scope = claims.get("sub"), claims.get("email"), claims.get("scope", "")
    if not isinstance(subject, str) or not subject or not isinstance(scope, str):
        raise AuthenticationError("the token does not verify")
    return Caller(
        subject=subject,
        email=email if isinstance(email, str) and email else None,
        scopes=frozenset(scope.split()),
    )


def _first_verifying(token: str, links: LinksConfig, now: float) -> dict[str, Any] | None:
    for secret in links.jwt_secret:
        claims = _decode(token, secret, "HS256", links, now)
        if claims is not None:
            return claims
    return None


def _decode(
    token: str, key: Any, algorithm: str, links: LinksConfig, now: float
) -> dict[str, Any] | None:
    import jwt  # noqa: PLC0415

    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=links.audience,
            issuer=links.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        return None
    # PyJWT checks exp/nbf against the wall clock; the service's clock must agree too.
    if claims["exp"] + LEEWAY_SECONDS < now or claims.get("nbf", now) - LEEWAY_SECONDS > now:
        return None
    return claims
