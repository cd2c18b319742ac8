"""Pure room rules: names, windows, participants, opaque ids and invite refs.

Nothing here touches the network or AWS, so every rule is testable on its own. Every name
and ref is an HMAC under the secret's ``signing_key``: deterministic (the same meeting
always gets the same room and links) and unguessable (nothing of the event leaks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.booking import RoomWindow
from chalicelib.daily import Privacy
from chalicelib.events.model import CalendarEvent, Person

# Bounds for per-event overrides: a sender may ask for a different window, within reason.
MAX_EARLY_JOIN_MINUTES = 120
MAX_GRACE_MINUTES = 240
ROOM_NAME_PREFIX = "rl-"
_DISPLAY_NAME_LIMIT = 100
_ROOM_NAME = re.compile(r"^rl-([0-9a-f]{16})([0-9a-f]{16})$")
LINEAGE_KEY_LENGTH = 20  # characters of an invite ref naming the meeting; the rest names the person


def keyed_mac(signing_key: str, purpose: str, value: str) -> bytes:
    """HMAC-SHA256 of ``value`` under the service's signing key, separated by ``purpose``."""
    return hmac.new(signing_key.encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()


def _tagged_room_name(signing_key: str, room_id: str) -> str:
    """``rl-<id><tag>``: the tag is a MAC of the id, so the name alone proves it is ours."""
    return ROOM_NAME_PREFIX + room_id + keyed_mac(signing_key, "room-tag", room_id)[:8].hex()


def room_name(signing_key: str, lineage: str) -> str:
    """A meeting lineage's room: deterministic, unguessable, provably ours (35 chars)."""
    return _tagged_room_name(signing_key, keyed_mac(signing_key, "room", lineage)[:8].hex())


def host_room_name(signing_key: str, organizer_email: str) -> str:
    """An organizer's one shared room (``ROOM_MODE=per_host``); addresses compare caselessly."""
    return _tagged_room_name(
        signing_key, keyed_mac(signing_key, "host-room", organizer_email.casefold())[:8].hex()
    )


def is_our_room(signing_key: str, name: str) -> bool:
    """True only for names this service made under this key; foreign rooms never match."""
    match = _ROOM_NAME.match(name)
    if match is None:
        return False
    return hmac.compare_digest(_tagged_room_name(signing_key, match.group(1)), name)


def user_id(signing_key: str, email: str) -> str:
    """Opaque per-person id for the token's ``ud`` claim (≤ 36 chars, never the raw email)."""
    return keyed_mac(signing_key, "user", email.casefold())[:16].hex()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def lineage_key(signing_key: str, lineage: str) -> str:
    """Opaque name of a meeting lineage (it survives reschedules), for invite lookups."""
    return _b64(keyed_mac(signing_key, "lineage", lineage)[:15])


def participant_tag(signing_key: str, lineage: str, participant: str) -> str:
    return _b64(keyed_mac(signing_key, "invite", f"{lineage}\x1f{participant}")[:12])


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
    user_name: str | None
    user_id: str | None
    is_owner: bool


def host_participant(signing_key: str, organizer: Person | None) -> Participant:
    return Participant(
        key="host",
        user_name=display_name(organizer) if organizer else "Host",
        user_id=user_id(signing_key, organizer.email) if organizer else None,
        is_owner=True,
    )


GUEST = Participant(key="guest", user_name=None, user_id=None, is_owner=False)


def attendee_participant(signing_key: str, person: Person) -> Participant:
    return Participant(
        key=person.key,
        user_name=display_name(person),
        user_id=user_id(signing_key, person.email),
        is_owner=False,
    )


def participants(
    signing_key: str, organizer: Person | None, attendees: tuple[Person, ...]
) -> list[Participant]:
    """Everyone a booking's invite refs can name: the guest, the host, each attendee."""
    return [GUEST, host_participant(signing_key, organizer)] + [
        attendee_participant(signing_key, person) for person in attendees
    ]
