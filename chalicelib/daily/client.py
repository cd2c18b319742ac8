"""The Daily REST client: rooms, the domain and meeting tokens over one shared connection pool.

Every public method takes ``deadline``, an absolute ``time.monotonic()`` value (for example
derived from a Lambda's remaining time): pacing waits, per-attempt timeouts and retry sleeps
are all cut to it, and ``DailyDeadlineExceeded`` is raised instead of running past it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar
from urllib.parse import quote

import urllib3
from pydantic import BaseModel, ValidationError

from chalicelib.daily import domains
from chalicelib.daily.errors import (
    DailyError,
    DailyInvalidRequestError,
    DailyNotFoundError,
)
from chalicelib.daily.models import Domain, Privacy, Room
from chalicelib.daily.pacing import DELETE_ROOM
from chalicelib.daily.retry import RetrySettings
from chalicelib.daily.token_calls import MeetingTokenCalls
from chalicelib.daily.transport import Transport

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "DailyClient"]

DEFAULT_BASE_URL = "https://api.daily.co/v1"
#: (connect, read) seconds; connect slightly above a multiple of 3 s (TCP retransmit timer).
DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 10.0)
MAX_PAGE_SIZE = 100
MAX_BATCH_DELETE = 1000
#: Rounds of create -> "exists" -> GET -> 404 (deleted meanwhile) before ensure_room gives up.
ENSURE_ROUNDS = 3

_M = TypeVar("_M", bound=BaseModel)


class DailyClient(MeetingTokenCalls):
    """A Daily REST client for one API key. Cheap to build; one connection pool per process."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        backoff_factor: float = 0.25,
        backoff_max: float = 4.0,
        backoff_jitter: float = 0.25,
        retry_after_max: int = 30,
        pacing: bool | float = True,
        pool: urllib3.PoolManager | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ValueError("a Daily API key is required")
        url = base_url or os.environ.get("DAILY_API_URL") or DEFAULT_BASE_URL
        retry = RetrySettings(
            max_attempts=max_attempts,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            backoff_jitter=backoff_jitter,
            retry_after_max=retry_after_max,
        )
        self._transport = Transport(
            api_key,
            url.rstrip("/"),
            timeout=timeout if isinstance(timeout, tuple) else (timeout, timeout),
            retry=retry,
            pacing=pacing,
            pool=pool,
            clock=clock,
            sleep=sleep,
        )
        self._call = self._transport.call

    @property
    def base_url(self) -> str:
        """The API root every path is appended to (no trailing slash)."""
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"DailyClient(base_url={self.base_url!r}, api_key=<redacted>)"

    # -- domain -------------------------------------------------------------------------------

    def cached_domain(self) -> Domain | None:
        """The domain if this process already knows it for this key and base URL."""
        return domains.cached((self._transport.key_id, self.base_url))

    def remember_domain(self, domain: Domain) -> None:
        """Seed the process cache (e.g. from the bookings table, so a cold start asks no one)."""
        domains.remember((self._transport.key_id, self.base_url), domain)

    def get_domain(self, *, deadline: float | None = None) -> Domain:
        """The key's domain from ``GET /``, fetched once per process, base URL and key."""
        wait = -1.0 if deadline is None else max(0.0, deadline - self._transport.clock())

        def fetch() -> Domain:
            data = self._call("GET", "/", "/", deadline=deadline, safe=True)
            return self._parse(Domain, data, "GET /")

        return domains.fetch_once((self._transport.key_id, self.base_url), fetch, wait)

    # -- rooms --------------------------------------------------------------------------------

    def create_room(
        self,
        name: str | None = None,
        privacy: Privacy | None = None,
        properties: Mapping[str, object] | None = None,
        *,
        deadline: float | None = None,
    ) -> Room:
        """``POST /rooms``. Fully retried only when ``name`` is given (a repeat cannot make two
        rooms); without a name only 429s and failures to connect, which Daily never acted on.

        A retry whose earlier attempt did create the room meets Daily's "already exists" 400;
        ``ensure_room`` resolves that, plain ``create_room`` raises it.
        """
        body: dict[str, object] = {}
        if name is not None:
            body["name"] = name
        if privacy is not None:
            body["privacy"] = privacy
        if properties is not None:
            body["properties"] = dict(properties)
        data = self._call(
            "POST", "/rooms", "/rooms", json=body, deadline=deadline, safe=name is not None
        )
        return self._parse(Room, data, "POST /rooms")

    def ensure_room(
        self,
        name: str,
        privacy: Privacy | None = None,
        properties: Mapping[str, object] | None = None,
        *,
        deadline: float | None = None,
    ) -> tuple[Room, bool]:
        """Create room ``name`` or return the existing one; the bool says "this call created it".

        Daily answers a duplicate with a generic 400, so existence is confirmed with
        ``GET /rooms/:name``. An existing room is returned as is, even if its config differs.
        """
        for _ in range(ENSURE_ROUNDS):
            try:
                return self.create_room(name, privacy, properties, deadline=deadline), True
            except DailyInvalidRequestError as exc:
                try:
                    return self.get_room(name, deadline=deadline), False
                except DailyNotFoundError:
                    # A genuine bad request, unless the room was deleted in between (then the
                    # info text, only a hint here, says it existed): create again.
                    if "already exists" not in (exc.info or ""):
                        raise exc from None
        raise DailyInvalidRequestError(
            None, f"room {name} kept vanishing between create and get", status=400
        )

    def get_room(self, name: str, *, deadline: float | None = None) -> Room:
        """``GET /rooms/:name``; a missing or expired room raises DailyNotFoundError."""
        data = self._call("GET", "/rooms/:name", self._room_path(name), deadline=deadline)
        return self._parse(Room, data, "GET /rooms/:name")

    def update_room(
        self,
        name: str,
        privacy: Privacy | None = None,
        properties: Mapping[str, object] | None = None,
        *,
        deadline: float | None = None,
    ) -> Room:
        """``POST /rooms/:name`` with merge semantics: unsent properties stay, ``None`` resets."""
        body: dict[str, object] = {}
        if privacy is not None:
            body["privacy"] = privacy
        if properties is not None:
            body["properties"] = dict(properties)
        data = self._call(
            "POST", "/rooms/:name", self._room_path(name), json=body, deadline=deadline, safe=True
        )
        return self._parse(Room, data, "POST /rooms/:name")

    def delete_room(self, name: str, *, deadline: float | None = None) -> bool:
        """``DELETE /rooms/:name``; False when the room was already gone (404, or expired)."""
        try:
            self._call(
                "DELETE",
                "/rooms/:name",
                self._room_path(name),
                deadline=deadline,
                endpoint_class=DELETE_ROOM,
            )
        except DailyNotFoundError:
            return False
        return True

    def iter_rooms(
        self, limit: int = MAX_PAGE_SIZE, *, deadline: float | None = None
    ) -> Iterator[Room]:
        """Every listed room, newest first, page by page (``starting_after`` = last room id)."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        params: dict[str, str | int] = {"limit": limit}
        while True:
            data = self._call("GET", "/rooms", "/rooms", params=params, deadline=deadline)
            raw_rooms = data.get("data") if isinstance(data, Mapping) else None
            if not isinstance(raw_rooms, list):
                raise DailyError("invalid-response", "GET /rooms: no data list", status=200)
            rooms = [self._parse(Room, item, "GET /rooms") for item in raw_rooms]
            yield from rooms
            if len(rooms) < limit:
                return
            params = {"limit": limit, "starting_after": rooms[-1].id}

    def delete_rooms(self, names: Iterable[str], *, deadline: float | None = None) -> int:
        """``DELETE /batch/rooms`` in chunks of 1000 names; the total Daily reports deleted."""
        pending = list(names)
        deleted = 0
        for start in range(0, len(pending), MAX_BATCH_DELETE):
            chunk = pending[start : start + MAX_BATCH_DELETE]
            data = self._call(
                "DELETE",
                "/batch/rooms",
                "/batch/rooms",
                json={"room_names": chunk},
                deadline=deadline,
            )
            count = data.get("deleted_count") if isinstance(data, Mapping) else None
            if not isinstance(count, int):
                raise DailyError("invalid-response", "batch delete: no deleted_count", status=200)
            deleted += count
        return deleted

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _room_path(name: str) -> str:
        return f"/rooms/{quote(name, safe='')}"

    @staticmethod
    def _parse(model: type[_M], data: object, route: str) -> _M:
        try:
            return model.model_validate(data)
        except ValidationError:
            raise DailyError(
                "invalid-response", f"{route}: unexpected answer shape", status=200
            ) from None
