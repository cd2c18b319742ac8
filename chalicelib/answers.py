"""The flat answer of contract §2.2 that a webhook sender (e.g. a Zap) maps field by field."""

from __future__ import annotations

from typing import Any

from chalicelib.booking import Booking, Outcome, iso_utc
from chalicelib.daily import Domain
from chalicelib.join_tokens import JoinTokens, daily_room_url
from chalicelib.room_rules import (
    GUEST,
    Participant,
    attendee_participant,
    host_participant,
    invite_ref,
)


def booking_answer(
    booking: Booking,
    outcome: Outcome,
    *,
    signing_key: str,
    api_key: str,
    domain: Domain | None,
    public_url: str,
) -> dict[str, Any]:
    """Flat fields first, attendees last; join links whenever Daily's domain is known."""
    live = not booking.cancelled
    tokens = JoinTokens(booking, api_key, domain) if live and domain is not None else None

    def join_url(participant: Participant) -> str | None:
        return tokens.join_url(participant) if tokens else None

    def invite_url(participant: Participant) -> str | None:
        if not live:
            return None
        return f"{public_url}/v1/join/{invite_ref(signing_key, booking.lineage, participant.key)}"

    answer: dict[str, Any] = {
        "booking_id": booking.booking_id,
        "source": booking.source,
        "event_id": booking.event_id,
        "outcome": outcome.value,
        "status": booking.status,
        "room_name": booking.room_name,
        # Whenever Daily's domain is known, cancelled too (contract §2.2).
        "room_url": daily_room_url(domain, booking.room_name) if domain else None,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "opens_at": iso_utc(booking.nbf),
        "closes_at": iso_utc(booking.exp),
        "nbf": booking.nbf,
        "exp": booking.exp,
        "host_join_url": join_url(host_participant(signing_key, booking.organizer)),
        "guest_join_url": join_url(GUEST),
        "invite_url": invite_url(GUEST),
    }
    if booking.status == "pending":
        answer["pending_reason"] = booking.pending_reason
    answer["attendees"] = [
        {
            "email": person.email,
            "name": person.name,
            "join_url": join_url(participant),
            "invite_url": invite_url(participant),
        }
        for person in booking.attendees
        for participant in [attendee_participant(signing_key, person)]
    ]
    return answer
