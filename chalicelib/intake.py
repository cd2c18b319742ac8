"""Event intake (contract §2.2): authenticate, parse, apply, answer.

Proof of origin is checked on the raw bytes before anything is parsed; nothing is stored or
sent to Daily for a delivery that is then refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.answers import booking_answer
from chalicelib.booking import Booking, Outcome
from chalicelib.events.model import IgnoredDelivery
from chalicelib.runtime import Runtime
from chalicelib.sources import parse_event, source_named
from chalicelib.sync import BookingSync


def receive_webhook(
    rt: Runtime,
    source_name: str,
    headers: Mapping[str, str],
    body: bytes,
    content_type: str | None,
    *,
    public_url: str,
    deadline: float | None,
) -> dict[str, Any]:
    """One delivery in, the flat answer of contract §2.2 out."""
    source = source_named(source_name)
    now = rt.clock()
    secret = rt.secrets.get()
    source.verify(headers, body, secret.hook_secrets(source.name), now)
    try:
        event = parse_event(source.name, body, content_type, datetime.fromtimestamp(now, UTC))
        sync = BookingSync(rt.store, rt.rooms, rt.rules(secret), int(now), deadline)
        booking, outcome = sync.apply_event(event)
    except IgnoredDelivery as ignored:
        # 200, so senders (Cal.com's ping, Calendly's other events) never disable the hook.
        return {"outcome": "ignored", "reason": ignored.reason}
    return answer(rt, booking, outcome, public_url=public_url, deadline=deadline)


def answer(
    rt: Runtime, booking: Booking, outcome: Outcome, *, public_url: str, deadline: float | None
) -> dict[str, Any]:
    """The booking as contract §2.2 shows it, links signed with the current Daily key."""
    # Read again: a Daily 401 while applying the event may have refreshed a rotated key.
    secret = rt.secrets.get()
    return booking_answer(
        booking,
        outcome,
        signing_key=secret.signing_key,
        api_key=secret.daily_api_key,
        # A cancelled booking shows no join links: its room_url needs no Daily call.
        domain=rt.rooms.known_domain() if booking.cancelled else rt.rooms.domain(deadline),
        public_url=rt.settings.public_url or public_url,
    )
