"""Start the `make run` stack for a benchmark and stop it afterwards."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from local.launcher import spawn_launcher, terminate, wait_until_ready


@contextlib.contextmanager
def running_stack(env: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Yield the launcher's stack.json facts while `python -m local.stack` runs (with ``env``
    added to its environment)."""
    with tempfile.TemporaryDirectory(prefix="roomlinks-bench-") as tmp:
        state = Path(tmp) / "state"
        process, output = spawn_launcher(state, env)
        try:
            yield wait_until_ready(process, state, output)
        finally:
            terminate(process)
