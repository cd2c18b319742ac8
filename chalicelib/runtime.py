"""The per-container runtime: the one place that builds settings, secret cache, store, Daily.

Built lazily on first use (``current()``), never at import: a cold start that only answers a
health check creates no client. ``app.py`` hands the runtime to every route function; tests
and benchmarks build their own with ``Runtime(...)`` and ``install()`` it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.config import Settings, settings
from chalicelib.dynamo_store import DynamoBookingStore
from chalicelib.room_work import Rules
from chalicelib.rooms import DailyRooms
from chalicelib.secrets import AppSecret, SecretCache
from chalicelib.store import BookingStore


@dataclass
class Runtime:
    """Everything a request needs, created once per container."""

    settings: Settings
    secrets: SecretCache
    store: BookingStore
    rooms: DailyRooms
    clock: Callable[[], float] = field(default=time.time)

    def rules(self, secret: AppSecret) -> Rules:
        config = self.settings
        return Rules(
            signing_key=secret.signing_key,
            early_join_minutes=config.early_join_minutes,
            grace_minutes=config.grace_minutes,
            default_privacy=config.room_privacy,
            room_lead_seconds=config.room_lead_minutes * 60 if config.room_lead_minutes else None,
            room_mode=config.room_mode,
        )


def build(config: Settings) -> Runtime:
    secrets = SecretCache(config.secret_id)
    store = DynamoBookingStore(config.bookings_table)
    return Runtime(config, secrets, store, DailyRooms(secrets, store, config.daily_api_url))


_lock = threading.Lock()
_current: Runtime | None = None


def current() -> Runtime:
    """This container's runtime, built on first use from the environment (contract §3)."""
    global _current  # noqa: PLW0603 - one runtime per container is the point
    if _current is None:
        with _lock:
            if _current is None:
                _current = build(settings())
    return _current


def install(runtime: Runtime | None) -> None:
    """Use ``runtime`` for this process (tests, benchmarks); None rebuilds on next use."""
    global _current  # noqa: PLW0603
    with _lock:
        _current = runtime
