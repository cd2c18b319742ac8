"""Settings read from the environment (contract §3), once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.daily import DEFAULT_BASE_URL, Privacy
from chalicelib.errors import UpstreamUnavailableError
from chalicelib.room_work import RoomMode

# What an operator tunes per deployment (contract §3); `make run` lets the shell's values win
# over .chalice/config.json's defaults and hands them on to `make reconcile`.
OPERATOR_SETTINGS = (
    "EARLY_JOIN_MINUTES",
    "GRACE_MINUTES",
    "ROOM_PRIVACY",
    "ROOM_LEAD_MINUTES",
    "ROOM_MODE",
    "LOG_LEVEL",
)


@dataclass(frozen=True)
class Settings:
    secret_id: str
    bookings_table: str
    daily_api_url: str
    early_join_minutes: int
    grace_minutes: int
    room_privacy: Privacy
    # Base URL for invite links when API Gateway's own host is not the public one.
    public_url: str | None
    # A room is created at most this long before its window opens (Daily counts every room);
    # 0 creates it when the booking arrives.
    room_lead_minutes: int = 1440
    # per_booking (a room per booking) or per_host (an organizer's one shared room).
    room_mode: RoomMode = "per_booking"


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise UpstreamUnavailableError(
            f"the service is misconfigured: {name} must be a whole number", code="misconfigured"
        ) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    secret_id = os.environ.get("SECRET_ID", "").strip()
    table = os.environ.get("BOOKINGS_TABLE", "").strip()
    if not secret_id or not table:
        raise UpstreamUnavailableError(
            "the service is not configured (SECRET_ID, BOOKINGS_TABLE)", code="misconfigured"
        )
    privacy = os.environ.get("ROOM_PRIVACY", "private").strip() or "private"
    return Settings(
        secret_id=secret_id,
        bookings_table=table,
        daily_api_url=os.environ.get("DAILY_API_URL", "").strip() or DEFAULT_BASE_URL,
        early_join_minutes=_int_env("EARLY_JOIN_MINUTES", 10),
        grace_minutes=_int_env("GRACE_MINUTES", 15),
        room_privacy="public" if privacy == "public" else "private",
        public_url=(os.environ.get("ROOMLINKS_PUBLIC_URL", "").strip().rstrip("/") or None),
        room_lead_minutes=max(_int_env("ROOM_LEAD_MINUTES", 1440), 0),
        room_mode="per_host"
        if os.environ.get("ROOM_MODE", "").strip() == "per_host"
        else "per_booking",
    )
