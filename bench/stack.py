"""Start the `make run` stack for a benchmark and stop it afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from local.processes import free_port

PROJECT_DIR = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def running_stack(timeout: float = 60.0) -> Iterator[dict[str, Any]]:
    """Yield the launcher's stack.json facts while `python -m local.stack` runs."""
    with tempfile.TemporaryDirectory(prefix="roomlinks-bench-") as tmp:
        state = Path(tmp) / "state"
        env = {
            k: v for k, v in os.environ.items() if k not in {"DAILY_API_KEY", "LOCAL_SECRET_FILE"}
        }
        env.update({"PORT": str(free_port()), "LOCAL_STATE_DIR": str(state)})
        with (Path(tmp) / "launcher.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "local.stack"],
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            yield _wait_ready(process, state / "stack.json", timeout)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(
    process: subprocess.Popen[bytes], stack_file: Path, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}")
        with contextlib.suppress(OSError, ValueError, requests.RequestException):
            info: dict[str, Any] = json.loads(stack_file.read_text())
            if requests.get(f"{info['api_url']}/v1/health", timeout=2).status_code == 200:
                return info
        time.sleep(0.2)
    raise RuntimeError("the local stack did not come up in time")
