"""stack.json and the banner (contract §1): published before health, 0600, links_jwt, masking."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from local.demo import dev_links_jwt, mask
from local.launcher import START_TIMEOUT, spawn_launcher, terminate
from local.processes import free_port, http_status
from local.secret import generate_secret
from tests.plugins.local_stack import RunningStack, adopt_stack, launched_stack, stop_stack
from tests.stack.test_stack import REAL_DAILY_ENV, _decode_links_jwt

LINKS = {"issuer": "https://idp.example.com/", "audience": "roomlinks-tests", "jwks_url": None}


def test_stack_json_exists_when_health_first_answers_200(tmp_path: Path) -> None:
    state_dir, port = tmp_path / "state", free_port()
    stack_file = state_dir / "stack.json"
    process, output = spawn_launcher(state_dir, REAL_DAILY_ENV, port=port)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        # As fast as a script can poll: the first 200 must already find the file.
        while http_status(f"http://127.0.0.1:{port}/v1/health", timeout=0.5) != 200:
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
        assert stack_file.exists(), "health answered 200 before stack.json was published"
        published = json.loads(stack_file.read_text())
        assert published["api_url"] == f"http://127.0.0.1:{port}"
        assert stat.S_IMODE(stack_file.stat().st_mode) == 0o600
    except BaseException:
        terminate(process)
        raise
    stack = adopt_stack(process, state_dir, output)
    assert "chalice" in stack.child_pids()
    assert stop_stack(stack) == 0


def test_links_jwt_is_a_development_token_for_links_and_rooms(local_stack: RunningStack) -> None:
    token = local_stack.info["links_jwt"]
    claims = _decode_links_jwt(token, local_stack.secret["links"])
    assert claims["iss"] == "roomlinks-local"
    assert claims["aud"] == "roomlinks"
    assert token in local_stack.banner()  # the banner prints it too
    assert stat.S_IMODE(local_stack.stack_file.stat().st_mode) == 0o600


def test_the_service_accepts_links_jwt_for_rooms_and_links(local_stack: RunningStack) -> None:
    """Contract §2.4 then §2.3 with nothing but what stack.json says."""
    auth = {"Authorization": f"Bearer {local_stack.info['links_jwt']}"}
    room = requests.post(
        f"{local_stack.api_url}/v1/rooms", json={"minutes": 15}, headers=auth, timeout=10
    )
    assert room.status_code == 200, room.text
    booking_id = room.json()["booking_id"]
    link = requests.post(
        f"{local_stack.api_url}/v1/links",
        json={"booking_id": booking_id, "role": "host"},
        headers=auth,
        timeout=10,
    )
    assert link.status_code == 200, link.text
    assert link.json()["booking_id"] == booking_id


def test_a_real_daily_key_is_masked_and_a_jwks_only_secret_has_no_links_jwt(
    tmp_path: Path,
) -> None:
    secret: dict[str, Any] = generate_secret("unused")
    del secret["daily_api_key"]
    secret["links"] |= {"jwt_secret": None, "jwks_url": "https://idp.example.com/jwks.json"}
    secret_file = tmp_path / "secret.json"
    secret_file.write_text(json.dumps(secret))
    env = {**REAL_DAILY_ENV, "LOCAL_SECRET_FILE": str(secret_file)}
    with launched_stack(tmp_path / "state", env) as stack:
        facts = json.loads(stack.stack_file.read_text())
        output = stack.banner()
    real_key = REAL_DAILY_ENV["DAILY_API_KEY"]
    assert facts["daily_api_key"] == real_key  # the 0600 file keeps it whole
    assert facts["links_jwt"] is None
    assert real_key not in output
    assert "test…" in output
    assert "links_jwt          null" in output
    assert "jwks_url" in output.split("links_jwt          null", 1)[1].splitlines()[0]


def test_dev_links_jwt_signs_with_the_current_secret_of_a_rotation_list() -> None:
    new, old = "n" * 32, "o" * 32
    now = int(time.time())
    token = dev_links_jwt({**LINKS, "jwt_secret": [new, old]}, now)
    assert token is not None
    claims = _decode_links_jwt(token, {**LINKS, "jwt_secret": new})
    assert claims["iat"] == now
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, old, algorithms=["HS256"], audience=LINKS["audience"])
    assert dev_links_jwt({**LINKS, "jwt_secret": new}, now) is not None
    assert dev_links_jwt({**LINKS, "jwt_secret": None, "jwks_url": "https://x/jwks"}, now) is None
    assert dev_links_jwt({**LINKS, "jwt_secret": []}, now) is None


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("0123456789abcdef0123456789abcdef", "0123…"),
        ("test-real-daily-key", "test…"),
        ("short", "…"),
    ],
)
def test_mask_keeps_at_most_four_characters(key: str, shown: str) -> None:
    assert mask(key) == shown


def test_a_second_launcher_on_the_same_state_dir_is_refused(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    first, first_output = spawn_launcher(state_dir, REAL_DAILY_ENV)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (state_dir / "stack.json").exists():  # published, maybe not yet healthy
            assert first.poll() is None, first_output.read_text()
            assert time.monotonic() < deadline, first_output.read_text()
            time.sleep(0.01)
        second, second_output = spawn_launcher(
            state_dir, REAL_DAILY_ENV, output=tmp_path / "second-launcher.log"
        )
        assert second.wait(timeout=30) == 2
        assert "already runs" in second_output.read_text()
        assert (state_dir / "stack.json").exists(), "the running stack's facts must stay"
    except BaseException:
        terminate(first)
        raise
    assert stop_stack(adopt_stack(first, state_dir, first_output)) == 0
