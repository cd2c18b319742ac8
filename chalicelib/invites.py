"""The stable invite link (contract §2.5): ``GET /v1/join/{ref}``.

A ref names a meeting lineage and one participant (see ``policy.invite_ref``); it survives
reschedules because the lineage does. While the room is open it redirects to Daily with a
freshly minted token for that participant; before, a page says when it opens; after the end
or a cancellation, 410.
"""

from __future__ import annotations

import hmac
import html
import re
from dataclasses import dataclass
from typing import Literal

from chalicelib import service
from chalicelib.errors import NotFoundError, UpstreamUnavailableError
from chalicelib.links import LinkSigner, iso_utc
from chalicelib.policy import (
    GUEST,
    LINEAGE_KEY_LENGTH,
    Participant,
    attendee_participant,
    host_participant,
    participant_tag,
)
from chalicelib.service import Runtime, invite_pointer_for
from chalicelib.store import Booking

_REF = re.compile(r"^[A-Za-z0-9_-]{36}$")


@dataclass(frozen=True)
class InviteAnswer:
    kind: Literal["open", "not_yet", "over"]
    booking: Booking
    location: str | None = None


def open_invite(ref: str, rt: Runtime | None = None) -> InviteAnswer:
    rt = rt or service.runtime()
    if not _REF.match(ref):
        raise NotFoundError("unknown invite link")
    secret = rt.secrets.get()
    pointer = rt.store.get_meta(invite_pointer_for(ref[:LINEAGE_KEY_LENGTH]))
    booking = rt.store.get(str(pointer["booking"])) if pointer else None
    if booking is None:
        raise NotFoundError("unknown invite link")
    participant = _participant(booking, ref[LINEAGE_KEY_LENGTH:], secret.signing_key)
    now = int(rt.clock())
    if booking.cancelled or booking.exp is None or booking.nbf is None or now >= booking.exp:
        return InviteAnswer("over", booking)
    if now < booking.nbf:
        return InviteAnswer("not_yet", booking)
    domain_id = booking.domain_id
    if domain_id is None:
        domain = rt.rooms.domain(None)
        domain_id = domain.domain_id if domain else None
    if domain_id is None or booking.room_url is None:
        raise UpstreamUnavailableError("the video room is not reachable yet", retry_after=15)
    signer = LinkSigner(booking, api_key=secret.daily_api_key, domain_id=domain_id, iat=now)
    return InviteAnswer("open", booking, signer.join_url(participant))


def _participant(booking: Booking, tag: str, signing_key: str) -> Participant:
    candidates = [GUEST, host_participant(signing_key, booking.organizer)]
    candidates += [attendee_participant(signing_key, person) for person in booking.attendees]
    for candidate in candidates:
        expected = participant_tag(signing_key, booking.lineage, candidate.key)
        if hmac.compare_digest(expected.encode(), tag.encode()):
            return candidate
    raise NotFoundError("unknown invite link")


def page(answer: InviteAnswer) -> str:
    """The small HTML page shown instead of a redirect."""
    booking = answer.booking
    title = html.escape(booking.title or "Your meeting")
    if answer.kind == "not_yet":
        opens = iso_utc(booking.nbf) or ""
        message = (
            f'The video room opens at <time datetime="{opens}">{opens}</time> (UTC). '
            "Come back then; this link stays the same."
        )
    elif booking.cancelled:
        message = "This meeting was cancelled."
    else:
        message = "This meeting is over."
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><body><h1>{title}</h1><p>{message}</p></body></html>"
    )
