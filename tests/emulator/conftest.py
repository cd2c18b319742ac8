"""An authenticated ``requests`` client bound to the per-test emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.daily_emulator import DailyEmulator


class DailyClient:
    """Thin HTTP client: paths are relative to ``/v1`` and every call carries the key."""

    def __init__(self, emulator: DailyEmulator) -> None:
        self.emu = emulator
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {emulator.api_key}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.emu.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def now(self) -> int:
        return int(self.emu.clock.now())

    def create(self, name: str | None = None, **body: Any) -> dict[str, Any]:
        """Create a room and insist on success."""
        if name is not None:
            body["name"] = name
        response = self.post("/rooms", json=body)
        assert response.status_code == 200, response.text
        room: dict[str, Any] = response.json()
        return room


@pytest.fixture
def daily(daily_emulator: DailyEmulator) -> Iterator[DailyClient]:
    """A client for the default per-test emulator."""
    client = DailyClient(daily_emulator)
    yield client
    client.session.close()
