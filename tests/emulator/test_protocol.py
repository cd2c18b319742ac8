"""Authentication, error shapes, routing and the domain endpoint (reference §3, §2.4)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
import requests

from local.daily_emulator import DailyEmulator
from tests.emulator.conftest import DailyClient


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dGVzdDp0ZXN0"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "test-daily-key"},
        {"Authorization": "Bearer two words"},
    ],
)
def test_missing_or_malformed_authorization_is_400(
    daily_emulator: DailyEmulator, headers: dict[str, str]
) -> None:
    response = requests.get(daily_emulator.base_url + "/rooms", headers=headers, timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "authorization-header-error"
    assert isinstance(body["info"], str)


def test_wrong_key_is_401_with_only_error(daily_emulator: DailyEmulator) -> None:
    response = requests.get(
        daily_emulator.base_url + "/rooms", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json() == {"error": "authentication-error"}


def test_bearer_scheme_is_case_insensitive(daily_emulator: DailyEmulator) -> None:
    response = requests.get(
        daily_emulator.base_url + "/rooms",
        headers={"Authorization": f"bearer {daily_emulator.api_key}"},
        timeout=10,
    )
    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"{not json", b"name=x", b"\xff\xfe"])
def test_unparseable_body_is_json_parsing_error(daily: DailyClient, body: bytes) -> None:
    response = daily.post("/rooms", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "json-parsing-error"
    assert daily.emu.rooms_snapshot() == []


def test_non_object_json_body_is_invalid_request(daily: DailyClient) -> None:
    response = daily.post("/rooms", json=["x"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid-request-error"


def test_empty_body_creates_room_with_defaults(daily: DailyClient) -> None:
    response = daily.post("/rooms")
    assert response.status_code == 200
    assert response.json()["privacy"] == "public"


def test_unknown_path_is_404_not_found(daily: DailyClient) -> None:
    response = daily.get("/recordingz")
    assert response.status_code == 404
    assert response.json()["error"] == "not-found"
    outside = requests.get(daily.emu.base_url.removesuffix("/v1") + "/health", timeout=10)
    assert outside.status_code == 404
    assert outside.json()["error"] == "not-found"


def test_wrong_method_is_405_with_daily_error_body(daily: DailyClient) -> None:
    response = daily.call("PUT", "/rooms")
    assert response.status_code == 405
    assert set(response.json()) == {"error", "info"}
    assert response.headers["Allow"] == "GET, POST"
    assert daily.call("PATCH", "/rooms/x").headers["Allow"] == "DELETE, GET, POST"


def test_every_answer_is_json(daily: DailyClient) -> None:
    for response in (daily.get("/"), daily.get("/rooms/missing"), daily.call("PUT", "/")):
        assert response.headers["Content-Type"].startswith("application/json")
        assert isinstance(response.json(), dict)


def test_domain_endpoint(daily: DailyClient) -> None:
    for path in ("/", ""):
        response = daily.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["domain_name"] == "roomlinks-test"
        assert uuid.UUID(body["domain_id"])
        assert body["domain_id"] == daily.emu.domain_id
        assert isinstance(body["config"], dict)


def test_domain_id_is_stable_per_domain_name() -> None:
    first = DailyEmulator(api_key="k", domain="roomlinks-dev")
    again = DailyEmulator(api_key="other", domain="roomlinks-dev")
    other = DailyEmulator(api_key="k", domain="roomlinks-prod")
    assert first.domain_id == again.domain_id
    assert first.domain_id != other.domain_id
    assert uuid.UUID(first.domain_id).version == 5


def test_api_key_never_appears_in_repr() -> None:
    emulator = DailyEmulator(api_key="super-secret-key", domain="roomlinks-dev")
    assert "super-secret-key" not in repr(emulator)


def test_lifecycle_errors() -> None:
    emulator = DailyEmulator(api_key="k", domain="d")
    with pytest.raises(RuntimeError):
        _ = emulator.base_url
    with emulator.start() as running:
        with pytest.raises(RuntimeError):
            running.start()
        url = running.base_url
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
    emulator.stop()  # idempotent
    with pytest.raises(ValueError, match="rate_limits"):
        DailyEmulator(api_key="k", domain="d", rate_limits="sometimes")
    with pytest.raises(ValueError, match="api_key"):
        DailyEmulator(api_key="", domain="d")


def test_chunked_request_body_keeps_the_connection_usable(daily: DailyClient) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"name": '
        yield b'"chunky"}'

    response = daily.post("/rooms", data=body(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["name"] == "chunky"
    assert daily.get("/rooms/chunky").status_code == 200


def test_bad_content_length_is_400(daily: DailyClient) -> None:
    host, port = daily.emu.base_url.removeprefix("http://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n")
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 400")


def test_key_rotation(daily: DailyClient) -> None:
    token = daily.post("/meeting-tokens", json={"properties": {"room_name": "r"}}).json()["token"]
    old_key = daily.emu.api_key
    daily.emu.set_api_key("rotated-key")
    assert daily.get("/rooms").status_code == 401  # the session still sends the old key
    daily.session.headers["Authorization"] = "Bearer rotated-key"
    assert daily.get("/rooms").status_code == 200
    assert daily.get(f"/meeting-tokens/{token}").json() == {
        "error": "invalid-request-error",
        "info": "invalid token",
    }
    fresh = daily.post("/meeting-tokens", json={"properties": {"room_name": "r"}}).json()
    assert daily.get(f"/meeting-tokens/{fresh['token']}").status_code == 200
    assert daily.emu.api_key == "rotated-key" != old_key
    assert "rotated-key" not in repr(daily.emu)
    with pytest.raises(ValueError, match="api_key"):
        daily.emu.set_api_key("")
