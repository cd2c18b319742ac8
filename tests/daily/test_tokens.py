"""The self-signer: Daily's compact claims from the shared model, deterministic, verifiable."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from pydantic import ValidationError

from chalicelib.daily import TOKEN_CLAIMS, MeetingTokenProperties, sign_meeting_token
from chalicelib.daily.tokens import decode_meeting_token

KEY = "k" * 64  # Daily keys are 64 hex chars; short keys only draw PyJWT warnings
DOMAIN_ID = "25df5057-ef0d-4d97-bde6-0cf287276cbb"

FULL = MeetingTokenProperties(
    room_name="standup-42",
    nbf=1_900_000_000,
    exp=1_900_003_600,
    is_owner=True,
    user_name="Ada",
    user_id="u-1",
    enable_screenshare=False,
    start_video_off=True,
    start_audio_off=False,
    eject_at_token_exp=True,
    eject_after_elapsed=600,
    lang="de",
    knocking=False,
    close_tab_on_exit=True,
    redirect_on_meeting_exit="https://example.com/bye",
    enable_recording="cloud",
    enable_recording_ui=False,
    start_cloud_recording=False,
    auto_start_transcription=True,
)


def _segments(token: str) -> list[dict[str, object]]:
    parts = token.split(".")
    assert len(parts) == 3
    return [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2]]


def test_same_properties_and_iat_give_the_same_token() -> None:
    a = sign_meeting_token(FULL, api_key=KEY, domain_id=DOMAIN_ID, iat=1_899_999_000)
    rebuilt = MeetingTokenProperties.model_validate(FULL.to_api())
    b = sign_meeting_token(rebuilt, api_key=KEY, domain_id=DOMAIN_ID, iat=1_899_999_000)
    assert a == b


def test_iat_changes_the_token() -> None:
    a = sign_meeting_token(FULL, api_key=KEY, domain_id=DOMAIN_ID, iat=1)
    b = sign_meeting_token(FULL, api_key=KEY, domain_id=DOMAIN_ID, iat=2)
    assert a != b


def test_header_is_fixed_and_claims_are_sorted() -> None:
    token = sign_meeting_token(FULL, api_key=KEY, domain_id=DOMAIN_ID, iat=5)
    header, payload = _segments(token)
    assert token.split(".")[0] == base64.urlsafe_b64encode(
        b'{"alg":"HS256","typ":"JWT"}'
    ).decode().rstrip("=")
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert list(payload) == sorted(payload)


def test_every_property_maps_to_its_documented_claim() -> None:
    token = sign_meeting_token(FULL, api_key=KEY, domain_id=DOMAIN_ID, iat=7)
    claims = jwt.decode(
        token, KEY, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False}
    )
    assert claims == {
        "r": "standup-42",
        "d": DOMAIN_ID,
        "iat": 7,
        "nbf": 1_900_000_000,
        "exp": 1_900_003_600,
        "o": True,
        "u": "Ada",
        "ud": "u-1",
        "ss": False,
        "vo": True,
        "ao": False,
        "ejt": True,
        "eje": 600,
        "uil": "de",
        "k": False,
        "ctoe": True,
        "rome": "https://example.com/bye",
        "er": "cloud",
        "erui": False,
        "sr": False,
        "ast": True,
    }


def test_unset_properties_are_omitted() -> None:
    token = sign_meeting_token(
        MeetingTokenProperties(room_name="r"), api_key=KEY, domain_id=DOMAIN_ID, iat=9
    )
    assert decode_meeting_token(token, api_key=KEY) == {"d": DOMAIN_ID, "iat": 9, "r": "r"}


def test_signature_uses_the_api_key() -> None:
    token = sign_meeting_token(FULL, api_key=KEY, domain_id=DOMAIN_ID, iat=1)
    with pytest.raises(jwt.InvalidSignatureError):
        decode_meeting_token(token, api_key="x" * 64)


def test_claims_round_trip_through_the_mapping_table() -> None:
    claims = FULL.to_claims(domain_id=DOMAIN_ID, iat=3)
    assert MeetingTokenProperties.from_claims(claims) == FULL


def test_api_dict_uses_long_names_and_omits_unset() -> None:
    props = MeetingTokenProperties(room_name="r", is_owner=False, exp=10)
    assert props.to_api() == {"room_name": "r", "is_owner": False, "exp": 10}


@pytest.mark.parametrize("field", sorted(f for f, claim in TOKEN_CLAIMS.items() if claim is None))
def test_property_without_claim_is_refused_by_the_signer(field: str) -> None:
    value: object = {"canSend": True} if field == "permissions" else True
    props = MeetingTokenProperties.model_validate({"room_name": "r", field: value})
    assert props.to_api()[field] == value  # the API path still carries it
    with pytest.raises(ValueError, match=field):
        sign_meeting_token(props, api_key=KEY, domain_id=DOMAIN_ID, iat=1)


def test_table_covers_every_model_field() -> None:
    assert set(TOKEN_CLAIMS) == set(MeetingTokenProperties.model_fields)


def test_user_id_longer_than_36_chars_is_rejected() -> None:
    MeetingTokenProperties(room_name="r", user_id="x" * 36)
    with pytest.raises(ValidationError, match="user_id"):
        MeetingTokenProperties(room_name="r", user_id="x" * 37)


@pytest.mark.parametrize("name", ["", "a b", "a/b", "x" * 129])
def test_room_name_must_be_a_daily_room_name(name: str) -> None:
    with pytest.raises(ValidationError, match="room_name"):
        MeetingTokenProperties(room_name=name)


def test_room_name_is_required_and_unknown_fields_rejected() -> None:
    with pytest.raises(ValidationError):
        MeetingTokenProperties.model_validate({})
    with pytest.raises(ValidationError, match="is_ownr"):
        MeetingTokenProperties.model_validate({"room_name": "r", "is_ownr": True})


def test_model_is_frozen() -> None:
    with pytest.raises(ValidationError):
        FULL.is_owner = False  # type: ignore[misc]


def test_from_api_ignores_unknown_names() -> None:
    props = MeetingTokenProperties.from_api({"room_name": "r", "some_new_flag": True})
    assert props == MeetingTokenProperties(room_name="r")


@pytest.mark.parametrize(("api_key", "domain_id"), [("", DOMAIN_ID), (KEY, "")])
def test_signer_needs_key_and_domain(api_key: str, domain_id: str) -> None:
    with pytest.raises(ValueError, match="required"):
        sign_meeting_token(FULL, api_key=api_key, domain_id=domain_id, iat=1)
