"""Every fixture of every source: fully extracted, or refused with its error and code.

The expectations live beside each source's own tests (``EXPECTED``, ``REFUSALS``); this one
module runs them all, and fails when a fixture file has no expectation.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from chalicelib.events.model import CalendarEvent
from chalicelib.events.registry import parse_event
from tests.events import (
    NOW,
    fixture,
    fixture_names,
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


def _cases(table: str) -> list[tuple[str, str]]:
    return [
        (source, name)
        for source, module in EXPECTATIONS.items()
        for name in sorted(getattr(module, table))
    ]


@pytest.mark.parametrize("source", sorted(EXPECTATIONS))
def test_every_fixture_has_an_expectation(source: str) -> None:
    module = EXPECTATIONS[source]
    assert fixture_names(source) == set(module.EXPECTED) | set(module.REFUSALS)


@pytest.mark.parametrize(("source", "name"), _cases("EXPECTED"))
def test_fixture_is_extracted_fully(source: str, name: str) -> None:
    expected: dict[str, Any] = EXPECTATIONS[source].EXPECTED[name]
    event = parse_event(source, fixture(source, name), _content_type(source), NOW)
    assert event == CalendarEvent(source=source, **expected)
    assert event.booking_id == f"{source}:{expected['event_id']}"


@pytest.mark.parametrize(("source", "name"), _cases("REFUSALS"))
def test_refusal_fixture(source: str, name: str) -> None:
    error, code = EXPECTATIONS[source].REFUSALS[name]
    with pytest.raises(error) as caught:
        parse_event(source, fixture(source, name), _content_type(source), NOW)
    assert caught.value.status == 400
    assert caught.value.code == code
