"""Daily as the booking service sees it: rooms for a window, or ``None`` when Daily is away.

Wraps the REST client with what every caller needs: the API key from the cached secret (one
refresh and retry when Daily answers 401, i.e. the key was rotated), the domain fetched once
per key and remembered in the bookings table so a cold container does not ask Daily again,
and transient failures turned into ``None`` so callers can store the booking as pending.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from chalicelib.daily import DailyClient, DailyError, Domain, Room
from chalicelib.daily.errors import DailyAuthenticationError, DailyNotFoundError
from chalicelib.errors import UpstreamUnavailableError
from chalicelib.policy import RoomWindow
from chalicelib.secrets import SecretCache
from chalicelib.store import BookingStore

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        self._domains: dict[str, Domain] = {}
        self._lock = threading.Lock()

    def _client(self, api_key: str) -> DailyClient:
        with self._lock:
            client = self._clients.get(api_key)
            if client is None:
                client = self._clients[api_key] = self._client_factory(api_key, self._base_url)
            return client

    def _call(self, operation: Callable[[DailyClient], T]) -> T:
        """Run ``operation``; after a 401, re-read the secret once and retry with a new key."""
        api_key = self._secrets.get().daily_api_key
        try:
            return operation(self._client(api_key))
        except DailyAuthenticationError:
            fresh = self._secrets.refresh().daily_api_key
            if fresh == api_key:
                raise
            return operation(self._client(fresh))

    def api_key(self) -> str:
        return self._secrets.get().daily_api_key

    def domain(self, deadline: float | None) -> Domain | None:
        secret = self._secrets.get()
        fingerprint = hmac.new(
            secret.signing_key.encode(), secret.daily_api_key.encode(), hashlib.sha256
        ).hexdigest()[:24]
        cached = self._domains.get(fingerprint)
        if cached is not None:
            return cached
        meta_key = f"daily-domain#{fingerprint}"
        try:
            stored = self._store.get_meta(meta_key)
        except UpstreamUnavailableError:
            stored = None
        if stored is not None:
            domain = Domain.model_validate(stored)
        else:
            try:
                domain = self._call(lambda c: c.get_domain(deadline=deadline))
            except DailyError as exc:
                log.warning("daily domain lookup failed: %s", exc.error)
                return None
            self._store.put_meta(
                meta_key, {"domain_name": domain.domain_name, "domain_id": domain.domain_id}
            )
        self._domains[fingerprint] = domain
        return domain

    def ensure(self, name: str, window: RoomWindow, deadline: float | None) -> Room | None:
        """The room exists with this window afterwards (created or corrected), or None."""

        def run(client: DailyClient) -> Room:
            properties = window.room_properties()
            room, created = client.ensure_room(
                name, privacy=window.privacy, properties=properties, deadline=deadline
            )
            if not created and (
                room.nbf != window.nbf or room.exp != window.exp or room.privacy != window.privacy
            ):
                room = client.update_room(
                    name, privacy=window.privacy, properties=properties, deadline=deadline
                )
            return room

        return self._attempt("ensure room", run)

    def update(self, name: str, window: RoomWindow, deadline: float | None) -> Room | None:
        """Move an existing room's window (one call); re-create it if it is gone."""

        def run(client: DailyClient) -> Room:
            try:
                return client.update_room(
                    name,
                    privacy=window.privacy,
                    properties=window.room_properties(),
                    deadline=deadline,
                )
            except DailyNotFoundError:
                room, _ = client.ensure_room(
                    name,
                    privacy=window.privacy,
                    properties=window.room_properties(),
                    deadline=deadline,
                )
                return room

        return self._attempt("update room", run)

    def delete(self, name: str, deadline: float | None) -> bool:
        """True once the room is gone (404 counts), False if Daily could not be reached."""
        return (
            self._attempt("delete room", lambda c: c.delete_room(name, deadline=deadline))
            is not None
        )

    def _attempt(self, what: str, operation: Callable[[DailyClient], T]) -> T | None:
        try:
            return self._call(operation)
        except DailyError as exc:
            # Daily answered badly or not at all within the deadline: the caller keeps the
            # booking and the next delivery (or the reconcile job) finishes the work.
            log.warning("daily %s failed: %s (status %s)", what, exc.error, exc.status)
            return None
