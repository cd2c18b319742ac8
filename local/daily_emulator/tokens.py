"""Meeting tokens (reference §2): HS256 JWTs signed with the API key, compact claim names.

Signing and verification use stdlib ``hmac`` rather than PyJWT on purpose: the tests then
check these tokens with PyJWT as an independent implementation, and the server never emits
PyJWT's short-key warnings from its request threads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

from local.daily_emulator.clock import Clock
from local.daily_emulator.errors import invalid
from local.daily_emulator.properties import TOKEN_PROPERTIES, validate
from local.daily_emulator.wire import ApiKey

CLAIMS: Mapping[str, str] = {
    "room_name": "r",
    "is_owner": "o",
    "user_name": "u",
    "user_id": "ud",
    "nbf": "nbf",
    "exp": "exp",
    "knocking": "k",
    "close_tab_on_exit": "ctoe",
    "redirect_on_meeting_exit": "rome",
    "intercom_join_alert": "ij",
    "start_cloud_recording": "sr",
    "start_cloud_recording_opts": "sro",
    "auto_start_transcription": "ast",
    "enable_recording": "er",
    "enable_screenshare": "ss",
    "start_video_off": "vo",
    "start_audio_off": "ao",
    "meeting_join_hook": "mjh",
    "eject_at_token_exp": "ejt",
    "eject_after_elapsed": "eje",
    "lang": "uil",
    "enable_recording_ui": "erui",
    "permissions": "p",
}
"""Long property name → claim (D-SELF table). Properties without a documented abbreviation
(``enable_prejoin_ui``, ``enable_live_captions_ui``, ``enable_terse_logging``) travel under
their long names."""

_LONG_NAMES = {claim: name for name, claim in CLAIMS.items()}
_HEADER = {"alg": "HS256", "typ": "JWT"}
_TOKEN_FIELDS = frozenset({"properties"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str) -> bytes:
    padded = part + "=" * (-len(part) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True)


class TokenIssuer:
    """Mints and validates tokens for one domain with its current API key."""

    def __init__(self, api_key: ApiKey, domain_id: str, clock: Clock) -> None:
        self._key = api_key
        self._domain_id = domain_id
        self._clock = clock

    def _sign(self, signing_input: str) -> bytes:
        key = self._key.value.encode("utf-8")
        return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()

    def mint(self, body: Mapping[str, object]) -> dict[str, object]:
        """POST /meeting-tokens."""
        for name in body:
            if name not in _TOKEN_FIELDS:
                raise invalid(f"unknown parameter '{name}'")
        props = validate(TOKEN_PROPERTIES, body.get("properties"))
        now = self._clock.now()
        exp = props.get("exp")
        if isinstance(exp, int) and exp <= now:
            raise invalid(f"exp was '{exp}', which is in the past rather than in the future")
        claims: dict[str, object] = {
            CLAIMS.get(name, name): value for name, value in props.items() if value is not None
        }
        claims["d"] = self._domain_id
        claims["iat"] = int(now)
        header = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}"
        return {"token": f"{signing_input}.{_b64(self._sign(signing_input))}"}

    def _claims(self, token: str) -> dict[str, object]:
        """Verify the HS256 signature and return the payload, or raise 'invalid token'."""
        parts = token.split(".")
        try:
            if len(parts) != 3:
                raise ValueError("not a compact JWS")
            header = json.loads(_unb64(parts[0]))
            if not isinstance(header, dict) or header.get("alg") != "HS256":
                raise ValueError("not HS256")
            expected = self._sign(f"{parts[0]}.{parts[1]}")
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                raise ValueError("bad signature")
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise invalid("invalid token") from exc
        if not isinstance(claims, dict):
            raise invalid("invalid token")
        return claims

    def validate(self, token: str, *, ignore_nbf: bool) -> dict[str, object]:
        """GET /meeting-tokens/:token: the token's properties under their long names."""
        claims = self._claims(token)
        if claims.get("d") != self._domain_id:
            raise invalid("token does not belong to this domain")
        now = self._clock.now()
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= now:
            raise invalid("token expired")
        nbf = claims.get("nbf")
        if not ignore_nbf and isinstance(nbf, int | float) and nbf > now:
            raise invalid("token not yet valid")
        return {
            _LONG_NAMES.get(claim, claim): value
            for claim, value in claims.items()
            if _LONG_NAMES.get(claim, claim) in TOKEN_PROPERTIES
        }
