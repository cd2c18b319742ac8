"""Meeting tokens: mint, validate, nbf/exp, domain, self-signed (reference §2)."""

from __future__ import annotations

import warnings
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from local.daily_emulator import Clock, DailyEmulator
from tests.emulator.conftest import DailyClient
from tests.plugins.daily_emulator import TEST_API_KEY, TEST_DOMAIN, EmulatorFactory

# The fixture key is short on purpose (it is a test key); PyJWT warns about that.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

NOW = 1_800_000_000
OTHER_KEY = "another-domain-api-key"
DOMAIN_ID = DailyEmulator(api_key=TEST_API_KEY, domain=TEST_DOMAIN).domain_id
# The emulator's clock is frozen in 2027, so PyJWT must not judge iat/exp/nbf by real time.
SIGNATURE_ONLY = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}

ALL_PROPERTIES: dict[str, Any] = {
    "room_name": "standup",
    "nbf": NOW - 60,
    "exp": NOW + 3600,
    "is_owner": True,
    "user_name": "Ada",
    "user_id": "user-1",
    "enable_screenshare": False,
    "start_video_off": True,
    "start_audio_off": True,
    "eject_at_token_exp": True,
    "eject_after_elapsed": 1800,
    "lang": "de",
    "knocking": True,
    "close_tab_on_exit": True,
    "redirect_on_meeting_exit": "https://example.com/bye",
    "enable_recording": "cloud",
    "enable_recording_ui": False,
    "start_cloud_recording": True,
    "auto_start_transcription": True,
}
EXPECTED_CLAIMS: dict[str, Any] = {
    "r": "standup",
    "nbf": NOW - 60,
    "exp": NOW + 3600,
    "o": True,
    "u": "Ada",
    "ud": "user-1",
    "ss": False,
    "vo": True,
    "ao": True,
    "ejt": True,
    "eje": 1800,
    "uil": "de",
    "k": True,
    "ctoe": True,
    "rome": "https://example.com/bye",
    "er": "cloud",
    "erui": False,
    "sr": True,
    "ast": True,
}


@pytest.fixture
def frozen(daily_emulator_factory: EmulatorFactory) -> DailyClient:
    return DailyClient(daily_emulator_factory(clock=Clock(start=NOW)))


def mint(daily: DailyClient, **properties: Any) -> str:
    response = daily.post("/meeting-tokens", json={"properties": properties})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"token"}
    token: str = response.json()["token"]
    return token


def self_signed(claims: dict[str, Any], key: str = TEST_API_KEY, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():  # also used at collection time, outside pytestmark
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm)


def test_minted_token_is_hs256_with_compact_claims(frozen: DailyClient) -> None:
    token = mint(frozen, **ALL_PROPERTIES)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, TEST_API_KEY, algorithms=["HS256"], options=SIGNATURE_ONLY)
    assert claims == {**EXPECTED_CLAIMS, "d": frozen.emu.domain_id, "iat": NOW}


def test_validate_returns_long_names(frozen: DailyClient) -> None:
    token = mint(frozen, **ALL_PROPERTIES)
    response = frozen.get(f"/meeting-tokens/{token}")
    assert response.status_code == 200
    assert response.json() == ALL_PROPERTIES


def test_minimal_token(frozen: DailyClient) -> None:
    token = mint(frozen, room_name="r1")
    assert jwt.decode(token, TEST_API_KEY, algorithms=["HS256"], options=SIGNATURE_ONLY) == {
        "r": "r1",
        "d": frozen.emu.domain_id,
        "iat": NOW,
    }
    assert frozen.get(f"/meeting-tokens/{token}").json() == {"room_name": "r1"}
    empty = frozen.post("/meeting-tokens", json={})
    assert empty.status_code == 200


def test_numeric_user_id_is_echoed_as_a_number(frozen: DailyClient) -> None:
    token = mint(frozen, room_name="r", user_id=42)
    assert frozen.get(f"/meeting-tokens/{token}").json()["user_id"] == 42


def test_nbf_in_future_needs_ignore_nbf(frozen: DailyClient) -> None:
    token = mint(frozen, room_name="r", nbf=NOW + 600, exp=NOW + 1200)
    early = frozen.get(f"/meeting-tokens/{token}")
    assert early.status_code == 400
    assert early.json() == {"error": "invalid-request-error", "info": "token not yet valid"}
    ignored = frozen.get(f"/meeting-tokens/{token}", params={"ignoreNbf": "true"})
    assert ignored.status_code == 200
    assert ignored.json()["nbf"] == NOW + 600
    frozen.emu.clock.advance(600)
    assert frozen.get(f"/meeting-tokens/{token}").status_code == 200


def test_expired_token(frozen: DailyClient) -> None:
    token = mint(frozen, room_name="r", exp=NOW + 60)
    assert frozen.get(f"/meeting-tokens/{token}").status_code == 200
    frozen.emu.clock.advance(60)
    for params in ({}, {"ignoreNbf": "true"}):
        response = frozen.get(f"/meeting-tokens/{token}", params=params)
        assert response.status_code == 400
        assert response.json() == {"error": "invalid-request-error", "info": "token expired"}


@pytest.mark.parametrize("exp", [NOW, NOW - 1])
def test_mint_rejects_exp_not_in_future(frozen: DailyClient, exp: int) -> None:
    response = frozen.post("/meeting-tokens", json={"properties": {"exp": exp}})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid-request-error",
        "info": f"exp was '{exp}', which is in the past rather than in the future",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"properties": {"user_id": "u" * 37}},
        {"properties": {"room": "typo"}},
        {"properties": {"is_owner": "true"}},
        {"properties": {"exp": "tomorrow"}},
        {"properties": {"lang": "klingon"}},
        {"room_name": "top-level"},
        {"properties": []},
    ],
)
def test_mint_validation(frozen: DailyClient, body: dict[str, Any]) -> None:
    response = frozen.post("/meeting-tokens", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"


def test_user_id_of_36_characters_is_fine(frozen: DailyClient) -> None:
    mint(frozen, user_id="u" * 36)


def test_self_signed_token_validates_like_minted(frozen: DailyClient) -> None:
    claims = {"r": "test", "iat": NOW, "d": frozen.emu.domain_id, "o": True, "exp": NOW + 5}
    response = frozen.get(f"/meeting-tokens/{self_signed(claims)}")
    assert response.status_code == 200
    assert response.json() == {"room_name": "test", "is_owner": True, "exp": NOW + 5}


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "a.b.c",
        self_signed({"r": "x", "iat": NOW, "d": DOMAIN_ID}, key=OTHER_KEY),
        self_signed({"r": "x", "iat": NOW, "d": DOMAIN_ID}, algorithm="HS384"),
        self_signed({"r": "x", "iat": NOW, "d": DOMAIN_ID})[:-2] + "xx",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJyIjoieCJ9.",
    ],
)
def test_invalid_tokens(frozen: DailyClient, token: str) -> None:
    response = frozen.get(f"/meeting-tokens/{token}")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid-request-error", "info": "invalid token"}


def test_token_from_another_domain(
    frozen: DailyClient, daily_emulator_factory: EmulatorFactory
) -> None:
    other = DailyClient(daily_emulator_factory(domain="someone-else", clock=Clock(start=NOW)))
    foreign = mint(other, room_name="r")
    response = frozen.get(f"/meeting-tokens/{foreign}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"
    no_domain = self_signed({"r": "x", "iat": NOW})
    assert frozen.get(f"/meeting-tokens/{no_domain}").status_code == 400


def test_tokens_survive_an_emulator_restart() -> None:
    with DailyEmulator(api_key=TEST_API_KEY, domain="roomlinks-test").start() as first:
        token = mint(DailyClient(first), room_name="r", exp=int(first.clock.now()) + 60)
    with DailyEmulator(api_key=TEST_API_KEY, domain="roomlinks-test").start() as second:
        assert DailyClient(second).get(f"/meeting-tokens/{token}").status_code == 200


def test_domain_id_matches_token_d_claim(daily: DailyClient) -> None:
    token = mint(daily, room_name="r")
    claims = jwt.decode(token, TEST_API_KEY, algorithms=["HS256"])
    assert claims["d"] == daily.get("/").json()["domain_id"]
