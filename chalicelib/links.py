"""Join links and the flat answer a webhook sender (e.g. a Zap) maps field by field.

Tokens are self-signed (no Daily call) with the booking's stored ``issued_at``, so the same
booking always yields the same links, whoever answers and however often.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.daily import Domain, MeetingTokenProperties, sign_meeting_token
from chalicelib.policy import (
    GUEST,
    Participant,
    attendee_participant,
    host_participant,
    invite_ref,
)
from chalicelib.store import Booking


def daily_room_url(domain: Domain, room_name: str) -> str:
    return f"https://{domain.domain_name}.daily.co/{room_name}"


def iso_utc(value: datetime | int | None) -> str | None:
    if value is None:
        return None
    moment = datetime.fromtimestamp(value, UTC) if isinstance(value, int) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LinkSigner:
    """Mints the token for one participant of one booking."""

    def __init__(
        self, booking: Booking, *, api_key: str, domain_id: str, iat: int | None = None
    ) -> None:
        self._booking = booking
        self._api_key = api_key
        self._domain_id = domain_id
        # Answers reuse the booking's issue time (same links every time); an invite link
        # opened later mints a fresh token.
        self._iat = iat if iat is not None else booking.issued_at

    def token(self, participant: Participant) -> str:
        booking = self._booking
        properties = MeetingTokenProperties(
            room_name=booking.room_name,
            nbf=booking.nbf,
            exp=booking.exp,
            is_owner=True if participant.is_owner else None,
            user_name=participant.user_name,
            user_id=participant.user_id,
        )
        return sign_meeting_token(
            properties, api_key=self._api_key, domain_id=self._domain_id, iat=self._iat
        )

    def join_url(self, participant: Participant) -> str | None:
        if self._booking.room_url is None:
            return None
        return f"{self._booking.room_url}?t={self.token(participant)}"


def booking_answer(
    booking: Booking,
    outcome: str,
    *,
    signing_key: str,
    api_key: str,
    domain_id: str | None,
    public_url: str,
) -> dict[str, Any]:
    """Contract §2.2's success body: flat fields first, attendees last."""
    live = not booking.cancelled and domain_id is not None and booking.room_url is not None
    signer = LinkSigner(booking, api_key=api_key, domain_id=domain_id or "") if live else None

    def link(participant: Participant) -> str | None:
        return signer.join_url(participant) if signer else None

    return {
        "booking_id": booking.booking_id,
        "source": booking.source,
        "event_id": booking.event_id,
        "outcome": outcome,
        "status": booking.status,
        "room_name": booking.room_name,
        "room_url": booking.room_url,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "opens_at": iso_utc(booking.nbf),
        "closes_at": iso_utc(booking.exp),
        "nbf": booking.nbf,
        "exp": booking.exp,
        "host_join_url": link(host_participant(signing_key, booking.organizer)),
        "guest_join_url": link(GUEST),
        "invite_url": (
            f"{public_url}/v1/join/{invite_ref(signing_key, booking.lineage, GUEST.key)}"
            if not booking.cancelled
            else None
        ),
        "attendees": [
            {
                "email": person.email,
                "name": person.name,
                "join_url": link(attendee_participant(signing_key, person)),
            }
            for person in booking.attendees
        ],
    }
