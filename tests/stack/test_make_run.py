"""`make run` itself (contract §1): a stop signal to make stops everything; a restart works.

These run the real Makefile recipe, so they need `make install` to be up to date (it is under
`make test`); otherwise make would install packages in the middle of a test, and they skip.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import requests

from local.launcher import PROJECT_DIR, STOP_TIMEOUT, launcher_env, terminate, wait_until_ready
from local.processes import free_port, port_is_free, port_is_open
from tests.plugins.local_stack import launched_stack, pid_alive, processes_started_for

# An outer `make test` must not hand its jobserver or level to the `make run` under test.
_MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


@pytest.fixture(scope="module")
def installed() -> None:
    """`make run` would otherwise start with `pip install`/`npm ci`."""
    question = subprocess.run(
        ["make", "--question", "install"], cwd=PROJECT_DIR, capture_output=True, check=False
    )
    if question.returncode != 0:
        pytest.skip("`make install` is not up to date; run it first")


class MakeRun(NamedTuple):
    process: subprocess.Popen[bytes]
    output: Path
    state_dir: Path


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.fixture
def make_run(installed: None, tmp_path: Path) -> Iterator[MakeRun]:
    """`make run` in a session of its own, so a signal sent to make reaches make alone."""
    state_dir = tmp_path / "state"
    env = launcher_env(state_dir, free_port(), {})
    for name in _MAKE_VARIABLES:
        env.pop(name, None)
    output = tmp_path / "make-run.log"
    with output.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield MakeRun(make, output, state_dir)
    finally:
        terminate(make)
        for pid in processes_started_for(state_dir):  # only if the test failed: no orphans
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda stop: stop.name
)
def test_a_stop_signal_to_make_itself_stops_everything(
    make_run: MakeRun, stop: signal.Signals
) -> None:
    make, output, state_dir = make_run
    info = wait_until_ready(make, state_dir, output)
    launcher = info["pids"]["launcher"]
    # exec: no shell between make and the launcher, so what make forwards reaches it.
    assert _parent_of(launcher) == make.pid
    assert set(info["pids"]) == {
        "launcher",
        "dynalite",
        "moto",
        "daily_emulator",
        "chalice",
        "reconcile",
        "frontend",
    }

    os.kill(make.pid, stop)
    try:
        make.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"make still running {STOP_TIMEOUT:.0f} s after {stop.name}")
    text = output.read_text()
    assert "local stack stopped" in text, text
    assert not [pid for pid in info["pids"].values() if pid_alive(pid)]
    assert processes_started_for(state_dir) == []
    assert not (state_dir / "stack.json").exists()
    port = info["ports"]["api"]
    assert not port_is_open(port)
    assert port_is_free(port)


def _health_closed_by_the_server(port: int) -> None:
    """GET /v1/health over HTTP/1.0, reading to EOF before closing: the server closes first,
    so the API port's side of the connection is the one left in TIME_WAIT."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200"), answer


def _bind_without_reuse(port: int) -> bool:
    """What the old free-port probe did: True when a plain bind succeeds."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_a_restart_right_after_a_stop_uses_the_same_port(tmp_path: Path) -> None:
    port = free_port()
    with launched_stack(tmp_path / "first", port=port):
        _health_closed_by_the_server(port)
    # The case that used to make `make run` refuse the port for a minute after a Ctrl-C.
    assert not port_is_open(port)
    if _bind_without_reuse(port):
        pytest.fail("expected TIME_WAIT on the API port after a stop; the test proves nothing")
    with launched_stack(tmp_path / "second", port=port) as second:
        assert second.api_url == f"http://127.0.0.1:{port}"
        assert requests.get(f"{second.api_url}/v1/health", timeout=5).status_code == 200
