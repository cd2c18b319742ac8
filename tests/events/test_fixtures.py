"""Every fixture of every source: fully extracted, refused with its error and code, or
ignored with its reason.

The expectations live beside each source's own tests (``EXPECTED``, ``REFUSALS`` and, where a
source has deliveries to ignore, ``IGNORED``); this one module runs them all through
``intake`` (parse, resolve a series, check the schedule) and fails when a fixture file has no
expectation.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from chalicelib.events.model import CalendarEvent, IgnoredDelivery
from tests.events import (
    NOW,
    fixture,
    fixture_names,
    intake,
    test_calcom,
    test_calendly,
    test_google,
    test_graph,
    test_ical,
)

EXPECTATIONS: dict[str, ModuleType] = {
    "google": test_google,
    "graph": test_graph,
    "ical": test_ical,
    "calcom": test_calcom,
    "calendly": test_calendly,
}
CONTENT_TYPES = {"ical": test_ical.CALENDAR}


def _content_type(source: str) -> str:
    return CONTENT_TYPES.get(source, "application/json")


def _table(source: str, table: str) -> dict[str, Any]:
    return dict(getattr(EXPECTATIONS[source], table, {}))


def _cases(table: str) -> list[tuple[str, str]]:
    return [(source, name) for source in EXPECTATIONS for name in sorted(_table(source, table))]


@pytest.mark.parametrize("source", sorted(EXPECTATIONS))
def test_every_fixture_has_an_expectation(source: str) -> None:
    tables = [_table(source, table) for table in ("EXPECTED", "REFUSALS", "IGNORED")]
    assert fixture_names(source) == set().union(*tables)
    assert sum(len(table) for table in tables) == len(fixture_names(source))


@pytest.mark.parametrize(("source", "name"), _cases("EXPECTED"))
def test_fixture_is_extracted_fully(source: str, name: str) -> None:
    expected: dict[str, Any] = _table(source, "EXPECTED")[name]
    event = intake(source, fixture(source, name), _content_type(source), NOW)
    assert event == CalendarEvent(source=source, **expected)
    assert event.booking_id == f"{source}:{expected['event_id']}"


@pytest.mark.parametrize(("source", "name"), _cases("REFUSALS"))
def test_refusal_fixture(source: str, name: str) -> None:
    error, code = _table(source, "REFUSALS")[name]
    with pytest.raises(error) as caught:
        intake(source, fixture(source, name), _content_type(source), NOW)
    assert caught.value.status == 400
    assert caught.value.code == code


@pytest.mark.parametrize(("source", "name"), _cases("IGNORED"))
def test_ignored_fixture(source: str, name: str) -> None:
    with pytest.raises(IgnoredDelivery) as caught:
        intake(source, fixture(source, name), _content_type(source), NOW)
    assert caught.value.reason == _table(source, "IGNORED")[name]
