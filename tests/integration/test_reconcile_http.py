"""Reconcile against the `make run` stack (dynalite): two overlapping passes never do the same
work twice. A stack of its own with RECONCILE_EVERY=0, so its own schedule stays out."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from local.launcher import PROJECT_DIR
from tests.integration.test_core_path_http import Api, unique, zap
from tests.plugins.local_stack import RunningStack, launched_stack

PENDING = 6


@pytest.fixture(scope="module")
def quiet_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    state = tmp_path_factory.mktemp("reconcile-stack") / "state"
    with launched_stack(state, {"RECONCILE_EVERY": "0"}) as stack:
        yield stack


def reconcile_pass(state_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        # As if two minutes later: the bookings just failed, so reconcile backs off a minute.
        [sys.executable, "-m", "local.reconcile", "--later", "120"],
        cwd=PROJECT_DIR,
        env={"LOCAL_STATE_DIR": str(state_dir), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_overlapping_passes_never_do_the_same_work_twice(quiet_stack: RunningStack) -> None:
    api = Api(quiet_stack)
    api.faults(fail_next={"n": 10_000, "status": 503, "error": "server-error"})
    try:
        made = [api.zapier(zap(unique("overlap"))).json() for _ in range(PENDING)]
    finally:
        api.faults(clear=True)
    assert all(m["status"] == "pending" for m in made)
    counters = f"{api.daily_root}/_emulator/counters"
    before = requests.get(counters, headers=api.daily_auth, timeout=10).json()
    passes = [reconcile_pass(quiet_stack.state_dir) for _ in range(2)]
    summaries = []
    for process in passes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    after = requests.get(counters, headers=api.daily_auth, timeout=10).json()
    assert sum(s["created"] for s in summaries) == PENDING
    assert after.get("POST /rooms", 0) - before.get("POST /rooms", 0) == PENDING
    for booking in made:
        room = requests.get(
            f"{quiet_stack.daily_api_url}/rooms/{booking['room_name']}",
            headers=api.daily_auth,
            timeout=10,
        )
        assert room.status_code == 200
