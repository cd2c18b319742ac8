"""Fixtures that serve the Daily emulator over real HTTP for any test package.

``daily_emulator`` gives each test a fresh domain with rate limits off; use
``daily_emulator_factory`` for other options (rate limits, seed, a frozen clock, a room limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from local.daily_emulator import Clock, DailyEmulator

# As long as a real Daily key (64 hex characters), so HS256 signing sees a realistic key.
TEST_API_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
TEST_DOMAIN = "roomlinks-test"

EmulatorFactory = Callable[..., DailyEmulator]
"""Keyword arguments as for ``DailyEmulator`` (defaults: the test key and domain)."""


@pytest.fixture
def daily_emulator() -> Iterator[DailyEmulator]:
    """A started emulator for ``roomlinks-test``, stopped after the test."""
    with DailyEmulator(api_key=TEST_API_KEY, domain=TEST_DOMAIN, rate_limits="off").start() as emu:
        yield emu


@pytest.fixture
def daily_emulator_factory() -> Iterator[EmulatorFactory]:
    """Start emulators with custom options; every one is stopped at teardown."""
    started: list[DailyEmulator] = []

    def start(
        *,
        api_key: str = TEST_API_KEY,
        domain: str = TEST_DOMAIN,
        rate_limits: str | float = "off",
        clock: Clock | None = None,
        seed: int | None = None,
        max_rooms: int | None = None,
    ) -> DailyEmulator:
        emu = DailyEmulator(
            api_key=api_key,
            domain=domain,
            rate_limits=rate_limits,
            clock=clock,
            seed=seed,
            max_rooms=max_rooms,
        ).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()
