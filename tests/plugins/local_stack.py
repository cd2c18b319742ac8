"""Pytest fixture `local_stack`: the real `python -m local.stack`, as `make run` starts it.

Session-scoped and lazy: only tests that request it pay the start-up (a few seconds). The
launcher gets a free PORT and a temporary LOCAL_STATE_DIR, so it never collides with a
developer's own `make run`. Teardown is itself a check: SIGTERM must stop the launcher with
status 0, close every port it opened, leave no child alive and withdraw stack.json.

`launched_stack()` / `start_stack()` / `stop_stack()` are public so tests can run extra,
differently configured launchers of their own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.launcher import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    StackNotReady,
    spawn_launcher,
    terminate,
    wait_until_ready,
)
from local.processes import log_tail, port_is_open


@dataclass
class RunningStack:
    """One launcher and the facts it published in stack.json."""

    api_url: str
    daily_api_url: str
    daily_api_key: str
    secret: dict[str, Any]
    info: dict[str, Any]
    state_dir: Path
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def stack_file(self) -> Path:
        return self.state_dir / "stack.json"

    def child_pids(self) -> dict[str, int]:
        return {name: pid for name, pid in self.info["pids"].items() if name != "launcher"}

    def ports(self) -> dict[str, int]:
        return dict(self.info["ports"])

    def banner(self, timeout: float = 10.0) -> str:
        """The launcher's output once its banner is complete (it follows the first 200)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.output.read_text(encoding="utf-8", errors="replace")
            if "\nready in " in text or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    def diagnostics(self) -> str:
        """Launcher output plus the tail of every child log, for failure messages."""
        parts = [f"--- launcher ({self.output}) ---\n{log_tail(self.output)}"]
        parts += [
            f"--- {name} ({path}) ---\n{log_tail(Path(path))}"
            for name, path in self.info.get("logs", {}).items()
        ]
        return "\n".join(parts)


def pid_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def processes_started_for(state_dir: Path) -> list[int]:
    """Live pids whose environment names `state_dir`: the launcher and all it started.

    Catches leaks even when stack.json (with its pid list) was never written. Linux only.
    """
    marker = f"LOCAL_STATE_DIR={state_dir}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if marker in (proc / "environ").read_bytes().split(b"\0") and pid_alive(int(proc.name)):
                found.append(int(proc.name))
    return found


def start_stack(
    state_dir: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT,
    port: int | None = None,
) -> RunningStack:
    """Start a launcher (on a free port unless given) and wait until /v1/health answers 200."""
    process, output = spawn_launcher(state_dir, env, port=port)
    return adopt_stack(process, state_dir, output, timeout)


def adopt_stack(
    process: subprocess.Popen[bytes],
    state_dir: Path,
    output: Path,
    timeout: float = START_TIMEOUT,
) -> RunningStack:
    """A launcher spawned by the test itself, once /v1/health answers 200."""
    try:
        info = wait_until_ready(process, state_dir, output, timeout)
    except StackNotReady as exc:
        pytest.fail(str(exc))
    return RunningStack(
        api_url=info["api_url"],
        daily_api_url=info["daily_api_url"],
        daily_api_key=info["daily_api_key"],
        secret=info["secret"],
        info=info,
        state_dir=state_dir,
        process=process,
        output=output,
    )


def wait_until_stopped(stack: RunningStack, timeout: float = STOP_TIMEOUT) -> int:
    """Wait for the launcher to exit, then assert it left nothing behind; its exit status."""
    try:
        code = stack.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        terminate(stack.process)
        pytest.fail(f"launcher still running {timeout:.0f} s after SIGTERM\n{stack.diagnostics()}")
    alive = {name: pid for name, pid in stack.child_pids().items() if pid_alive(pid)}
    assert not alive, f"children outlived the launcher: {alive}\n{stack.diagnostics()}"
    still_open = {name: port for name, port in stack.ports().items() if port_is_open(port)}
    assert not still_open, f"ports still open after stop: {still_open}\n{stack.diagnostics()}"
    assert not stack.stack_file.exists(), "stack.json must be removed when the stack stops"
    leaked = processes_started_for(stack.state_dir)
    assert not leaked, f"processes of this stack still running: {leaked}"
    return code


def stop_stack(stack: RunningStack, timeout: float = STOP_TIMEOUT) -> int:
    """SIGTERM the launcher and check it stopped cleanly; returns its exit status."""
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGTERM)
    return wait_until_stopped(stack, timeout)


@contextlib.contextmanager
def launched_stack(
    state_dir: Path, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[RunningStack]:
    """A launcher for the duration of a `with` block, stopped (and checked) at the end."""
    stack = start_stack(state_dir, env, port=port)
    try:
        yield stack
    finally:
        code = stop_stack(stack)
    assert code == 0, f"launcher exited with {code} on SIGTERM\n{stack.diagnostics()}"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The default local stack (dynalite, moto, Daily emulator, chalice local) for the session."""
    with launched_stack(tmp_path_factory.mktemp("local-stack") / "state") as stack:
        yield stack
