"""What calendars really send (issue 10) and both room modes (issue 13), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.daily import decode_meeting_token
from tests.integration.test_core_path_http import Api, unique, zap
from tests.plugins.local_stack import RunningStack, launched_stack
from tests.sources.signing import fixture, signed_headers


def post(stack: RunningStack, source: str, body: bytes, content_type: str | None = None) -> Any:
    headers = signed_headers(source, body, stack.secret["hooks"])
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(
        f"{stack.api_url}/v1/hooks/{source}", data=body, headers=headers, timeout=30
    )


@pytest.mark.parametrize(
    ("name", "starts_at"),
    [
        ("outlook_customized_zone", "2028-06-14T12:00:00Z"),
        ("exchange_named_zone", "2027-12-15T14:00:00Z"),
        ("vtimezone_historical", "2027-11-05T13:00:00Z"),
        ("slash_tzid", "2027-12-02T17:00:00Z"),
    ],
)
def test_zones_defined_in_the_body_over_http(
    local_stack: RunningStack, name: str, starts_at: str
) -> None:
    answer = post(local_stack, "ical", fixture("ical", name), 'application/ics; name="invite.ics"')
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["starts_at"]) == ("created", starts_at)
    assert body["booking_id"].startswith("ical:")


def weekly_series(first: datetime, uid: str, rule: str = "FREQ=WEEKLY") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T100000Z\r\nSEQUENCE:0\r\nSUMMARY:Weekly sync\r\n"
        f"DTSTART;TZID=Europe/Berlin:{first:%Y%m%dT%H%M%S}\r\n"
        f"DTEND;TZID=Europe/Berlin:{first + timedelta(minutes=30):%Y%m%dT%H%M%S}\r\n"
        f"RRULE:{rule}\r\nORGANIZER:mailto:olivia@example.com\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_series_that_began_weeks_ago_serves_its_next_occurrence(
    local_stack: RunningStack,
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    first = (datetime.now(berlin) - timedelta(weeks=5)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    answer = post(local_stack, "ical", weekly_series(first, unique("weekly")), "text/calendar")
    assert answer.status_code == 200, answer.text
    starts = datetime.fromisoformat(answer.json()["starts_at"].replace("Z", "+00:00"))
    now = datetime.now(UTC)
    assert now - timedelta(minutes=30) < starts <= now + timedelta(weeks=1)
    local = starts.astimezone(berlin)
    assert (local.weekday(), local.hour, local.minute) == (first.weekday(), 9, 0)


def test_a_series_whose_last_occurrence_is_over_is_refused(local_stack: RunningStack) -> None:
    first = (datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(weeks=10)).replace(microsecond=0)
    body = weekly_series(first, unique("over"), "FREQ=WEEKLY;COUNT=3")
    answer = post(local_stack, "ical", body, "text/calendar")
    assert answer.status_code == 400 and answer.json()["code"] == "event-ended"


@pytest.mark.parametrize(
    ("source", "name", "status", "expected"),
    [
        ("ical", "refuse_vfreebusy", 400, "invalid-request-error"),
        ("ical", "ignore_reply", 200, "ignored"),
        ("calendly", "ignore_invitee_no_show", 200, "ignored"),
        ("calcom", "ignore_ping", 200, "ignored"),
    ],
)
def test_refused_and_ignored_deliveries_over_http(
    local_stack: RunningStack, source: str, name: str, status: int, expected: str
) -> None:
    answer = post(local_stack, source, fixture(source, name))
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert expected in (body.get("outcome"), body.get("error"), body.get("code"))


@pytest.fixture(scope="module")
def per_host_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    state = tmp_path_factory.mktemp("per-host-stack") / "state"
    settings = {"ROOM_MODE": "per_host", "EARLY_JOIN_MINUTES": "5", "RECONCILE_EVERY": "0"}
    with launched_stack(state, settings) as stack:
        yield stack


def test_the_shells_operator_settings_win_over_config_json(per_host_stack: RunningStack) -> None:
    # .chalice/config.json sets EARLY_JOIN_MINUTES=10; the shell's 5 is what `make run` serves,
    # and stack.json hands the settings on to `make reconcile`.
    body = Api(per_host_stack).zapier(zap(unique("early"))).json()
    starts = datetime.fromisoformat(body["starts_at"].replace("Z", "+00:00"))
    opens = datetime.fromisoformat(body["opens_at"].replace("Z", "+00:00"))
    assert starts - opens == timedelta(minutes=5)
    assert per_host_stack.info["settings"] == {"ROOM_MODE": "per_host", "EARLY_JOIN_MINUTES": "5"}


def test_per_host_rooms_over_http(per_host_stack: RunningStack) -> None:
    api = Api(per_host_stack)
    first = api.zapier(zap(unique("host-a"))).json()
    second = api.zapier(zap(unique("host-b"), start=_later(3), end=_later(3.5))).json()
    assert first["room_name"] == second["room_name"]
    room = requests.get(
        f"{per_host_stack.daily_api_url}/rooms/{first['room_name']}",
        headers=api.daily_auth,
        timeout=10,
    ).json()
    assert "exp" not in room["config"]
    for answer in (first, second):
        claims = decode_meeting_token(
            answer["guest_join_url"].split("?t=", 1)[1], api_key=per_host_stack.daily_api_key
        )
        assert (claims["nbf"], claims["exp"], claims["ejt"]) == (answer["nbf"], answer["exp"], True)
    cancelled = api.zapier({"id": first["event_id"], "status": "cancelled"}).json()
    assert cancelled["status"] == "cancelled"
    still = requests.get(
        f"{per_host_stack.daily_api_url}/rooms/{first['room_name']}",
        headers=api.daily_auth,
        timeout=10,
    )
    assert still.status_code == 200


def _later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0).isoformat()
