"""Ad-hoc time-boxed rooms (contract §2.4): ``POST /v1/rooms`` and ``DELETE /v1/rooms/{id}``.

An ad-hoc room is a booking like any calendar one (``adhoc:<id>``): same decision core,
same store, one room exactly once, visible to reconcile. With an ``Idempotency-Key`` the
booking id is derived from (caller, key), so concurrent first uses meet at one booking; the
key's record keeps the body's hash (another body → 409) and the resolved start, so a
replay without ``starts_at`` describes the very same meeting.
"""

from __future__ import annotations

import json
import secrets as random
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.booking import Outcome, iso_utc
from chalicelib.caller_auth import Caller
from chalicelib.daily import Privacy
from chalicelib.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError
from chalicelib.events.model import CalendarEvent, EventAction, EventOverrides, Person
from chalicelib.intake import answer
from chalicelib.links import ADMIN_SCOPE, parse_body
from chalicelib.room_rules import keyed_mac
from chalicelib.runtime import Runtime
from chalicelib.store import IDEMPOTENCY_SECONDS, IdempotencyRecord
from chalicelib.sync import BookingSync

SOURCE = "adhoc"
CREATE_SCOPE = "rooms:create"
MAX_AHEAD = timedelta(days=365)
# A start a moment in the past (clock skew, a slow client) counts as "now".
PAST_TOLERANCE = timedelta(minutes=2)
MAX_KEY_LENGTH = 255


class RoomRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    minutes: int = Field(ge=1, le=1440)
    starts_at: datetime | None = None
    privacy: Privacy | None = None
    name_hint: str | None = Field(default=None, max_length=100)
    attendees: tuple[Person, ...] = Field(default=(), max_length=1000)


def create_room(
    rt: Runtime,
    caller: Caller,
    body: bytes,
    idempotency_key: str | None,
    *,
    public_url: str,
    deadline: float | None,
) -> dict[str, Any]:
    caller.require(CREATE_SCOPE)
    request: RoomRequest = parse_body(RoomRequest, body)
    secret = rt.secrets.get()
    now = datetime.fromtimestamp(int(rt.clock()), UTC)
    start = _start(request, now)
    if idempotency_key is None:
        booking_id = f"{SOURCE}:{random.token_urlsafe(16)}"
    else:
        key = idempotency_key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidRequestError(
                "Idempotency-Key must be 1..255 characters", code="invalid-key"
            )
        key_id = _mac(secret.signing_key, f"{caller.subject}\x1f{key}")
        booking_id = f"{SOURCE}:{key_id[:22]}"
        first_use = IdempotencyRecord(
            body_hash=_mac(secret.signing_key, body_fingerprint(request)),
            booking_id=booking_id,
            starts_at=iso_utc(start) or "",
            created_at=int(now.timestamp()),
        )
        record = rt.store.claim_idempotency(key_id, first_use)
        fresh = int(now.timestamp()) - record.created_at < IDEMPOTENCY_SECONDS
        if fresh and record.body_hash != first_use.body_hash:
            raise ConflictError("this Idempotency-Key was used with another body")
        if fresh:
            start = datetime.fromisoformat(record.starts_at)
    event = CalendarEvent(
        source=SOURCE,
        event_id=booking_id.split(":", 1)[1],
        action=EventAction.CREATE,
        start=start,
        end=start + timedelta(minutes=request.minutes),
        title=request.name_hint,
        organizer=Person(email=caller.email) if caller.email else None,
        attendees=request.attendees,
        overrides=EventOverrides(privacy=request.privacy),
    )
    sync = BookingSync(rt.store, rt.rooms, rt.rules(secret), int(now.timestamp()), deadline)
    booking, _ = sync.apply_event(event, creator=caller.subject)
    # Every use of one key answers what the first one did: the booking it created.
    return answer(rt, booking, Outcome.CREATED, public_url=public_url, deadline=deadline)


def end_room(
    rt: Runtime, caller: Caller, booking_id: str, *, public_url: str, deadline: float | None
) -> dict[str, Any]:
    """End an ad-hoc room at once (its creator or ``links:admin``); a repeat answers the same."""
    booking = rt.store.get(booking_id) if booking_id.startswith(f"{SOURCE}:") else None
    if booking is None:
        raise NotFoundError("unknown ad-hoc room")
    if booking.creator != caller.subject and not caller.has(ADMIN_SCOPE):
        raise ForbiddenError("only the room's creator may end it")
    secret = rt.secrets.get()
    now = int(rt.clock())
    event = CalendarEvent(
        source=SOURCE, event_id=booking.event_id, action=EventAction.CANCEL, version=None
    )
    sync = BookingSync(rt.store, rt.rooms, rt.rules(secret), now, deadline)
    ended, _ = sync.apply_event(event)
    return answer(rt, ended, Outcome.CANCELLED, public_url=public_url, deadline=deadline)


def _start(request: RoomRequest, now: datetime) -> datetime:
    if request.starts_at is None:
        return now
    if request.starts_at.tzinfo is None:
        raise InvalidRequestError("starts_at needs a UTC offset", code="missing-time-zone")
    start = request.starts_at.astimezone(UTC).replace(microsecond=0)
    if start < now - PAST_TOLERANCE:
        raise InvalidRequestError("starts_at is in the past", code="starts-in-the-past")
    if start > now + MAX_AHEAD:
        raise InvalidRequestError("starts_at is more than 365 days ahead", code="too-far-ahead")
    return max(start, now)


def body_fingerprint(request: RoomRequest) -> str:
    return json.dumps(request.model_dump(mode="json"), sort_keys=True)


def _mac(signing_key: str, value: str) -> str:
    return keyed_mac(signing_key, "idempotency", value).hex()
