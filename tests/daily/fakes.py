"""Test doubles for the Daily client: a scripted connection pool and a fake monotonic clock."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import urllib3
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError
from urllib3.response import HTTPResponse


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps (or a test says so)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: Any
    timeout: Any


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    advance: float = 0.0  # seconds the fake clock moves while "on the wire"


class ScriptedPool(urllib3.PoolManager):
    """Answers requests from a script of Answer objects or exceptions to raise, in order."""

    def __init__(self, script: Sequence[Answer | Exception], time: FakeTime | None = None) -> None:
        super().__init__()
        self.script = list(script)
        self.sent: list[Sent] = []
        self.time = time

    def request(  # type: ignore[override]  # only the keywords the client sends
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> HTTPResponse:
        timeout: urllib3.Timeout = options["timeout"]
        assert (options["retries"], options["redirect"]) == (False, False)
        limits = (timeout.connect_timeout, timeout.read_timeout)
        self.sent.append(
            Sent(method, url, dict(headers or {}), json.loads(body) if body else None, limits)
        )
        if not self.script:
            raise AssertionError("the client sent more requests than scripted")
        item = self.script.pop(0)
        if isinstance(item, Exception):
            if self.time is not None and isinstance(item, ConnectTimeoutError | ReadTimeoutError):
                # A timeout costs the time the client allowed for it.
                self.time.now += max(t for t in limits if isinstance(t, float | int))
            raise item
        if self.time is not None:
            self.time.now += item.advance
        return HTTPResponse(
            body=json.dumps(item.body).encode(),
            headers={"Content-Type": "application/json", **item.headers},
            status=item.status,
            reason="scripted",
            preload_content=True,
        )


ROOM = {
    "id": "0b7f6f5e-0000-4000-8000-000000000001",
    "name": "r1",
    "api_created": True,
    "privacy": "private",
    "url": "https://roomlinks-test.daily.co/r1",
    "created_at": "2026-01-01T00:00:00.000Z",
    "config": {"exp": 1900000000},
}


def server_error(**kw: Any) -> Answer:
    return Answer(503, {"error": "server-error", "info": "boom"}, **kw)
