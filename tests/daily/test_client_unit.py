"""Construction, configuration and secrecy of the client, without any network."""

from __future__ import annotations

import http.server
import ipaddress
import ssl
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.daily import DEFAULT_BASE_URL, DailyClient, DailyError, DailyTransportError
from chalicelib.daily import session as session_module
from tests.daily.fakes import ROOM, Answer, FakeTime, ScriptedPool

KEY = "sk-live-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


def test_repr_hides_the_key() -> None:
    client = DailyClient(KEY, "https://daily.test/v1")
    for text in (repr(client), str(client), repr(client._transport), repr(vars(client))):
        assert KEY not in text
    assert "redacted" in repr(client)


def test_an_api_key_is_required() -> None:
    with pytest.raises(ValueError, match="API key"):
        DailyClient("")


def test_base_url_from_env_unless_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAILY_API_URL", raising=False)
    assert DailyClient(KEY).base_url == DEFAULT_BASE_URL == "https://api.daily.co/v1"
    monkeypatch.setenv("DAILY_API_URL", "http://127.0.0.1:1234/v1/")
    assert DailyClient(KEY).base_url == "http://127.0.0.1:1234/v1"
    assert DailyClient(KEY, "https://other.test/v1").base_url == "https://other.test/v1"


def test_requests_carry_bearer_key_json_and_paths() -> None:
    t = FakeTime()
    pool = ScriptedPool(
        [Answer(200, ROOM), Answer(200, ROOM), Answer(200, {"deleted": True, "name": "r1"})], t
    )
    client = DailyClient(
        KEY,
        "https://daily.test/v1",
        pool=pool,
        pacing=False,
        clock=t.clock,
        sleep=t.sleep,
    )
    client.create_room("r1", "private", {"exp": 1_900_000_000, "enable_chat": None})
    client.update_room("r 1/x", properties={"max_participants": None})
    assert client.delete_room("r1") is True
    first, second, third = pool.sent
    assert first.headers["Authorization"] == f"Bearer {KEY}"
    assert (first.method, first.url) == ("POST", "https://daily.test/v1/rooms")
    assert first.body == {
        "name": "r1",
        "privacy": "private",
        "properties": {"exp": 1_900_000_000, "enable_chat": None},
    }
    # names are quoted into one path segment; None is sent as JSON null (reset)
    assert second.url == "https://daily.test/v1/rooms/r%201%2Fx"
    assert second.body == {"properties": {"max_participants": None}}
    assert (third.method, third.url) == ("DELETE", "https://daily.test/v1/rooms/r1")


def test_unexpected_success_body_is_a_daily_error() -> None:
    pool = ScriptedPool([Answer(200, {"nope": 1})])
    client = DailyClient(KEY, "https://d.test/v1", pool=pool, pacing=False)
    with pytest.raises(DailyError) as info:
        client.get_room("r1")
    assert info.value.error == "invalid-response"
    assert not info.value.is_transient


def test_iter_rooms_limit_is_checked() -> None:
    client = DailyClient(KEY, "https://d.test/v1", pacing=False)
    with pytest.raises(ValueError, match="limit"):
        next(client.iter_rooms(limit=101))
    with pytest.raises(ValueError, match="limit"):
        next(client.iter_rooms(limit=0))


def test_delete_rooms_of_nothing_sends_nothing() -> None:
    pool = ScriptedPool([])
    client = DailyClient(KEY, "https://d.test/v1", pool=pool, pacing=False)
    assert client.delete_rooms([]) == 0
    assert pool.sent == []


def test_delete_rooms_chunks_by_a_thousand() -> None:
    pool = ScriptedPool(
        [
            Answer(200, {"deleted_count": 1000}),
            Answer(200, {"deleted_count": 1000}),
            Answer(200, {"deleted_count": 3}),
        ]
    )
    client = DailyClient(KEY, "https://d.test/v1", pool=pool, pacing=False)
    names = [f"room-{i}" for i in range(2003)]
    assert client.delete_rooms(iter(names)) == 2003
    assert [len(s.body["room_names"]) for s in pool.sent] == [1000, 1000, 3]
    assert [n for s in pool.sent for n in s.body["room_names"]] == names
    assert {(s.method, s.url) for s in pool.sent} == {("DELETE", "https://d.test/v1/batch/rooms")}


def test_importing_the_package_creates_no_pool_and_opens_no_socket() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('network touched on import')\n"
        "socket.socket.connect = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "socket.create_connection = refuse\n"
        "import chalicelib.daily as d\n"
        "from chalicelib.daily import session\n"
        "d.DailyClient('k', 'https://api.daily.co/v1')\n"
        "assert session._POOL is None, 'pool created early'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_pool_is_created_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "_POOL", None)
    created: list[urllib3.PoolManager] = []
    real = session_module._new_pool

    def counting() -> urllib3.PoolManager:
        pool = real()
        created.append(pool)
        return pool

    monkeypatch.setattr(session_module, "_new_pool", counting)
    barrier = threading.Barrier(16)
    seen: list[urllib3.PoolManager] = []

    def worker() -> None:
        barrier.wait()
        seen.append(session_module.get_pool())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(created) == 1
    assert all(p is created[0] for p in seen)
    assert session_module.get_pool() is created[0]


def test_the_pool_does_not_retry_or_redirect_by_itself_and_holds_no_key() -> None:
    pool = session_module._new_pool()
    assert pool.connection_pool_kw["retries"].total is False
    assert Path(pool.connection_pool_kw["ca_certs"]).is_file()
    assert "Authorization" not in pool.headers
    assert "Authorization" not in session_module.REQUEST_HEADERS


def test_the_runtime_ships_no_requests() -> None:
    # botocore brings urllib3; requests would only add import time to every cold start.
    code = "import sys, app, chalicelib.daily.client\nprint('requests' in sys.modules)\n"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_a_certificate_no_trusted_authority_signed_is_refused(tmp_path: Path) -> None:
    """TLS is verified: a server with a self-signed certificate never sees the key."""
    cert_file, key_file = _self_signed(tmp_path)
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/v1"
        client = DailyClient(KEY, url, pacing=False, max_attempts=1)
        with pytest.raises(DailyTransportError) as info:
            client.get_room("r1")
        assert "SSL" in info.value.info and KEY not in info.value.info
        assert seen == []
    finally:
        server.shutdown()
        server.server_close()
