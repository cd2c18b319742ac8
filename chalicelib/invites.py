"""The stable invite link (contract §2.5): ``GET /v1/join/{ref}``.

A ref names a meeting lineage and one participant (see ``room_rules.invite_ref``); it
survives reschedules because the lineage does. While the room is open it redirects to Daily
with a freshly minted token for that participant (their own name and id); before, a page
says when it opens; after the end or a cancellation, 410. A room that should exist but does
not yet (deferred, or Daily was away) is created on the spot, once, within the budget.
"""

from __future__ import annotations

import hmac
import html
import re
from dataclasses import dataclass
from typing import Literal

from chalicelib.booking import Booking, iso_utc
from chalicelib.errors import NotFoundError
from chalicelib.join_tokens import JoinTokens
from chalicelib.room_rules import LINEAGE_KEY_LENGTH, Participant, participant_tag, participants
from chalicelib.room_work import room_action
from chalicelib.runtime import Runtime
from chalicelib.sync import BookingSync

_REF = re.compile(r"^[A-Za-z0-9_-]{36}$")
_MAX_MOVES = 8
NOT_READY_REFRESH_SECONDS = 15

InviteKind = Literal["open", "not_yet", "not_ready", "over"]


@dataclass(frozen=True)
class InviteAnswer:
    kind: InviteKind
    booking: Booking
    location: str | None = None


def open_invite(rt: Runtime, ref: str, deadline: float | None) -> InviteAnswer:
    if not _REF.match(ref):
        raise NotFoundError("unknown invite link")
    secret = rt.secrets.get()
    booking = _current_booking(rt, ref[:LINEAGE_KEY_LENGTH])
    participant = _participant(booking, ref[LINEAGE_KEY_LENGTH:], secret.signing_key)
    now = int(rt.clock())
    rules = rt.rules(secret)
    sync = BookingSync(rt.store, rt.rooms, rules, now, deadline)
    synced = booking.recurrence is not None and booking.exp is not None and now >= booking.exp
    if synced:
        # A series' occurrence is over: the link serves its next one (the job may lag).
        booking = sync.sync_booking(booking)
    if booking.cancelled or booking.exp is None or booking.nbf is None or now >= booking.exp:
        return InviteAnswer("over", booking)
    if now < booking.nbf:
        return InviteAnswer("not_yet", booking)
    if room_action(booking, now, rules) is not None:
        # At most one round of Daily work per click: a failed one is not tried twice.
        if not synced:
            booking = sync.sync_booking(booking)
        if room_action(booking, now, rules) is not None:
            return InviteAnswer("not_ready", booking)
    domain = rt.rooms.domain(deadline)
    if domain is None:
        return InviteAnswer("not_ready", booking)
    tokens = JoinTokens(booking, secret.daily_api_key, domain)
    return InviteAnswer("open", booking, tokens.join_url(participant, iat=now))


def _current_booking(rt: Runtime, lineage_key: str) -> Booking:
    """The booking that holds the lineage's room now (a reschedule may have moved it)."""
    booking_id = rt.store.invite_target(lineage_key)
    for _ in range(_MAX_MOVES):
        booking = rt.store.get(booking_id) if booking_id else None
        if booking is None:
            break
        if booking.moved_to is None:
            return booking
        booking_id = booking.moved_to
    raise NotFoundError("unknown invite link")


def _participant(booking: Booking, tag: str, signing_key: str) -> Participant:
    for candidate in participants(signing_key, booking.organizer, booking.attendees):
        expected = participant_tag(signing_key, booking.lineage, candidate.key)
        if hmac.compare_digest(expected.encode(), tag.encode()):
            return candidate
    raise NotFoundError("unknown invite link")


def page(answer: InviteAnswer) -> str:
    """The small HTML page shown instead of a redirect."""
    booking = answer.booking
    title = html.escape(booking.title or "Your meeting")
    head = ""
    if answer.kind == "not_yet":
        opens = iso_utc(booking.nbf) or ""
        message = (
            f'The video room opens at <time datetime="{opens}">{opens}</time> (UTC). '
            "Come back then; this link stays the same."
        )
    elif answer.kind == "not_ready":
        head = f'<meta http-equiv=refresh content="{NOT_READY_REFRESH_SECONDS}">'
        message = (
            "The video room is being prepared. This page reloads by itself in "
            f"{NOT_READY_REFRESH_SECONDS} seconds."
        )
    elif booking.cancelled:
        message = "This meeting was cancelled."
    else:
        message = "This meeting is over."
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f'<meta name=viewport content="width=device-width,initial-scale=1">{head}'
        f"<title>{title}</title><body><h1>{title}</h1><p>{message}</p></body></html>"
    )
