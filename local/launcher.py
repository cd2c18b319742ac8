"""Run `python -m local.stack` as a child and wait for it: shared by the test fixtures and
the benchmarks, which both need a whole stack of their own beside a developer's `make run`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from local.processes import die_with_parent, free_port, log_tail

PROJECT_DIR = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0

# Variables of the developer's shell that would change what the launcher does.
_SCRUBBED = ("DAILY_API_KEY", "DAILY_API_URL", "LOCAL_SECRET_FILE", "LOCAL_STATE_DIR", "PORT")


class StackNotReady(RuntimeError):
    """The launcher exited or did not answer in time; the message carries every log's tail."""


def launcher_env(state_dir: Path, port: int, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"PORT": str(port), "LOCAL_STATE_DIR": str(state_dir), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def all_logs(state_dir: Path, output: Path) -> str:
    logs = sorted((state_dir / "logs").glob("*.log"))
    parts = [f"--- launcher ---\n{log_tail(output)}"]
    parts += [f"--- {log.stem} ---\n{log_tail(log)}" for log in logs]
    return "\n".join(parts)


def spawn_launcher(
    state_dir: Path,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    output: Path | None = None,
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start `python -m local.stack` (not waiting for it); output goes next to its state."""
    state_dir.mkdir(parents=True, exist_ok=True)
    output = output or state_dir.parent / f"{state_dir.name}-launcher.log"
    preexec = die_with_parent(os.getpid()) if sys.platform == "linux" else None
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.stack"],
            cwd=PROJECT_DIR,
            env=launcher_env(state_dir, port or free_port(), env or {}),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,  # noqa: PLW1509 - no threads at this point that matter
        )
    return process, output


def terminate(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, then SIGKILL if the launcher has not stopped within ``timeout``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_facts(stack_file: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads(stack_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info


def wait_until_ready(
    process: subprocess.Popen[bytes], state_dir: Path, output: Path, timeout: float = START_TIMEOUT
) -> dict[str, Any]:
    """stack.json's facts once /v1/health answers 200 (``StackNotReady`` otherwise)."""
    stack_file = state_dir / "stack.json"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise StackNotReady(
                f"local stack exited with status {process.returncode} while starting\n"
                + all_logs(state_dir, output)
            )
        info = _read_facts(stack_file)
        if info is not None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{info['api_url']}/v1/health", timeout=2).status_code == 200:
                    # Read again: the launcher rewrites stack.json as children start.
                    return _read_facts(stack_file) or info
        if time.monotonic() > deadline:
            terminate(process)
            raise StackNotReady(
                f"local stack not ready within {timeout:.0f} s\n" + all_logs(state_dir, output)
            )
        time.sleep(0.2)
