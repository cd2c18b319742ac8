"""The stable invite link: redirect while open, a page before, 410 after or once cancelled."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.plugins.service_harness import Harness, zap
from tests.sources.signing import fixture, signed_headers


def ref_of(answer: dict[str, Any]) -> str:
    return str(answer["invite_url"]).rsplit("/", 1)[1]


def open_at(harness: Harness, ref: str, when: float) -> Any:
    harness.runtime.clock = lambda: when
    return harness.client.http.get(f"/v1/join/{ref}")


def test_open_window_redirects_with_a_fresh_guest_token(harness: Harness) -> None:
    booking = harness.post("zapier", zap()).json_body
    now = booking["nbf"] + 60
    answer = open_at(harness, ref_of(booking), now)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(booking["room_url"] + "?t=")
    token = parse_qs(urlsplit(location).query)["t"][0]
    claims = jwt.decode(
        token,
        harness.secret["daily_api_key"],
        algorithms=["HS256"],
        options={"verify_nbf": False, "verify_iat": False},
    )
    assert claims["r"] == booking["room_name"]
    assert claims["iat"] == now
    assert "o" not in claims
    assert (claims["nbf"], claims["exp"]) == (booking["nbf"], booking["exp"])


def test_before_the_window_a_page_says_when_it_opens(harness: Harness) -> None:
    booking = harness.post("zapier", zap(title="<script>x</script> Review")).json_body
    answer = open_at(harness, ref_of(booking), booking["nbf"] - 3600)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    page = answer.body.decode()
    assert booking["opens_at"] in page
    assert "<script>" not in page


def test_after_the_end_and_after_cancellation_410(harness: Harness) -> None:
    booking = harness.post("zapier", zap(sequence=1)).json_body
    over = open_at(harness, ref_of(booking), booking["exp"] + 1)
    assert over.status_code == 410
    assert "over" in over.body.decode()
    harness.runtime.clock = time.time
    harness.post("zapier", {"id": "evt-1", "status": "cancelled", "sequence": 2})
    cancelled = open_at(harness, ref_of(booking), booking["nbf"] + 60)
    assert cancelled.status_code == 410
    assert "cancelled" in cancelled.body.decode()


def test_unknown_or_tampered_refs_are_404(harness: Harness) -> None:
    booking = harness.post("zapier", zap()).json_body
    ref = ref_of(booking)
    for bad in ("nope", ref[:20] + "A" * 16, "B" * 20 + ref[20:]):
        answer = harness.client.http.get(f"/v1/join/{bad}")
        assert answer.status_code == 404
        assert answer.json_body["error"] == "not-found"


def test_a_rescheduled_meeting_keeps_its_invite_link(harness: Harness) -> None:
    def post(name: str) -> dict[str, Any]:
        body = fixture("calcom", name)
        headers = signed_headers("calcom", body, harness.secret["hooks"])
        return dict(
            harness.client.http.post("/v1/hooks/calcom", headers=headers, body=body).json_body
        )

    first = post("booking_created")
    moved = post("booking_rescheduled")
    assert moved["invite_url"] == first["invite_url"]
    answer = open_at(harness, ref_of(first), moved["nbf"] + 60)
    assert answer.status_code == 302
    before_new_window = open_at(harness, ref_of(first), first["nbf"] + 60)
    assert before_new_window.status_code == 200  # the old slot is before the new window
