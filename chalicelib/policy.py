"""Pure rules: event → room name, room window, token properties, opaque ids and invite refs.

Nothing here touches the network or AWS, so every rule is testable on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from chalicelib.events.model import CalendarEvent, Person

# Bounds for per-event overrides: a sender may ask for a different window, within reason.
MAX_EARLY_JOIN_MINUTES = 120
MAX_GRACE_MINUTES = 240
ROOM_NAME_PREFIX = "rl-"
_DISPLAY_NAME_LIMIT = 100

Privacy = Literal["private", "public"]


@dataclass(frozen=True)
class RoomWindow:
    """When a room can be joined: ``nbf``/``exp`` in unix seconds, plus the meeting times."""

    starts_at: datetime
    ends_at: datetime
    nbf: int
    exp: int
    privacy: Privacy

    @property
    def opens_at(self) -> datetime:
        return datetime.fromtimestamp(self.nbf, UTC)

    @property
    def closes_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp, UTC)

    def room_properties(self) -> dict[str, object]:
        # The room's exp is the hard stop: tokens carry no eject settings of their own.
        return {"nbf": self.nbf, "exp": self.exp, "eject_at_room_exp": True}


def _mac(signing_key: str, purpose: str, value: str) -> bytes:
    return hmac.new(signing_key.encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()


def room_name(signing_key: str, lineage: str) -> str:
    """Deterministic and unguessable; no event data leaks into it (128 bits, hex)."""
    return ROOM_NAME_PREFIX + _mac(signing_key, "room", lineage)[:16].hex()


def user_id(signing_key: str, email: str) -> str:
    """Opaque per-person id for the token's ``ud`` claim (≤ 36 chars, never the raw email)."""
    return _mac(signing_key, "user", email.casefold())[:16].hex()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


LINEAGE_KEY_LENGTH = 20  # characters of an invite ref naming the meeting; the rest names the person


def lineage_key(signing_key: str, lineage: str) -> str:
    """Opaque name of a meeting lineage (it survives reschedules), for invite lookups."""
    return _b64(_mac(signing_key, "lineage", lineage)[:15])


def participant_tag(signing_key: str, lineage: str, participant: str) -> str:
    return _b64(_mac(signing_key, "invite", f"{lineage}\x1f{participant}")[:12])


def invite_ref(signing_key: str, lineage: str, participant: str) -> str:
    """The stable invite link's reference: bound to one meeting lineage and one participant."""
    return lineage_key(signing_key, lineage) + participant_tag(signing_key, lineage, participant)


def clamp(value: int | None, default: int, upper: int) -> int:
    if value is None:
        return default
    return max(0, min(value, upper))


def room_window(
    event: CalendarEvent,
    *,
    early_join_minutes: int,
    grace_minutes: int,
    default_privacy: Privacy,
) -> RoomWindow:
    """``nbf = start − early join``, ``exp = end + grace``; overrides clamped to safe bounds."""
    assert event.start is not None and event.end is not None
    overrides = event.overrides
    early = clamp(overrides.early_join_minutes, early_join_minutes, MAX_EARLY_JOIN_MINUTES)
    grace = clamp(overrides.grace_minutes, grace_minutes, MAX_GRACE_MINUTES)
    opens = event.start - timedelta(minutes=early)
    closes = event.end + timedelta(minutes=grace)
    return RoomWindow(
        starts_at=event.start,
        ends_at=event.end,
        nbf=int(opens.timestamp()),
        exp=int(closes.timestamp()),
        privacy=overrides.privacy or default_privacy,
    )


def display_name(person: Person) -> str:
    """The name shown in the call: the person's name, else the mailbox part of the address."""
    name = person.name or person.email.split("@", 1)[0]
    return name[:_DISPLAY_NAME_LIMIT]


@dataclass(frozen=True)
class Participant:
    """Someone a token is minted for: ``key`` identifies them for invite refs."""

    key: str
    role: Literal["host", "guest", "attendee"]
    user_name: str | None
    user_id: str | None
    is_owner: bool
    person: Person | None = None


def host_participant(signing_key: str, organizer: Person | None) -> Participant:
    return Participant(
        key="host",
        role="host",
        user_name=display_name(organizer) if organizer else "Host",
        user_id=user_id(signing_key, organizer.email) if organizer else None,
        is_owner=True,
        person=organizer,
    )


GUEST = Participant(key="guest", role="guest", user_name=None, user_id=None, is_owner=False)


def attendee_participant(signing_key: str, person: Person) -> Participant:
    return Participant(
        key=person.key,
        role="attendee",
        user_name=display_name(person),
        user_id=user_id(signing_key, person.email),
        is_owner=False,
        person=person,
    )
