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


@pytest.mark.parametrize(("source", "name"), SOURCES)
def test_source_over_http_creates_a_live_room(
    local_stack: RunningStack, source: str, name: str
) -> None:
    answer = post(local_stack, source, fixture(source, name))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["source"] == source
    assert body["status"] == "scheduled"
    room = requests.get(
        f"{local_stack.daily_api_url}/rooms/{body['room_name']}",
        headers={"Authorization": f"Bearer {local_stack.daily_api_key}"},
        timeout=10,
    )
    assert room.status_code == 200
    assert room.json()["config"]["exp"] == body["exp"]
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
    auth = {"Authorization": f"Bearer {local_stack.daily_api_key}"}
    room = requests.get(
        f"{local_stack.daily_api_url}/rooms/{new['room_name']}", headers=auth, timeout=10
    )
    assert room.json()["config"]["nbf"] == new["nbf"]


def test_ical_cancel_over_http(local_stack: RunningStack) -> None:
    created = post(local_stack, "ical", fixture("ical", "google_request_lf_tab")).json()
    cancelled = post(local_stack, "ical", fixture("ical", "cancel")).json()
    assert cancelled["booking_id"] == created["booking_id"]
    assert cancelled["status"] == "cancelled"
