"""iCalendar / iTIP bodies → CalendarEvent."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError, JsonParsingError, RoomlinksError
from chalicelib.events import ical
from chalicelib.events.model import EventAction, IgnoredDelivery, Person, Recurrence, make_version
from tests.events import FIXTURES, NOW, fixture, intake, utc

SOURCE = "ical"
CALENDAR = "text/calendar; charset=utf-8; method=REQUEST"

OUTLOOK_UID = (
    "040000008200E00074C5B7101A82E00800000000B0A2E8C2D1F3D7010000000000000000"
    "10000000A1B2C3D4E5F60718293A4B5C6D7E8F90"
)
GOOGLE_UID = "5v1q3b8ti2k6vuf0m9o7c3nq4g@google.com"
SERIES_UID = "b7e1c2d3-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
LENA = Person(email="lena.vogel@contoso.de", name="Lena Vogel")
PRIYA = Person(email="priya@example.com", name="Priya Raman")
JONAS = Person(email="jonas@example.de", name="Jonas Berg")
MIA = Person(email="mia@example.de", name="Mia Klein")
JUERGEN = Person(email="juergen.weiss@contoso.de", name="Jürgen Weiß")

# What a series stores of the body's VTIMEZONE: the zone's own properties, nothing else.
OUTLOOK_WEST_EUROPE = (
    "BEGIN:VTIMEZONE\nTZID:W. Europe Standard Time\n"
    "BEGIN:STANDARD\nDTSTART:16010101T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n"
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n"
    "BEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\n"
    "END:VTIMEZONE\n"
)
MOZILLA_BERLIN = (  # X-LIC-LOCATION dropped
    "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\n"
    "BEGIN:DAYLIGHT\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\n"
    "DTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\n"
    "BEGIN:STANDARD\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\n"
    "DTSTART:19701025T030000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n"
    "END:VTIMEZONE\n"
)

EXPECTED: dict[str, dict[str, Any]] = {
    "outlook_request.ics": {
        "event_id": OUTLOOK_UID,  # folded over two lines in the body
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 12, 8, 30)),
        # TZID "W. Europe Standard Time" → Europe/Berlin (CET)
        "start": utc(2027, 11, 23, 9, 0),
        "end": utc(2027, 11, 23, 10, 30),
        "title": "Quartalsplanung Vertrieb",
        "organizer": LENA,
        # CUTYPE=RESOURCE dropped; a quoted CN with a comma kept whole
        "attendees": (
            Person(email="juergen.weiss@contoso.de", name="Jürgen Weiß"),
            Person(email="anna.smith@fabrikam.com", name="Smith, Anna"),
        ),
        "previous_event_id": None,
    },
    "google_request_lf_tab.ics": {
        "event_id": GOOGLE_UID,
        "action": EventAction.UPDATE,  # SEQUENCE:1
        "version": make_version(1, utc(2027, 10, 15, 12, 0)),
        "start": utc(2027, 11, 30, 16, 0),
        "end": utc(2027, 11, 30, 16, 30),
        "title": "Interview: backend engineer (round 2)",
        "organizer": PRIYA,
        # the organizer's own ATTENDEE row and the CUTYPE=ROOM dropped; declined kept
        "attendees": (
            Person(email="sam@example.com", name="sam@example.com"),
            Person(email="li.wei@example.net", name="Li Wei"),
        ),
        "previous_event_id": None,
    },
    "duration_named_zone.ics": {
        "event_id": "8F3B2C1A-4D5E-6F70-8192-A3B4C5D6E7F8",
        "action": EventAction.CREATE,
        "version": make_version(None, utc(2027, 10, 20, 15, 0)),
        # 13:30 America/New_York (EST) + PT45M; no VTIMEZONE in the body
        "start": utc(2027, 12, 1, 18, 30),
        "end": utc(2027, 12, 1, 19, 15),
        "title": "Office hours",
        # MAILTO: in capitals stripped; the urn:uuid: attendee skipped; the organizer's
        # ATTENDEE row (other case) dropped
        "organizer": Person(email="Dana.Lee@example.com", name="Dana Lee"),
        "attendees": (Person(email="student1@example.edu"),),
        "previous_event_id": None,
    },
    "windows_zone_no_vtimezone.ics": {
        "event_id": (
            "040000008200E00074C5B7101A82E0080000000020C1D8F6A4C5D801000000000000000010000000"
            "F0E1D2C3B4A5968778695A4B3C2D1E0F"
        ),
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 21, 17, 0)),
        # "Pacific Standard Time" → America/Los_Angeles (PST)
        "start": utc(2027, 12, 3, 17, 15),
        "end": utc(2027, 12, 3, 18, 0),
        "title": "Vendor check-in",
        "organizer": Person(email="kai.olsen@contoso.com", name="Olsen, Kai"),
        "attendees": (Person(email="rita@fabrikam.com", name="Rita Moreno"),),
        "previous_event_id": None,
    },
    "occurrence_override.ics": {
        # RECURRENCE-ID 09:00 Europe/Berlin (CET) = 08:00Z
        "event_id": f"{SERIES_UID}/20271201T080000Z",
        "action": EventAction.UPDATE,
        "version": make_version(2, utc(2027, 11, 1, 9, 0)),
        "start": utc(2027, 12, 1, 9, 0),
        "end": utc(2027, 12, 1, 9, 15),
        "title": "Standup (moved)",
        "organizer": JONAS,
        "attendees": (MIA,),
        "previous_event_id": None,
        # one occurrence delivered alone: the series' booking skips this slot
        "series_event_id": SERIES_UID,
        "original_start": utc(2027, 12, 1, 8, 0),
    },
    "recurring_master.ics": {
        # the master (no RECURRENCE-ID) is the series, under the plain UID; the override
        # next to it is a booking of its own, so the series skips its slot
        "event_id": SERIES_UID,
        "action": EventAction.UPDATE,
        "version": make_version(1, utc(2027, 11, 1, 9, 0)),
        "start": utc(2027, 11, 24, 8, 0),
        "end": utc(2027, 11, 24, 8, 15),
        "title": "Standup",
        "organizer": JONAS,
        "attendees": (MIA,),
        "previous_event_id": None,
        "recurrence": Recurrence(
            local_start=datetime(2027, 11, 24, 9, 0),
            duration_seconds=15 * 60,
            vtimezone=MOZILLA_BERLIN,
            rrules=("FREQ=WEEKLY;COUNT=10;BYDAY=WE",),
            skipped=(utc(2027, 12, 1, 8, 0),),  # RECURRENCE-ID 09:00 CET
        ),
    },
    "series_weekly_berlin_dst.ics": {
        # began 3 March (09:00 CET = 08:00Z); on 1 June the next Wednesday is 2 June, and
        # after the 28 March change 09:00 is CEST = 07:00Z (Outlook's own VTIMEZONE)
        "event_id": (
            "040000008200E00074C5B7101A82E00800000000A1A1A1A1D1F3D7010000000000000000"
            "10000000F1E2D3C4B5A69788796A5B4C3D2E1F00"
        ),
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 3, 1, 8, 0)),
        "start": utc(2027, 6, 2, 7, 0),
        "end": utc(2027, 6, 2, 7, 30),
        "title": "Jour fixe",
        "organizer": LENA,
        "attendees": (JUERGEN,),
        "previous_event_id": None,
        "recurrence": Recurrence(
            local_start=datetime(2027, 3, 3, 9, 0),
            duration_seconds=30 * 60,
            vtimezone=OUTLOOK_WEST_EUROPE,
            rrules=("FREQ=WEEKLY;INTERVAL=1;BYDAY=WE;WKST=MO",),
        ),
    },
    "series_exdate_and_override.ics": {
        # Tuesdays 15:00 Berlin; 1 June is an EXDATE and 8 June was moved (its own booking),
        # so on 1 June the series serves 15 June, 15:00 CEST = 13:00Z
        "event_id": "7c1e5a60-2f0b-4f0e-9a55-series-exdate@example.de",
        "action": EventAction.UPDATE,
        "version": make_version(2, utc(2027, 5, 25, 9, 0)),
        "start": utc(2027, 6, 15, 13, 0),
        "end": utc(2027, 6, 15, 14, 0),
        "title": "Team sync",
        "organizer": JONAS,
        "attendees": (MIA,),
        "previous_event_id": None,
        "recurrence": Recurrence(
            local_start=datetime(2027, 5, 4, 15, 0),
            duration_seconds=60 * 60,
            vtimezone=MOZILLA_BERLIN,
            rrules=("FREQ=WEEKLY;BYDAY=TU",),
            exdates=(utc(2027, 6, 1, 13, 0),),
            skipped=(utc(2027, 6, 8, 13, 0),),
        ),
    },
    "outlook_customized_zone.ics": {
        "event_id": (
            "040000008200E00074C5B7101A82E00800000000C0FFEE11D1F3D7010000000000000000"
            "10000000CAFEBABE0123456789ABCDEF01234567"
        ),
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 20, 12, 0)),
        # "Customized Time Zone" exists only in the body: TZOFFSETTO +0200 after the last
        # Sunday of March, so 14:00 on 14 June 2028 is 12:00Z
        "start": utc(2028, 6, 14, 12, 0),
        "end": utc(2028, 6, 14, 13, 0),
        "title": "Budgetgenomgång",
        "organizer": Person(email="karin.lund@contoso.se", name="Karin Lund"),
        "attendees": (Person(email="nils.berg@contoso.se", name="Nils Berg"),),
        "previous_event_id": None,
    },
    "exchange_named_zone.ics": {
        "event_id": (
            "040000008200E00074C5B7101A82E00800000000D0E1F2A3B4C5D8010000000000000000"
            "100000003C2B1A09F8E7D6C5B4A3928170615243"
        ),
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 11, 1, 10, 15)),
        # "(UTC+01:00) Amsterdam, Berlin, …" from the body: +0100 in December → 14:00Z
        "start": utc(2027, 12, 15, 14, 0),
        "end": utc(2027, 12, 15, 15, 0),
        "title": "Q4 review",
        "organizer": Person(email="lena.vogel@contoso.de", name="Vogel, Lena"),
        "attendees": (Person(email="giulia.rossi@fabrikam.it", name="Rossi, Giulia"),),
        "previous_event_id": None,
    },
    "vtimezone_historical.ics": {
        "event_id": "A1B2C3D4E5F60718852580A1004E3C2B-Lotus_Notes_Generated",
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 25, 14, 0)),
        # "Eastern" with its history: the 2007 rules (DST until the first Sunday of
        # November, 7 Nov 2027) give -0400 on 5 Nov → 13:00Z; the old rules (last Sunday
        # of October) would give 14:00Z
        "start": utc(2027, 11, 5, 13, 0),
        "end": utc(2027, 11, 5, 14, 0),
        "title": "Contract walkthrough",
        "organizer": Person(email="dana.lee@example.com", name="Dana Lee/Example"),
        "attendees": (Person(email="omar@client.example"),),
        "previous_event_id": None,
    },
    "slash_tzid.ics": {
        "event_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d@twitch.tv",
        "action": EventAction.CREATE,
        "version": make_version(None, utc(2027, 11, 1, 12, 0)),
        # /Europe/Stockholm → Europe/Stockholm, CET in December
        "start": utc(2027, 12, 2, 17, 0),
        "end": utc(2027, 12, 2, 18, 0),
        "title": "Community Q&A",
        "organizer": Person(email="streamer@example.se", name="Streamer"),
        "attendees": (),
        "previous_event_id": None,
    },
    "cancel.ics": {
        "event_id": GOOGLE_UID,
        "action": EventAction.CANCEL,
        "version": make_version(2, utc(2027, 10, 16, 8, 0)),
        "start": utc(2027, 11, 30, 16, 0),
        "end": utc(2027, 11, 30, 16, 30),
        "title": "Interview: backend engineer (round 2)",
        "organizer": PRIYA,
        "attendees": (Person(email="sam@example.com", name="sam@example.com"),),
        "previous_event_id": None,
    },
    "cancel_no_dtstart.ics": {
        # METHOD:CANCEL alone (no STATUS) cancels; no DTSTART, no times
        "event_id": "8F3B2C1A-4D5E-6F70-8192-A3B4C5D6E7F8",
        "action": EventAction.CANCEL,
        "version": make_version(1, utc(2027, 10, 25, 10, 0)),
        "start": None,
        "end": None,
        "title": None,
        "organizer": Person(email="dana.lee@example.com"),
        "attendees": (),
        "previous_event_id": None,
    },
    "status_cancelled_publish.ics": {
        # STATUS:CANCELLED cancels under METHOD:PUBLISH; an all-day cancel carries no times
        "event_id": "publish-42@calendar.example.org",
        "action": EventAction.CANCEL,
        "version": make_version(None, utc(2027, 10, 26, 10, 10, 10)),
        "start": None,
        "end": None,
        "title": "Holiday party",
        "organizer": None,
        "attendees": (),
        "previous_event_id": None,
    },
    "unicode_bom.ics": {
        "event_id": "6d1e0c2b-unicode@example.jp",
        "action": EventAction.CREATE,
        "version": make_version(None, utc(2027, 10, 18)),
        "start": utc(2027, 11, 25, 10, 0),
        "end": utc(2027, 11, 25, 11, 0),
        # TEXT escapes undone; the fold in the body splits a UTF-8 sequence
        "title": (
            "週次ミーティング 🚀 — Zoe\u0308's cafe\u0301, 議題; 予算\n"
            "詳細は後ほど 🎉🎉🎉 長い件名を折り返し"
        ),
        "organizer": Person(email="hana@example.jp", name="山田 花子"),
        "attendees": (
            Person(email="zoe@example.fr", name="Zoe\u0308 A\u030angstro\u0308m 👩\u200d💻"),
            Person(email="kim@example.kr", name="김민준"),
        ),
        "previous_event_id": None,
    },
    "gap_vtimezone.ics": {
        "event_id": "gap-2028-03-26@contoso.de",
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 11, 1, 8, 0)),
        # 02:30 does not exist in Berlin on 2028-03-26: the offset before the gap (+01:00)
        # applies (RFC 5545 §3.3.5) → 01:30Z. The VTIMEZONE-derived zone would say 00:30Z.
        "start": utc(2028, 3, 26, 1, 30),
        "end": utc(2028, 3, 26, 2, 0),
        "title": "Early call in the DST gap",
        "organizer": LENA,
        "attendees": (),
        "previous_event_id": None,
    },
    "overlap_vtimezone.ics": {
        "event_id": "overlap-2027-10-31@contoso.de",
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 1, 8, 0)),
        # 02:30 happens twice in Berlin on 2027-10-31: the first (CEST, +02:00) → 00:30Z
        "start": utc(2027, 10, 31, 0, 30),
        "end": utc(2027, 10, 31, 2, 30),
        "title": "Night shift handover",
        "organizer": LENA,
        "attendees": (),
        "previous_event_id": None,
    },
    "globally_unique_tzid.ics": {
        "event_id": "20271022T101500Z-1234-1000-1-7@evolution.example.org",
        "action": EventAction.CREATE,
        "version": make_version(0, utc(2027, 10, 22, 10, 15)),
        # /freeassociation.sourceforge.net/Tzfile/Europe/London → Europe/London (GMT)
        "start": utc(2027, 12, 7, 12, 0),
        "end": utc(2027, 12, 7, 12, 30),
        "title": "Lunch & learn",
        "organizer": Person(email="oliver@example.co.uk", name="Oliver Hughes"),
        "attendees": (Person(email="amelia@example.co.uk", name="Amelia Clarke"),),
        "previous_event_id": None,
    },
}

REFUSALS: dict[str, tuple[type[RoomlinksError], str | None]] = {
    "refuse_all_day.ics": (InvalidRequestError, "all-day-event"),
    "refuse_no_end.ics": (InvalidRequestError, "end-before-start"),
    "refuse_already_over.ics": (InvalidRequestError, "event-ended"),
    "refuse_malformed.ics": (JsonParsingError, None),
    "refuse_truncated.ics": (JsonParsingError, None),
    # parseable calendars with nothing to book (a VTODO, a VFREEBUSY)
    "refuse_no_vevent.ics": (InvalidRequestError, "no-event"),
    "refuse_vfreebusy.ics": (InvalidRequestError, "no-event"),
    "refuse_bad_dtstart.ics": (JsonParsingError, None),
    "refuse_missing_uid.ics": (InvalidRequestError, "missing-field"),
    # a TZID neither the body defines nor the tz database knows
    "refuse_unknown_zone.ics": (InvalidRequestError, "unknown-time-zone"),
    # never the server's own zone
    "refuse_localtime_tzid.ics": (InvalidRequestError, "unknown-time-zone"),
    # COUNT=4 from 6 April: the last occurrence (27 April) is over on 1 June
    "refuse_series_over.ics": (InvalidRequestError, "event-ended"),
    "refuse_floating.ics": (InvalidRequestError, "missing-time-zone"),
    "refuse_different_uids.ics": (InvalidRequestError, "multiple-events"),
    "refuse_several_overrides.ics": (InvalidRequestError, "multiple-occurrences"),
}

IGNORED: dict[str, str] = {
    "ignore_reply.ics": "iTIP METHOD REPLY is an attendee's answer, not the meeting",
}


def test_unicode_survives_unnormalized() -> None:
    event = ical.parse(fixture(SOURCE, "unicode_bom.ics"), CALENDAR)
    assert event.title is not None
    assert "cafe\u0301" in event.title
    assert not unicodedata.is_normalized("NFC", event.title)


def _calendar(*event_lines: str, method: str = "REQUEST", newline: str = "\r\n") -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//roomlinks tests//EN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        "UID:test-1@example.org",
        "DTSTAMP:20271020T120000Z",
        *event_lines,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return (newline.join(lines) + newline).encode()


def test_vtimezone_seen_earlier_does_not_change_a_later_body() -> None:
    # icalendar would cache a body's VTIMEZONE process-wide; a later body naming the same
    # TZID without one must still resolve the zone by name (and keep the RFC gap rule).
    ical.parse(fixture(SOURCE, "gap_vtimezone.ics"), CALENDAR)
    body = _calendar(
        "DTSTART;TZID=W. Europe Standard Time:20280326T023000",
        "DTEND;TZID=W. Europe Standard Time:20280326T040000",
    )
    event = ical.parse(body, CALENDAR)
    assert (event.start, event.end) == (utc(2028, 3, 26, 1, 30), utc(2028, 3, 26, 2, 0))


def test_broken_vtimezone_does_not_fail_a_good_event() -> None:
    body = _calendar(
        "DTSTART;TZID=Europe/Berlin:20271201T090000", "DTEND;TZID=Europe/Berlin:20271201T100000"
    ).replace(
        b"BEGIN:VEVENT",
        b"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:garbage\r\n"
        b"END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VTIMEZONE\r\nTZID:Empty\r\nEND:VTIMEZONE\r\n"
        b"BEGIN:VEVENT",
    )
    event = ical.parse(body, CALENDAR)
    assert (event.start, event.end) == (utc(2027, 12, 1, 8, 0), utc(2027, 12, 1, 9, 0))


def test_unterminated_vtimezone_is_unparseable() -> None:
    body = _calendar("DTSTART:20271201T090000Z").replace(
        b"BEGIN:VEVENT", b"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:VEVENT"
    )
    with pytest.raises(JsonParsingError):
        ical.parse(body, CALENDAR)


def test_tzid_applies_per_property() -> None:
    body = _calendar(
        "DTSTART;TZID=Asia/Kolkata:20271201T093000",
        'DTEND;TZID="Europe/London":20271201T050000',
    )
    event = ical.parse(body, CALENDAR)
    assert (event.start, event.end) == (utc(2027, 12, 1, 4, 0), utc(2027, 12, 1, 5, 0))


def test_dtend_wins_over_duration() -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", "DURATION:PT5H")
    assert ical.parse(body, CALENDAR).end == utc(2027, 12, 1, 10, 0)


def test_duration_is_exact_elapsed_time() -> None:
    # across the US fall-back night, PT2H from 00:30 EDT ends at 01:30 EST
    body = _calendar("DTSTART;TZID=America/New_York:20271107T003000", "DURATION:PT2H")
    event = ical.parse(body, CALENDAR)
    assert (event.start, event.end) == (utc(2027, 11, 7, 4, 30), utc(2027, 11, 7, 6, 30))


def test_lf_only_and_tab_folding() -> None:
    body = _calendar(
        "DTSTART:20271201T090000Z",
        "DTEND:20271201T100000Z",
        "SUMMARY:A long\n\t title\n  folded",
        newline="\n",
    )
    assert ical.parse(body, CALENDAR).title == "A long title folded"


def test_charset_from_content_type() -> None:
    body = _calendar(
        "DTSTART:20271201T090000Z",
        "DTEND:20271201T100000Z",
        "ORGANIZER;CN=Jürgen Weiß:mailto:j@example.de",
    ).decode()
    latin1 = body.encode("iso-8859-1")
    event = ical.parse(latin1, "text/calendar; charset=ISO-8859-1")
    assert event.organizer == Person(email="j@example.de", name="Jürgen Weiß")
    with pytest.raises(JsonParsingError):
        ical.parse(latin1, "text/calendar")  # not valid UTF-8
    with pytest.raises(JsonParsingError):
        ical.parse(body.encode(), "text/calendar; charset=x-no-such-charset")


@pytest.mark.parametrize(
    "content_type",
    [
        'application/ics; name="invite.ics"',  # Google's invitation attachments
        "text/x-vcalendar",  # older senders
        'text/calendar; method=REQUEST; charset="UTF-8"',
    ],
)
def test_calendar_content_types_read_alike(content_type: str) -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", "SUMMARY:Zoë")
    assert ical.parse(body, content_type).title == "Zoë"


def test_a_path_in_the_body_is_not_read_from_disk() -> None:
    # icalendar treats a str without line breaks as a file name; bytes must stay bytes.
    path = str(FIXTURES / SOURCE / "outlook_request.ics")
    with pytest.raises(JsonParsingError):
        ical.parse(path.encode(), CALENDAR)


def test_bare_vevent_without_vcalendar_is_refused() -> None:
    body = b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20271201T090000Z\r\nEND:VEVENT\r\n"
    with pytest.raises(JsonParsingError):
        ical.parse(body, CALENDAR)


def test_broken_property_we_do_not_read_is_ignored() -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", "PRIORITY:high")
    assert ical.parse(body, CALENDAR).start == utc(2027, 12, 1, 9, 0)


def test_broken_sequence_is_unparseable() -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", "SEQUENCE:two")
    with pytest.raises(JsonParsingError):
        ical.parse(body, CALENDAR)


@pytest.mark.parametrize("method", ["REPLY", "COUNTER", "REFRESH", "DECLINECOUNTER"])
def test_attendee_side_methods_are_ignored(method: str) -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", method=method)
    with pytest.raises(IgnoredDelivery) as caught:
        ical.parse(body, CALENDAR)
    assert caught.value.reason == f"iTIP METHOD {method} is an attendee's answer, not the meeting"


@pytest.mark.parametrize("method", ["ADD", "X-UNKNOWN"])
def test_methods_we_cannot_apply_are_refused(method: str) -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", method=method)
    with pytest.raises(InvalidRequestError) as caught:
        ical.parse(body, CALENDAR)
    assert caught.value.code == "unsupported-method"


def test_only_one_override_is_used_with_its_recurrence_id_in_utc() -> None:
    body = _calendar(
        "RECURRENCE-ID;TZID=America/Los_Angeles:20271208T090000",
        "DTSTART;TZID=America/Los_Angeles:20271208T100000",
        "DTEND;TZID=America/Los_Angeles:20271208T103000",
    )
    assert ical.parse(body, CALENDAR).event_id == "test-1@example.org/20271208T170000Z"


def test_a_date_valued_recurrence_id_names_the_day() -> None:
    body = _calendar(
        "RECURRENCE-ID;VALUE=DATE:20271208",
        "DTSTART:20271208T090000Z",
        "DTEND:20271208T100000Z",
    )
    event = ical.parse(body, CALENDAR)
    assert event.event_id == "test-1@example.org/20271208"
    assert (event.series_event_id, event.original_start) == ("test-1@example.org", None)


def test_non_mail_addresses_and_rooms_are_not_people() -> None:
    body = _calendar(
        "DTSTART:20271201T090000Z",
        "DTEND:20271201T100000Z",
        "ORGANIZER;CN=Phone bridge:tel:+1-555-0100",
        "ATTENDEE;CN=SIP:sip:alice@example.com",
        "ATTENDEE;CUTYPE=room;CN=Room:mailto:room@example.com",
        "ATTENDEE;CUTYPE=GROUP;CN=Team:mailto:team@example.com",
        "ATTENDEE:bob@example.com",
    )
    event = ical.parse(body, CALENDAR)
    assert event.organizer is None
    assert event.attendees == (
        Person(email="team@example.com", name="Team"),
        Person(email="bob@example.com"),
    )


def test_negative_sequence_is_refused() -> None:
    body = _calendar("DTSTART:20271201T090000Z", "DTEND:20271201T100000Z", "SEQUENCE:-1")
    with pytest.raises(InvalidRequestError) as caught:
        ical.parse(body, CALENDAR)
    assert caught.value.code == "invalid-version"


def test_two_hundred_attendees() -> None:
    attendees = [
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Teilnehmer {i} "
        f"Müller:mailto:teilnehmer{i:03d}@example.de"
        for i in range(200)
    ]
    body = _calendar(
        "DTSTART;TZID=Europe/Berlin:20271201T090000",
        "DTEND;TZID=Europe/Berlin:20271201T100000",
        "ORGANIZER;CN=Chef:mailto:chef@example.de",
        "ATTENDEE;CN=Chef;ROLE=CHAIR:mailto:chef@example.de",
        *attendees,
    )
    event = intake(SOURCE, body, CALENDAR, NOW)
    assert [a.email for a in event.attendees] == [
        f"teilnehmer{i:03d}@example.de" for i in range(200)
    ]
    assert event.attendees[42].name == "Teilnehmer 42 Müller"
