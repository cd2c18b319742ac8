"""Test doubles for the Daily client: a scripted HTTP adapter and a fake monotonic clock."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


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


class ScriptedAdapter(BaseAdapter):
    """Answers requests from a script of Answer objects or exceptions to raise, in order."""

    def __init__(self, script: Sequence[Answer | Exception], time: FakeTime | None = None) -> None:
        super().__init__()
        self.script = list(script)
        self.sent: list[Sent] = []
        self.time = time

    def send(  # noqa: PLR0917 - the signature is requests' BaseAdapter.send
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        body = json.loads(request.body) if request.body else None
        self.sent.append(
            Sent(str(request.method), str(request.url), dict(request.headers), body, timeout)
        )
        if not self.script:
            raise AssertionError("the client sent more requests than scripted")
        item = self.script.pop(0)
        if isinstance(item, Exception):
            if self.time is not None and isinstance(item, requests.Timeout):
                # A timeout costs the time the client allowed for it.
                self.time.now += max(timeout) if isinstance(timeout, tuple) else (timeout or 0)
            raise item
        if self.time is not None:
            self.time.now += item.advance
        resp = requests.Response()
        resp.status_code = item.status
        resp._content = json.dumps(item.body).encode()
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json", **item.headers})
        resp.url = str(request.url)
        resp.request = request
        resp.reason = "scripted"
        return resp

    def close(self) -> None:
        pass


def scripted_session(adapter: ScriptedAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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
