"""Every calendar source over real HTTP against the running local stack."""

from __future__ import annotations

import pytest
import requests

from tests.plugins.local_stack import RunningStack
from tests.sources.signing import fixture, signed_headers

SOURCES = [
    ("google", "unicode"),
    ("graph", "windows_zone"),
    ("ical", "unicode_bom"),
    ("calcom", "unicode"),
    ("calendly", "unicode"),
]


def post(stack: RunningStack, source: str, body: bytes) -> requests.Response:
    headers = signed_headers(source, body, stack.secret["hooks"])
    return requests.post(
        f"{stack.api_url}/v1/hooks/{source}", data=body, headers=headers, timeout=30
    )


def daily_room(stack: RunningStack, name: str) -> requests.Response:
    return requests.get(
        f"{stack.daily_api_url}/rooms/{name}",
        headers={"Authorization": f"Bearer {stack.daily_api_key}"},
        timeout=10,
    )


@pytest.mark.parametrize(("source", "name"), SOURCES)
def test_source_over_http_answers_final_links_and_defers_the_room(
    local_stack: RunningStack, source: str, name: str
) -> None:
    # The fixtures' meetings are months ahead: far outside ROOM_LEAD_MINUTES (a day), so the
    # links are final and the room waits until reconcile or an invite click needs it.
    answer = post(local_stack, source, fixture(source, name))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["source"] == source
    assert (body["outcome"], body["status"]) == ("created", "scheduled")
    assert body["guest_join_url"].startswith(body["room_url"] + "?t=")
    assert body["invite_url"].startswith(f"{local_stack.api_url}/v1/join/")
    assert daily_room(local_stack, body["room_name"]).status_code == 404
    assert post(local_stack, source, fixture(source, name)).json()["outcome"] == "unchanged"


def test_calendly_reschedule_over_http(local_stack: RunningStack) -> None:
    old = post(local_stack, "calendly", fixture("calendly", "invitee_created")).json()
    assert (
        post(
            local_stack, "calendly", fixture("calendly", "invitee_canceled_rescheduled")
        ).status_code
        == 200
    )
    new = post(local_stack, "calendly", fixture("calendly", "invitee_created_rescheduled")).json()
    assert new["status"] == "scheduled"
    assert new["invite_url"] == old["invite_url"]
    assert new["room_name"] == old["room_name"]
    assert new["nbf"] != old["nbf"]


def test_ical_cancel_over_http(local_stack: RunningStack) -> None:
    created = post(local_stack, "ical", fixture("ical", "google_request_lf_tab")).json()
    cancelled = post(local_stack, "ical", fixture("ical", "cancel")).json()
    assert cancelled["booking_id"] == created["booking_id"]
    assert cancelled["status"] == "cancelled"
