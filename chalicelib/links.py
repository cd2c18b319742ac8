"""``POST /v1/links`` (contract §2.3): the join link for a frontend's signed-in user.

The caller is authenticated by its IdP's JWT (``caller_auth``); its ``email`` must be an
attendee (guest) or the organizer (host), unless its scope holds ``links:admin``. The
token is self-signed: no Daily call, and its ``nbf``/``exp`` are the room's window.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.booking import Booking
from chalicelib.caller_auth import Caller
from chalicelib.errors import (
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    UpstreamUnavailableError,
)
from chalicelib.events.payload import describe_validation, load_json_object
from chalicelib.join_tokens import JoinTokens
from chalicelib.room_rules import (
    GUEST,
    Participant,
    attendee_participant,
    host_participant,
)
from chalicelib.runtime import Runtime

ADMIN_SCOPE = "links:admin"


class LinkRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    booking_id: str = Field(min_length=1, max_length=1100)
    role: Literal["guest", "host"]
    user_name: str | None = Field(default=None, min_length=1, max_length=100)


def parse_body(model: type[BaseModel], body: bytes) -> Any:
    """A JSON request body validated by ``model``: 400s in the contract's shape."""
    try:
        return model.model_validate(load_json_object(body or b"{}"))
    except ValidationError as exc:
        raise InvalidRequestError(describe_validation(exc), code="invalid-field") from None


def live_booking(rt: Runtime, booking_id: str, now: int) -> Booking:
    """The booking a frontend asks about: 404 when unknown, 410 when cancelled or over."""
    booking = rt.store.get(booking_id) if ":" in booking_id else None
    if booking is None:
        raise NotFoundError("unknown booking")
    if booking.cancelled or booking.exp is None or now >= booking.exp:
        raise GoneError("the booking was cancelled or its room window is over")
    return booking


def _participant(booking: Booking, caller: Caller, role: str, signing_key: str) -> Participant:
    admin = caller.has(ADMIN_SCOPE)
    email = (caller.email or "").casefold()
    if role == "host":
        organizer = booking.organizer
        if not admin and (organizer is None or organizer.key != email):
            raise ForbiddenError("only the organizer may have a host link")
        return host_participant(signing_key, organizer)
    attendee = next((p for p in booking.attendees if p.key == email), None)
    if attendee is not None:
        return attendee_participant(signing_key, attendee)
    if admin:
        return GUEST
    if booking.organizer is not None and booking.organizer.key == email:
        raise ForbiddenError("the organizer asks for a host link")
    raise ForbiddenError("the caller is not an attendee of this booking")


def join_link(rt: Runtime, caller: Caller, body: bytes, deadline: float | None) -> dict[str, Any]:
    request: LinkRequest = parse_body(LinkRequest, body)
    secret = rt.secrets.get()
    now = int(rt.clock())
    booking = live_booking(rt, request.booking_id, now)
    participant = _participant(booking, caller, request.role, secret.signing_key)
    domain = rt.rooms.domain(deadline)
    if domain is None:
        raise UpstreamUnavailableError("Daily's domain is not known yet; retry", retry_after=15)
    tokens = JoinTokens(booking, secret.daily_api_key, domain)
    token = tokens.token(participant, iat=now, user_name=request.user_name)
    return {
        "join_url": f"{tokens.room_url}?t={token}",
        "token": token,
        "room_url": tokens.room_url,
        "room_name": booking.room_name,
        "nbf": booking.nbf,
        "exp": booking.exp,
        "booking_id": booking.booking_id,
        "role": request.role,
    }
