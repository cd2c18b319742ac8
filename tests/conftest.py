"""Shared pytest wiring: fixtures live in tests/plugins so every test package can use them."""

pytest_plugins = [
    "tests.plugins.daily_emulator",
    "tests.plugins.local_stack",
    "tests.plugins.service_harness",
]
