"""Clients wired to the in-process Daily emulator (fixtures from tests/plugins)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from chalicelib.daily import DailyClient
from local.daily_emulator import DailyEmulator

#: Daily keys are 64 hex characters; tests that sign tokens use one of that size so PyJWT
#: does not warn about short HMAC keys.
LONG_KEY = "0123456789abcdef" * 4


def make_client(emu: DailyEmulator, **kw: object) -> DailyClient:
    """A fast-retrying client without pacing unless a test asks for it."""
    options: dict[str, object] = {
        "pacing": False,
        "backoff_factor": 0.05,
        "backoff_jitter": 0.01,
        "timeout": (1.0, 2.0),
    }
    options.update(kw)
    return DailyClient(emu.api_key, emu.base_url, **options)  # type: ignore[arg-type]


@pytest.fixture
def client(daily_emulator: DailyEmulator) -> DailyClient:
    return make_client(daily_emulator)


@pytest.fixture
def unique_key() -> Callable[[], str]:
    """Fresh API keys, so per-key process-wide pacers and caches start empty."""
    return lambda: f"{uuid.uuid4().hex}{uuid.uuid4().hex}"
