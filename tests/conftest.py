"""Shared pytest wiring: fixtures live in tests/plugins so every test package can use them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.plugins.daily_emulator",
    "tests.plugins.local_stack",
    "tests.plugins.service_harness",
]

# Suites that start processes (the local stack, moto's server, a browser): `-m "not
# integration"` leaves them out for a fast loop.
_INTEGRATION_DIRS = ("integration", "stack", "deploy", "e2e")
_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(item.path).relative_to(_TESTS).parts
        if parts and parts[0] in _INTEGRATION_DIRS:
            item.add_marker(pytest.mark.integration)
