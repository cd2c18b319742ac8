"""Proof of origin for each inbound source, checked on the raw bytes before any parsing.

Every comparison is constant-time and every configured secret is tried, so secrets rotate
without downtime. A missing or malformed header is a 400 ``authorization-header-error``; a
credential or signature that does not verify, or a stale timestamp, is a 401.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from chalicelib.errors import AuthenticationError, AuthorizationHeaderError

TIMESTAMP_TOLERANCE_SECONDS = 300

Headers = Mapping[str, str]
Verifier = Callable[[Headers, bytes, Sequence[str], float], None]


def _header(headers: Headers, name: str) -> str | None:
    # Chalice's headers are case-insensitive; plain dicts in tests may not be.
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value.strip() if value is not None else None


def _require(headers: Headers, name: str) -> str:
    value = _header(headers, name)
    if not value:
        raise AuthorizationHeaderError(f"the {name} header is missing")
    return value


def _no_secret() -> AuthenticationError:
    return AuthenticationError("this source has no secret configured")


def _check_timestamp(raw: str, now: float, header: str) -> int:
    try:
        stamp = int(raw)
    except ValueError:
        raise AuthorizationHeaderError(f"the {header} timestamp is malformed") from None
    if abs(now - stamp) > TIMESTAMP_TOLERANCE_SECONDS:
        raise AuthenticationError("the signature timestamp is outside the allowed ±300 s")
    return stamp


def _hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def verify_bearer(headers: Headers, body: bytes, secrets: Sequence[str], now: float) -> None:
    """``Authorization: Bearer <token>`` (Zapier, Google, Graph and iCal forwarders)."""
    del body, now  # a shared token signs nothing
    value = _require(headers, "Authorization")
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthorizationHeaderError("the Authorization header must be 'Bearer <token>'")
    if not secrets:
        raise _no_secret()
    presented = token.encode()
    if not any(hmac.compare_digest(presented, s.encode()) for s in secrets):
        raise AuthenticationError("the bearer token does not verify")


def verify_standard_webhooks(
    headers: Headers, body: bytes, secrets: Sequence[str], now: float
) -> None:
    """Standard Webhooks, signed by the specification's reference library (``standardwebhooks``).

    Headers, the ±300 s window, several ``v1,`` signatures per header and rotated secrets are
    checked here (the reference reads the wall clock itself and raises on malformed input);
    the signature is computed by the reference's own ``Webhook.sign``.
    """
    from standardwebhooks.webhooks import Webhook  # noqa: PLC0415 - only this source needs it

    msg_id = _require(headers, "webhook-id")
    stamp = _require(headers, "webhook-timestamp")
    signatures = _require(headers, "webhook-signature")
    seconds = _check_timestamp(stamp, now, "webhook-timestamp")
    presented = []
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and signature:
            presented.append(signature.encode())
    if not presented:
        raise AuthorizationHeaderError("the webhook-signature header has no v1 signature")
    if not secrets:
        raise _no_secret()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise AuthenticationError("the webhook signature does not verify") from None
    signed_at = datetime.fromtimestamp(seconds, UTC)
    for secret in secrets:
        try:
            webhook = Webhook(secret)
        except (ValueError, binascii.Error, RuntimeError):
            continue  # a malformed rotated secret must not block the others
        expected = webhook.sign(msg_id=msg_id, timestamp=signed_at, data=text).split(",", 1)[1]
        if any(hmac.compare_digest(expected.encode(), p) for p in presented):
            return
    raise AuthenticationError("the webhook signature does not verify")


def verify_calcom(headers: Headers, body: bytes, secrets: Sequence[str], now: float) -> None:
    """Cal.com: ``X-Cal-Signature-256`` = lower-case hex HMAC-SHA256 of the raw body."""
    del now  # Cal.com signs no timestamp
    presented = _require(headers, "X-Cal-Signature-256").lower()
    if not secrets:
        raise _no_secret()
    # Cal.com sends the literal "no-secret-provided" when its webhook has no secret.
    for secret in secrets:
        expected = _hmac_sha256(secret.encode(), body).hex()
        if hmac.compare_digest(expected.encode(), presented.encode()):
            return
    raise AuthenticationError("the Cal.com signature does not verify")


def verify_calendly(headers: Headers, body: bytes, secrets: Sequence[str], now: float) -> None:
    """Calendly: ``t=<unix>,v1=<hex>`` with HMAC-SHA256 over ``"<t>.<raw body>"``, ±300 s."""
    value = _require(headers, "Calendly-Webhook-Signature")
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        key, sep, content = item.strip().partition("=")
        if sep and content:
            parts.setdefault(key, []).append(content.lower())
    if "t" not in parts or "v1" not in parts:
        raise AuthorizationHeaderError("the Calendly-Webhook-Signature header is malformed")
    stamp = parts["t"][0]
    _check_timestamp(stamp, now, "Calendly-Webhook-Signature")
    if not secrets:
        raise _no_secret()
    signed = f"{stamp}.".encode() + body
    for secret in secrets:
        expected = _hmac_sha256(secret.encode(), signed).hex().encode()
        if any(hmac.compare_digest(expected, p.encode()) for p in parts["v1"]):
            return
    raise AuthenticationError("the Calendly signature does not verify")
