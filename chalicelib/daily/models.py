"""Typed, frozen views of Daily's objects, and the one table between token names and claims.

``MeetingTokenProperties`` is shared by the REST path (long names, ``POST /meeting-tokens``)
and the local self-signer (compact JWT claims), so both always describe the same token.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ROOM_NAME_PATTERN",
    "TOKEN_CLAIMS",
    "Domain",
    "MeetingTokenProperties",
    "Privacy",
    "Room",
]

Privacy = Literal["public", "private"]

#: Daily's allowed room names: ASCII letters, digits, ``-`` and ``_``; at most 128 characters.
ROOM_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"


class Room(BaseModel):
    """A room as Daily returns it from create, get, update and list."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    api_created: bool = True
    privacy: str = "public"
    url: str
    created_at: datetime
    # Daily lists only the properties that differ from the defaults.
    config: dict[str, Any] = Field(default_factory=dict)

    @property
    def nbf(self) -> int | None:
        """The room's not-before time (unix seconds), if set."""
        value = self.config.get("nbf")
        return value if isinstance(value, int) else None

    @property
    def exp(self) -> int | None:
        """The room's expiry time (unix seconds), if set."""
        value = self.config.get("exp")
        return value if isinstance(value, int) else None


class Domain(BaseModel):
    """The domain an API key belongs to; ``domain_id`` is the ``d`` claim of every token."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    domain_name: str
    domain_id: str


#: Long Daily property name -> compact JWT claim (Daily's self-signing table), or None when the
#: property has no documented claim and so can only be minted through ``POST /meeting-tokens``.
#: Every field of ``MeetingTokenProperties`` appears here exactly once.
TOKEN_CLAIMS: Mapping[str, str | None] = {
    "room_name": "r",
    "nbf": "nbf",
    "exp": "exp",
    "is_owner": "o",
    "user_name": "u",
    "user_id": "ud",
    "enable_screenshare": "ss",
    "start_video_off": "vo",
    "start_audio_off": "ao",
    "eject_at_token_exp": "ejt",
    "eject_after_elapsed": "eje",
    "lang": "uil",
    "knocking": "k",
    "close_tab_on_exit": "ctoe",
    "redirect_on_meeting_exit": "rome",
    "enable_recording": "er",
    "enable_recording_ui": "erui",
    "start_cloud_recording": "sr",
    "auto_start_transcription": "ast",
    "enable_prejoin_ui": None,
    "enable_live_captions_ui": None,
    "enable_terse_logging": None,
    "permissions": None,
}

_CLAIM_TO_FIELD: Mapping[str, str] = {
    claim: field for field, claim in TOKEN_CLAIMS.items() if claim is not None
}

#: Claims the signer adds itself rather than reading from the properties.
DOMAIN_CLAIM = "d"
ISSUED_AT_CLAIM = "iat"


class MeetingTokenProperties(BaseModel):
    """A meeting token's properties under Daily's long names; unset (None) ones are omitted."""

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    room_name: str = Field(pattern=ROOM_NAME_PATTERN)
    nbf: int | None = None
    exp: int | None = None
    is_owner: bool | None = None
    user_name: str | None = None
    user_id: str | None = Field(default=None, max_length=36)
    enable_screenshare: bool | None = None
    start_video_off: bool | None = None
    start_audio_off: bool | None = None
    eject_at_token_exp: bool | None = None
    eject_after_elapsed: int | None = Field(default=None, ge=0)
    lang: str | None = None
    knocking: bool | None = None
    close_tab_on_exit: bool | None = None
    redirect_on_meeting_exit: str | None = None
    enable_recording: str | None = None
    enable_recording_ui: bool | None = None
    start_cloud_recording: bool | None = None
    auto_start_transcription: bool | None = None
    enable_prejoin_ui: bool | None = None
    enable_live_captions_ui: bool | None = None
    enable_terse_logging: bool | None = None
    permissions: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        """The long-name mapping sent as ``{"properties": ...}`` to ``POST /meeting-tokens``."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_claims(self, *, domain_id: str, iat: int) -> dict[str, Any]:
        """Daily's compact claims, sorted by name so equal inputs give equal JSON.

        Raises ValueError for a set property that has no documented claim, rather than
        silently minting a token that grants less than asked.
        """
        claims: dict[str, Any] = {DOMAIN_CLAIM: domain_id, ISSUED_AT_CLAIM: iat}
        for field, value in self.to_api().items():
            claim = TOKEN_CLAIMS[field]
            if claim is None:
                raise ValueError(
                    f"{field} has no self-signed claim; mint this token with create_meeting_token"
                )
            claims[claim] = value
        return dict(sorted(claims.items()))

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> MeetingTokenProperties:
        """Parse Daily's long-name answer, ignoring names this model does not know."""
        return cls.model_validate({k: v for k, v in data.items() if k in TOKEN_CLAIMS})

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> MeetingTokenProperties:
        """Parse decoded compact claims (``d`` and ``iat`` and unknown claims are dropped)."""
        return cls.model_validate(
            {_CLAIM_TO_FIELD[k]: v for k, v in claims.items() if k in _CLAIM_TO_FIELD}
        )


if set(TOKEN_CLAIMS) != set(MeetingTokenProperties.model_fields):  # pragma: no cover
    raise RuntimeError("TOKEN_CLAIMS and MeetingTokenProperties fields disagree")
