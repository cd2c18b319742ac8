from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from chalicelib.errors import AuthenticationError, AuthorizationHeaderError
from chalicelib.webhook_auth import verify_bearer, verify_calcom, verify_calendly

BODY = b'{"triggerEvent":"BOOKING_CREATED"}'
NOW = time.time()


def test_bearer_any_rotated_secret() -> None:
    verify_bearer({"authorization": "Bearer two"}, b"", ["one", "two"], NOW)
    with pytest.raises(AuthenticationError):
        verify_bearer({"Authorization": "Bearer three"}, b"", ["one", "two"], NOW)
    with pytest.raises(AuthenticationError):
        verify_bearer({"Authorization": "Bearer one"}, b"", [], NOW)


def test_calcom_hex_hmac_of_raw_body() -> None:
    signature = hmac.new(b"cal-secret", BODY, hashlib.sha256).hexdigest()
    verify_calcom({"X-Cal-Signature-256": signature}, BODY, ["old", "cal-secret"], NOW)
    verify_calcom({"x-cal-signature-256": signature.upper()}, BODY, ["cal-secret"], NOW)
    with pytest.raises(AuthenticationError):
        verify_calcom({"X-Cal-Signature-256": signature}, BODY + b" ", ["cal-secret"], NOW)
    with pytest.raises(AuthenticationError):
        verify_calcom({"X-Cal-Signature-256": "no-secret-provided"}, BODY, ["cal-secret"], NOW)
    with pytest.raises(AuthorizationHeaderError):
        verify_calcom({}, BODY, ["cal-secret"], NOW)


def calendly_header(secret: bytes, stamp: int, body: bytes = BODY) -> str:
    digest = hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def test_calendly_signature_and_tolerance() -> None:
    stamp = int(NOW)
    header = {"Calendly-Webhook-Signature": calendly_header(b"cly", stamp)}
    verify_calendly(header, BODY, ["cly"], NOW)
    with pytest.raises(AuthenticationError):
        verify_calendly(header, BODY.replace(b"CREATED", b"CANCELED"), ["cly"], NOW)
    old = {"Calendly-Webhook-Signature": calendly_header(b"cly", stamp - 301)}
    with pytest.raises(AuthenticationError):
        verify_calendly(old, BODY, ["cly"], NOW)
    future = {"Calendly-Webhook-Signature": calendly_header(b"cly", stamp + 299)}
    verify_calendly(future, BODY, ["cly"], NOW)


@pytest.mark.parametrize("value", ["", "v1=abc", "t=123", "t=abc,v1=def", "garbage"])
def test_calendly_malformed_header_is_400(value: str) -> None:
    with pytest.raises(AuthorizationHeaderError):
        verify_calendly({"Calendly-Webhook-Signature": value}, BODY, ["cly"], NOW)
