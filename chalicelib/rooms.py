"""Daily as the booking service sees it: make a room match a window, or delete it.

Wraps the REST client with what every caller needs: the API key from the cached secret (one
refresh and retry when Daily answers 401, i.e. the key was rotated), the domain (one cache:
the client's, seeded from the bookings table so a cold container does not ask Daily again),
and Daily's failures turned into ``RoomWorkFailed`` with a reason a user can act on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Literal, TypeVar

from chalicelib.booking import RoomWindow
from chalicelib.daily import (
    DailyAuthenticationError,
    DailyClient,
    DailyDeadlineExceeded,
    DailyError,
    DailyInvalidRequestError,
    DailyNotFoundError,
    DailyRateLimitError,
    Domain,
)
from chalicelib.errors import UpstreamUnavailableError
from chalicelib.observability import emit_metrics
from chalicelib.room_rules import keyed_mac
from chalicelib.secrets import SecretCache
from chalicelib.store import BookingStore

log = logging.getLogger(__name__)
T = TypeVar("T")

PendingReason = Literal[
    "daily-unavailable", "daily-rate-limited", "daily-key-rejected", "daily-room-limit"
]


class RoomWorkFailed(Exception):
    """Daily could not do the work now; ``reason`` is the booking's ``pending_reason``."""

    def __init__(self, reason: PendingReason) -> None:
        super().__init__(reason)
        self.reason: PendingReason = reason


def failure_reason(exc: DailyError) -> PendingReason:
    """Daily's refusal as something an operator can act on (contract §2.2 ``pending_reason``)."""
    if isinstance(exc, DailyDeadlineExceeded) and exc.last_error is not None:
        return failure_reason(exc.last_error)
    if isinstance(exc, DailyAuthenticationError):
        return "daily-key-rejected"
    if isinstance(exc, DailyRateLimitError):
        return "daily-rate-limited"
    if isinstance(exc, DailyInvalidRequestError) and _is_room_limit(exc.info or ""):
        return "daily-room-limit"
    return "daily-unavailable"


def _is_room_limit(info: str) -> bool:
    # Daily does not document the exact words; any "limit" that speaks of rooms counts.
    text = info.lower()
    return "limit" in text and "room" in text


class DailyRooms:
    def __init__(
        self,
        secrets: SecretCache,
        store: BookingStore,
        base_url: str,
        client_factory: Callable[[str, str], DailyClient] = DailyClient,
    ) -> None:
        self._secrets = secrets
        self._store = store
        self._base_url = base_url
        self._client_factory = client_factory
        self._clients: dict[str, DailyClient] = {}
        self._lock = threading.Lock()
        self._rejected_keys: set[str] = set()
        self._room_limit_reported = False

    def _client(self, api_key: str) -> DailyClient:
        with self._lock:
            client = self._clients.get(api_key)
            if client is None:
                client = self._clients[api_key] = self._client_factory(api_key, self._base_url)
            return client

    def with_client(self, operation: Callable[[DailyClient], T]) -> T:
        """Run ``operation`` with the current key; after a 401, re-read the secret once and
        retry with a new key. DailyError propagates."""
        api_key = self._secrets.get().daily_api_key
        try:
            return operation(self._client(api_key))
        except DailyAuthenticationError:
            fresh = self._secrets.refresh().daily_api_key
            if fresh == api_key:
                self._report_rejected_key(api_key)
                raise
            return operation(self._client(fresh))

    def _report_rejected_key(self, api_key: str) -> None:
        """A refused key is no transient failure: say so loudly, once per key and container."""
        fingerprint = self._fingerprint(api_key)
        if fingerprint not in self._rejected_keys:
            self._rejected_keys.add(fingerprint)
            log.error(
                "Daily rejects the daily_api_key in the secret (key %s): put a valid key in "
                "the secret; bookings stay pending until then",
                fingerprint[:8],
            )

    def _fingerprint(self, api_key: str) -> str:
        signing_key = self._secrets.get().signing_key
        return keyed_mac(signing_key, "daily-key", api_key).hex()[:24]

    def known_domain(self) -> Domain | None:
        """The Daily key's domain if already known (process cache, then the table); no Daily
        call."""
        api_key = self._secrets.get().daily_api_key
        client = self._client(api_key)
        cached = client.cached_domain()
        if cached is not None:
            return cached
        try:
            stored = self._store.daily_domain(self._fingerprint(api_key))
        except UpstreamUnavailableError:
            stored = None
        if stored is not None:
            client.remember_domain(stored)
        return stored

    def domain(self, deadline: float | None) -> Domain | None:
        """The Daily key's domain: known already, else asked of Daily (once per key)."""
        known = self.known_domain()
        if known is not None:
            return known
        try:
            domain = self.with_client(lambda c: c.get_domain(deadline=deadline))
        except DailyError as exc:
            log.warning("daily domain lookup failed: %s", exc.error)
            return None
        # The key that answered: a 401 on the way may have refreshed a rotated one.
        fingerprint = self._fingerprint(self._secrets.get().daily_api_key)
        try:
            self._store.remember_daily_domain(fingerprint, domain)
        except UpstreamUnavailableError:
            log.warning("could not store the Daily domain; it is looked up again next time")
        return domain

    def ensure(self, name: str, window: RoomWindow, deadline: float | None) -> None:
        """The room exists with exactly this window afterwards (created or corrected)."""

        def run(client: DailyClient) -> None:
            properties = window.room_properties()
            if window.shared:
                # A host's room usually exists already: one GET, a create only when it does not.
                try:
                    client.get_room(name, deadline=deadline)
                    return
                except DailyNotFoundError:
                    pass
            room, created = client.ensure_room(
                name, privacy=window.privacy, properties=properties, deadline=deadline
            )
            if (
                not created
                and not window.shared
                and (
                    room.nbf != window.nbf
                    or room.exp != window.exp
                    or room.privacy != window.privacy
                )
            ):
                client.update_room(
                    name, privacy=window.privacy, properties=properties, deadline=deadline
                )

        self._attempt("ensure room", run)

    def move(self, name: str, window: RoomWindow, deadline: float | None) -> None:
        """Move an existing room's window (one call); re-create it if it is gone."""

        def run(client: DailyClient) -> None:
            try:
                client.update_room(
                    name,
                    privacy=window.privacy,
                    properties=window.room_properties(),
                    deadline=deadline,
                )
            except DailyNotFoundError:
                client.ensure_room(
                    name,
                    privacy=window.privacy,
                    properties=window.room_properties(),
                    deadline=deadline,
                )

        self._attempt("move room", run)

    def delete(self, name: str, deadline: float | None) -> None:
        """The room is gone afterwards (already gone counts)."""
        self._attempt("delete room", lambda c: c.delete_room(name, deadline=deadline))

    def _attempt(self, what: str, operation: Callable[[DailyClient], object]) -> None:
        try:
            self.with_client(operation)
        except DailyError as exc:
            reason = failure_reason(exc)
            emit_metrics({"DailyErrors": 1})
            emit_metrics({"DailyFailures": 1}, reason=reason)
            log.warning("daily %s failed: %s (status %s) → %s", what, exc.error, exc.status, reason)
            if reason == "daily-room-limit" and not self._room_limit_reported:
                self._room_limit_reported = True
                log.error(
                    "Daily's room limit is reached: bookings stay pending (daily-room-limit) "
                    "until rooms free up. Raise the Daily plan, lower ROOM_LEAD_MINUTES, or "
                    "set ROOM_MODE=per_host"
                )
            raise RoomWorkFailed(reason) from None
