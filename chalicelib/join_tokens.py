"""Self-signed Daily meeting tokens for one participant of one booking (no Daily call).

Answers reuse the booking's stored ``issued_at`` so the same booking always yields the same
links, whoever answers and however often; an invite click mints a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.booking import Booking
from chalicelib.daily import Domain, MeetingTokenProperties, sign_meeting_token
from chalicelib.room_rules import Participant


def daily_room_url(domain: Domain, room_name: str) -> str:
    return f"https://{domain.domain_name}.daily.co/{room_name}"


@dataclass(frozen=True)
class JoinTokens:
    """Mints join tokens and links into ``booking``'s room, signed with the Daily key."""

    booking: Booking
    api_key: str
    domain: Domain

    @property
    def room_url(self) -> str:
        return daily_room_url(self.domain, self.booking.room_name)

    def token(
        self,
        participant: Participant,
        *,
        iat: int | None = None,
        user_name: str | None = None,
    ) -> str:
        booking = self.booking
        properties = MeetingTokenProperties(
            room_name=booking.room_name,
            nbf=booking.nbf,
            exp=booking.exp,
            is_owner=True if participant.is_owner else None,
            user_name=user_name or participant.user_name,
            user_id=participant.user_id,
            # In a host's shared room the token is the hard stop (Daily's per-host pattern).
            eject_at_token_exp=True if booking.host_room else None,
        )
        return sign_meeting_token(
            properties,
            api_key=self.api_key,
            domain_id=self.domain.domain_id,
            iat=iat if iat is not None else booking.issued_at,
        )

    def join_url(self, participant: Participant, *, iat: int | None = None) -> str:
        return f"{self.room_url}?t={self.token(participant, iat=iat)}"
