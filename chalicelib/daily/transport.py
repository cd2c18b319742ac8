"""One logical Daily call: pacing, per-attempt timeouts, error mapping and bounded retries.

``deadline`` is an absolute ``time.monotonic()`` value. Pacing waits, attempt timeouts and
retry sleeps are cut to it, and ``DailyDeadlineExceeded`` is raised instead of passing it.
"""

from __future__ import annotations

import hashlib
import json as jsonlib
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.response import BaseHTTPResponse

from chalicelib.daily.errors import (
    DailyDeadlineExceeded,
    DailyError,
    DailyTimeoutError,
    DailyTransportError,
    error_from_body,
)
from chalicelib.daily.pacing import DELETE_ROOM, GENERAL, SlidingWindowLimiter, shared_limiter
from chalicelib.daily.retry import RetrySettings, RetryState
from chalicelib.daily.session import REQUEST_HEADERS, get_pool

__all__ = ["Transport", "key_id"]

log = logging.getLogger("chalicelib.daily")


def key_id(api_key: str) -> str:
    """A stable non-secret identity for a key, for per-key caches and pacers."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def _connect_phase(exc: HTTPError) -> bool:
    """True when the request provably never reached the server (connect timeout or refusal).

    urllib3's NewConnectionError (refused, DNS) subclasses ConnectTimeoutError.
    """
    return isinstance(exc, ConnectTimeoutError)


def _timed_out(exc: HTTPError) -> bool:
    """A connect or read timeout; a refused connection is not one (it is a transport error)."""
    if isinstance(exc, NewConnectionError):
        return False
    return isinstance(exc, ConnectTimeoutError | ReadTimeoutError)


class Transport:
    """Sends requests for one API key; the key never leaves the Authorization header."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: tuple[float, float],
        retry: RetrySettings,
        pacing: bool | float,
        pool: urllib3.PoolManager | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._api_key = api_key
        self.key_id = key_id(api_key)
        self.base_url = base_url
        self.timeout = timeout
        self.retry = retry
        scale = 1.0 if pacing is True else float(pacing)
        self.pacers: dict[str, SlidingWindowLimiter] | None = (
            None
            if pacing is False
            else {c: shared_limiter(self.key_id, c, scale) for c in (GENERAL, DELETE_ROOM)}
        )
        self._pool = pool
        self.clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, api_key=<redacted>)"

    @property
    def api_key(self) -> str:
        """The key, for the local token signer only."""
        return self._api_key

    def scrub(self, text: str, secret: str | None = None) -> str:
        """Remove the API key and a path secret (a token) from text bound for an exception."""
        text = text.replace(self._api_key, "<redacted>")
        return text.replace(secret, "<redacted>") if secret else text

    def _attempt_timeout(self, deadline: float | None, route: str) -> tuple[float, float]:
        connect, read = self.timeout
        if deadline is None:
            return connect, read
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise DailyDeadlineExceeded(f"{route}: deadline passed before sending")
        return min(connect, remaining), min(read, remaining)

    def call(
        self,
        method: str,
        route: str,
        path: str,
        *,
        deadline: float | None,
        safe: bool = True,
        endpoint_class: str = GENERAL,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
        secret: str | None = None,
    ) -> Any:
        """Send one logical call and return its decoded JSON body, or raise a DailyError.

        ``route`` is the templated path used in logs and messages; ``safe`` says whether a
        repeat can do harm (see ``RetryState.is_retryable``); ``secret`` is scrubbed from any
        message (a token in the path).
        """
        state = RetryState(self.retry, method, route)
        pool = self._pool or get_pool()
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        headers = {**REQUEST_HEADERS, "Authorization": f"Bearer {self._api_key}"}
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, allow_nan=False).encode()
            headers["Content-Type"] = "application/json"
        last: DailyError | None = None
        while True:
            try:
                if self.pacers is not None:
                    self.pacers[endpoint_class].acquire(deadline)
                timeout = self._attempt_timeout(deadline, f"{method} {route}")
            except DailyDeadlineExceeded as exc:
                raise DailyDeadlineExceeded(exc.info, last_error=last) from None
            answer: BaseHTTPResponse | None = None
            try:
                resp = pool.request(
                    method,
                    url,
                    body=body,
                    headers=headers,
                    timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
                    retries=False,
                    redirect=False,
                )
            except HTTPError as exc:
                err = self._transport_error(exc, method, route, secret)
                if deadline is not None and self.clock() >= deadline:
                    raise DailyDeadlineExceeded(
                        f"{method} {route}: deadline passed during attempt {state.attempts + 1}",
                        last_error=err,
                    ) from None
            else:
                if 200 <= resp.status < 300:
                    return _decode(resp, route)
                answer = resp
                err = self._http_error(resp, state, secret)
            last = err
            if not state.is_retryable(err, safe=safe):
                raise err
            delay = state.next_delay(err, answer)
            if delay is None:
                raise err
            if deadline is not None and self.clock() + delay >= deadline:
                raise DailyDeadlineExceeded(
                    f"{method} {route}: next retry in {delay:.2f}s would pass the deadline",
                    last_error=err,
                )
            log.warning(
                "daily %s %s failed (%s), retry %d in %.2fs",
                method,
                route,
                err.error,
                state.attempts,
                delay,
            )
            if delay > 0:
                self._sleep(delay)

    def _transport_error(
        self, exc: HTTPError, method: str, route: str, secret: str | None
    ) -> DailyError:
        detail = self.scrub(f"{method} {route}: {type(exc).__name__}: {exc}", secret)
        sent = not _connect_phase(exc)
        if _timed_out(exc):
            return DailyTimeoutError(detail, request_sent=sent)
        return DailyTransportError(detail, request_sent=sent)

    def _http_error(
        self, resp: BaseHTTPResponse, state: RetryState, secret: str | None
    ) -> DailyError:
        try:
            body = jsonlib.loads(resp.data)
        except ValueError:
            body = None
        if isinstance(body, Mapping) and isinstance(body.get("info"), str):
            body = {**body, "info": self.scrub(body["info"], secret)}
        retry_after = state.parse_retry_after(resp.headers.get("Retry-After"))
        return error_from_body(
            resp.status, body, retry_after=retry_after, fallback_info=resp.reason or None
        )


def _decode(resp: BaseHTTPResponse, route: str) -> Any:
    try:
        return jsonlib.loads(resp.data)
    except ValueError:
        raise DailyError(
            "invalid-response", f"{route}: answer is not JSON", status=resp.status
        ) from None
