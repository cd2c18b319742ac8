"""The local stack launcher (`make run`, contract §1) over real processes and real HTTP.

The app's own routes are tested elsewhere; here only what the launcher promises: health,
stack.json, the provisioned secret and table, LOCAL_SECRET_FILE, and clean shutdown.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from local.aws import dynamodb_client, secretsmanager_client
from local.launcher import PROJECT_DIR, spawn_launcher
from local.processes import free_port
from local.reconcile import stack_environment
from local.stack import Options, SetupError
from tests.plugins.local_stack import (
    RunningStack,
    launched_stack,
    processes_started_for,
    start_stack,
    stop_stack,
    wait_until_stopped,
)

HOOKS = {"zapier", "google", "graph", "ical", "calcom", "calendly", "generic"}
STAGE_ENV = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())["stages"]["local"][
    "environment_variables"
]
# With DAILY_API_KEY the launcher starts no emulator; nothing here ever calls Daily.
REAL_DAILY_ENV = {"DAILY_API_KEY": "test-real-daily-key", "DAILY_API_URL": "http://127.0.0.1:9/v1"}


def _stored_secret(stack: RunningStack) -> dict[str, Any]:
    client = secretsmanager_client(stack.info["secretsmanager_url"])
    value = client.get_secret_value(SecretId=STAGE_ENV["SECRET_ID"])["SecretString"]
    return dict(json.loads(value))


def _assert_secret_shape(secret: dict[str, Any]) -> None:
    """Contract §3, checked independently of the launcher's own validator."""
    assert set(secret) >= {"daily_api_key", "hooks", "links", "signing_key"}
    assert isinstance(secret["daily_api_key"], str)
    assert secret["daily_api_key"]
    assert set(secret["hooks"]) == HOOKS
    for value in secret["hooks"].values():
        values = value if isinstance(value, list) else [value]
        assert values
        assert all(isinstance(v, str) and v for v in values)
    assert set(secret["links"]) == {
        "jwt_secret",
        "issuer",
        "audience",
        "jwks_url",
        "allowed_origins",
    }
    assert isinstance(secret["signing_key"], str)
    assert secret["signing_key"]


def _decode_links_jwt(token: str, links: dict[str, Any]) -> dict[str, Any]:
    """Verify links_jwt as the service must (contract §2.3) and check its fixed claims."""
    key = links["jwt_secret"][0] if isinstance(links["jwt_secret"], list) else links["jwt_secret"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["HS256"],
        audience=links["audience"],
        issuer=links["issuer"],
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
    )
    assert claims["sub"] == "local-developer"
    assert claims["email"] == "developer@example.com"
    assert claims["scope"].split() == ["links:admin", "rooms:create"]
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 30 * 86_400
    assert abs(claims["iat"] - time.time()) < 600
    return claims


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_health_answers_200_over_http(local_stack: RunningStack) -> None:
    response = requests.get(f"{local_stack.api_url}/v1/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert local_stack.api_url == f"http://127.0.0.1:{local_stack.ports()['api']}"


def test_stack_json_has_the_contract_keys_and_a_generated_secret(
    local_stack: RunningStack,
) -> None:
    info = json.loads(local_stack.stack_file.read_text())
    assert {"api_url", "daily_api_url", "daily_api_key", "secret", "links_jwt"} <= set(info)
    secret = info["secret"]
    _assert_secret_shape(secret)
    assert info["daily_api_key"] == secret["daily_api_key"]
    assert info["daily_emulator"] is True
    assert info["daily_api_url"].startswith("http://127.0.0.1:")
    assert info["daily_api_url"].endswith("/v1")
    assert secret["hooks"]["generic"].startswith("whsec_")
    assert len(base64.b64decode(secret["hooks"]["generic"].removeprefix("whsec_"))) == 24
    assert secret["links"]["issuer"] == "roomlinks-local"
    assert secret["links"]["audience"] == "roomlinks"
    assert secret["links"]["jwks_url"] is None
    tokens = [*secret["hooks"].values(), secret["links"]["jwt_secret"], secret["signing_key"]]
    assert len(set(tokens)) == len(tokens), "every generated credential is distinct"
    assert all(len(token) >= 32 for token in tokens)


def test_secret_and_table_exist_in_the_local_aws(local_stack: RunningStack) -> None:
    assert local_stack.info["secret_id"] == STAGE_ENV["SECRET_ID"]
    assert _stored_secret(local_stack) == local_stack.secret

    dynamodb = dynamodb_client(local_stack.info["dynamodb_url"])
    table = dynamodb.describe_table(TableName=STAGE_ENV["BOOKINGS_TABLE"])["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [{"AttributeName": "booking_id", "KeyType": "HASH"}]
    definition = json.loads((PROJECT_DIR / "infra" / "bookings-table.json").read_text())
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        definition["AttributeDefinitions"], key=str
    )
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["reconcile"]
    assert table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"


def test_the_daily_emulator_accepts_exactly_the_secret_key(local_stack: RunningStack) -> None:
    url = f"{local_stack.daily_api_url}/rooms"
    good = {"Authorization": f"Bearer {local_stack.daily_api_key}"}
    assert requests.get(url, headers=good, timeout=5).status_code == 200
    bad = {"Authorization": "Bearer not-the-key"}
    assert requests.get(url, headers=bad, timeout=5).status_code == 401


def test_local_secret_file_seeds_the_secret(tmp_path: Path) -> None:
    seeded: dict[str, Any] = {
        "daily_api_key": "file-daily-key-0123456789",
        "hooks": {name: f"file-{name}-token" for name in sorted(HOOKS)},
        "links": {
            "jwt_secret": [
                "file-jwt-secret-new-0123456789abcdef",
                "file-jwt-secret-old-0123456789abcdef",
            ],
            "issuer": "https://idp.example.com/",
            "audience": "roomlinks-tests",
            "jwks_url": None,
        },
        "signing_key": "file-signing-key",
    }
    seeded["hooks"]["zapier"] = ["file-zapier-new", "file-zapier-old"]  # rotation list
    seeded["hooks"]["generic"] = "whsec_" + base64.b64encode(b"g" * 24).decode()
    secret_file = tmp_path / "secret.json"
    secret_file.write_text(json.dumps(seeded))

    with launched_stack(tmp_path / "state", {"LOCAL_SECRET_FILE": str(secret_file)}) as stack:
        # The file lists no allowed_origins, so the example frontend's origin is added.
        seeded["links"]["allowed_origins"] = [stack.info["frontend_url"]]
        assert stack.secret == seeded
        assert stack.daily_api_key == seeded["daily_api_key"]
        assert _stored_secret(stack) == seeded
        rooms = f"{stack.daily_api_url}/rooms"
        auth = {"Authorization": f"Bearer {seeded['daily_api_key']}"}
        assert requests.get(rooms, headers=auth, timeout=5).status_code == 200
        health = requests.get(f"{stack.api_url}/v1/health", timeout=5)
        assert health.status_code == 200
        claims = _decode_links_jwt(stack.info["links_jwt"], seeded["links"])
        assert claims["iss"] == "https://idp.example.com/"
        with pytest.raises(jwt.InvalidSignatureError):  # signed with the current value only
            jwt.decode(stack.info["links_jwt"], seeded["links"]["jwt_secret"][1], ["HS256"])
        output = stack.banner()
        assert seeded["daily_api_key"] not in output  # from a file: possibly real, so masked
        assert "file…" in output
        assert "LOCAL_SECRET_FILE lists no links.allowed_origins" in output


def test_sigterm_stops_every_child_and_withdraws_stack_json(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "state", REAL_DAILY_ENV)
    try:
        assert stack.info["daily_emulator"] is False
        assert stack.daily_api_url == REAL_DAILY_ENV["DAILY_API_URL"]
        assert stack.secret["daily_api_key"] == REAL_DAILY_ENV["DAILY_API_KEY"]
        assert set(stack.child_pids()) == {"dynalite", "moto", "chalice", "reconcile", "frontend"}
        assert all(_listening(port) for port in stack.ports().values())
    finally:
        code = stop_stack(stack)  # asserts: ports closed, children gone, stack.json removed
    assert code == 0
    assert b"local stack stopped" in stack.output.read_bytes()


def test_a_child_dying_takes_the_whole_stack_down(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "state", REAL_DAILY_ENV)
    os.kill(stack.child_pids()["moto"], signal.SIGKILL)
    code = wait_until_stopped(stack)
    assert code == 1
    assert b"moto" in stack.output.read_bytes()


@pytest.mark.parametrize(
    ("secret_text", "message"),
    [
        ("not json", b"is not JSON"),
        ('{"hooks": {"zapier": "x"}, "links": {}, "signing_key": "k"}', b"links.issuer"),
        ('{"hooks": {"zapier": "x"}, "links": {}, "signing_key": "k"}', b"links.audience"),
        ('{"hooks": {"zapier": "x"}, "links": {}, "signing_key": "k"}', b"signing_key"),
    ],
)
def test_a_bad_secret_file_fails_before_anything_starts(
    tmp_path: Path, secret_text: str, message: bytes
) -> None:
    secret_file = tmp_path / "secret.json"
    secret_file.write_text(secret_text)
    process, output = spawn_launcher(
        tmp_path / "state", {**REAL_DAILY_ENV, "LOCAL_SECRET_FILE": str(secret_file)}
    )
    assert process.wait(timeout=30) == 2
    assert message in output.read_bytes()
    assert not (tmp_path / "state" / "logs").exists(), "no child may have been started"


def test_a_busy_port_is_reported_clearly(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process, output = spawn_launcher(tmp_path / "state", REAL_DAILY_ENV, port=port)
        try:
            assert process.wait(timeout=30) == 2
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert f"port {port}".encode() in output.read_bytes()


def test_a_child_that_fails_to_start_is_reported_and_the_rest_stopped(tmp_path: Path) -> None:
    fake = tmp_path / "fake-chalice"
    fake.write_text("#!/bin/sh\necho 'boom: cannot import app.py' >&2\nexit 3\n")
    fake.chmod(0o755)
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    script = f"import sys, local.stack as s\ns.API_SERVER = [{str(fake)!r}]\nsys.exit(s.main())\n"
    output = tmp_path / "launcher.log"
    with output.open("wb") as out:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("LOCAL_SECRET_FILE", "PORT")},
            **REAL_DAILY_ENV,
            "LOCAL_STATE_DIR": str(state_dir),
            "PORT": str(free_port()),
        }
        code = subprocess.run(
            [sys.executable, "-c", script],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=60,
            check=False,
        ).returncode
    text = output.read_text()
    assert code == 1, text
    assert "chalice exited with status 3 while starting" in text
    assert "boom: cannot import app.py" in text  # the tail of the child's log
    assert not (state_dir / "stack.json").exists()
    assert processes_started_for(state_dir) == []


def test_the_banner_warns_when_real_daily_is_unreachable(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "state", REAL_DAILY_ENV)
    try:
        assert "is unreachable" in stack.banner()
    finally:
        assert stop_stack(stack) == 0


def test_the_warning_names_a_refused_key(daily_emulator: Any) -> None:
    from local.stack import daily_key_warning

    assert daily_key_warning(daily_emulator.base_url, daily_emulator.api_key) is None
    refused = daily_key_warning(daily_emulator.base_url, "not-the-key")
    assert refused is not None and "refuses DAILY_API_KEY" in refused


def test_the_emulators_rate_limits_are_dailys_unless_a_benchmark_turns_them_off(
    tmp_path: Path,
) -> None:
    base = {"LOCAL_STATE_DIR": str(tmp_path)}
    assert Options.from_env(base).emulator_rate_limits == "daily"
    off = Options.from_env({**base, "EMULATOR_RATE_LIMITS": "off"})
    assert off.emulator_rate_limits == "off"
    with pytest.raises(SetupError, match="EMULATOR_RATE_LIMITS"):
        Options.from_env({**base, "EMULATOR_RATE_LIMITS": "fast"})


def test_make_reconcile_decides_with_the_settings_make_run_was_started_with() -> None:
    facts = {
        "dynamodb_url": "http://127.0.0.1:1",
        "secretsmanager_url": "http://127.0.0.1:2",
        "secret_id": "roomlinks/local",
        "table": "roomlinks-local-bookings",
        "daily_api_url": "http://127.0.0.1:3/v1",
        "settings": {"ROOM_MODE": "per_host", "ROOM_LEAD_MINUTES": "0"},
    }
    env = stack_environment(facts)
    assert (env["ROOM_MODE"], env["ROOM_LEAD_MINUTES"]) == ("per_host", "0")
    assert env["BOOKINGS_TABLE"] == "roomlinks-local-bookings"
