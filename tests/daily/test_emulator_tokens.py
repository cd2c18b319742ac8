"""Meeting tokens over real HTTP: minted, self-signed, validated by the emulator."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest

from chalicelib.daily import (
    DailyClient,
    DailyError,
    DailyInvalidRequestError,
    MeetingTokenProperties,
    sign_meeting_token,
)
from local.daily_emulator import DailyEmulator
from tests.daily.conftest import LONG_KEY, make_client

NOW = 1_900_000_000

PROPS = MeetingTokenProperties(
    room_name="standup",
    nbf=NOW - 60,
    exp=NOW + 3600,
    is_owner=True,
    user_name="Ada Lovelace",
    user_id="8c2b7a1e-5d4f-4e3a-9b1c-0f2e3d4c5b6a",
    enable_screenshare=False,
    start_video_off=True,
    start_audio_off=False,
    eject_at_token_exp=True,
    eject_after_elapsed=900,
    lang="fr",
    knocking=False,
    close_tab_on_exit=True,
    redirect_on_meeting_exit="https://example.com/after",
    enable_recording="cloud",
    enable_recording_ui=False,
    start_cloud_recording=False,
    auto_start_transcription=True,
)


@pytest.fixture
def emu(daily_emulator_factory: Callable[..., DailyEmulator]) -> DailyEmulator:
    emu = daily_emulator_factory(api_key=LONG_KEY)
    emu.clock.set(NOW)
    return emu


@pytest.fixture
def tclient(emu: DailyEmulator) -> DailyClient:
    return make_client(emu)


def _claims(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(
        token,
        LONG_KEY,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    return claims


def test_minted_token_validates_to_the_same_properties(tclient: DailyClient) -> None:
    token = tclient.create_meeting_token(PROPS)
    assert tclient.validate_meeting_token(token) == PROPS


def test_self_signed_token_is_accepted_and_equal_in_claims(
    tclient: DailyClient, emu: DailyEmulator
) -> None:
    minted = tclient.create_meeting_token(PROPS)
    signed = tclient.sign_meeting_token(PROPS, iat=NOW)
    assert tclient.validate_meeting_token(signed) == PROPS
    minted_claims, signed_claims = _claims(minted), _claims(signed)
    minted_claims.pop("iat")
    signed_claims.pop("iat")
    assert signed_claims == minted_claims
    assert signed_claims["d"] == emu.domain_id


def test_module_signer_matches_the_client_signer(tclient: DailyClient, emu: DailyEmulator) -> None:
    by_client = tclient.sign_meeting_token(PROPS, iat=NOW)
    by_function = sign_meeting_token(PROPS, api_key=LONG_KEY, domain_id=emu.domain_id, iat=NOW)
    assert by_client == by_function


def test_minimal_token_round_trips(tclient: DailyClient) -> None:
    props = MeetingTokenProperties(room_name="r", exp=NOW + 60)
    for token in (tclient.create_meeting_token(props), tclient.sign_meeting_token(props)):
        assert tclient.validate_meeting_token(token) == props


def test_nbf_in_the_future_needs_ignore_nbf(tclient: DailyClient) -> None:
    props = MeetingTokenProperties(room_name="later", nbf=NOW + 600, exp=NOW + 3600)
    token = tclient.sign_meeting_token(props, iat=NOW)
    with pytest.raises(DailyInvalidRequestError):
        tclient.validate_meeting_token(token)
    assert tclient.validate_meeting_token(token, ignore_nbf=True) == props


def test_expired_token_is_rejected(tclient: DailyClient, emu: DailyEmulator) -> None:
    token = tclient.create_meeting_token(MeetingTokenProperties(room_name="r", exp=NOW + 10))
    emu.clock.advance(11)
    with pytest.raises(DailyInvalidRequestError) as info:
        tclient.validate_meeting_token(token)
    assert token not in str(info.value)


def test_token_signed_with_another_key_is_rejected(
    tclient: DailyClient, emu: DailyEmulator
) -> None:
    forged = sign_meeting_token(
        MeetingTokenProperties(room_name="r"), api_key="f" * 64, domain_id=emu.domain_id, iat=NOW
    )
    with pytest.raises(DailyError) as info:
        tclient.validate_meeting_token(forged)
    assert info.value.status == 400
    assert not info.value.is_transient


def test_past_exp_is_refused_when_minting(tclient: DailyClient) -> None:
    with pytest.raises(DailyInvalidRequestError, match="in the past"):
        tclient.create_meeting_token(MeetingTokenProperties(room_name="r", exp=NOW - 1))


def test_api_only_properties_can_be_minted_but_not_signed(tclient: DailyClient) -> None:
    props = MeetingTokenProperties(room_name="r", enable_prejoin_ui=True, exp=NOW + 60)
    token = tclient.create_meeting_token(props)
    assert tclient.validate_meeting_token(token).enable_prejoin_ui is True
    with pytest.raises(ValueError, match="enable_prejoin_ui"):
        tclient.sign_meeting_token(props)


def test_signing_fetches_the_domain_once(tclient: DailyClient, emu: DailyEmulator) -> None:
    for i in range(3):
        tclient.sign_meeting_token(MeetingTokenProperties(room_name=f"r{i}"))
    assert emu.counters().get("GET /") == 1
    assert "POST /meeting-tokens" not in emu.counters()
