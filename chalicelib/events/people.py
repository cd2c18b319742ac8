"""People helpers shared by the calendar parsers: one ``Person`` from an address and a name.

Calendars list more than people: rooms, resources and non-mail addresses (``urn:uuid:…``,
a Graph entry with no address). Those cannot get a join link, so they are skipped rather than
failing the whole meeting. Everything else about a person (a name longer than the model
allows, a field of the wrong JSON type) is still refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from chalicelib.errors import InvalidRequestError
from chalicelib.events.model import Person
from chalicelib.events.payload import optional_str


def make_person(email: str | None, name: str | None) -> Person | None:
    """A ``Person``, or None when ``email`` is absent or is not an e-mail address."""
    if email is None:
        return None
    try:
        return Person(email=email, name=name)
    except ValidationError as exc:
        if all(error["loc"][:1] == ("email",) for error in exc.errors()):
            return None
        raise


def person_from(
    entry: object, *, field: str, email_key: str = "email", name_key: str = "name"
) -> Person | None:
    """A person from one JSON list entry such as ``{"email": …, "name": …}`` (keys vary)."""
    obj = as_object(entry, field=field)
    return make_person(optional_str(obj, email_key), optional_str(obj, name_key))


def as_object(entry: object, *, field: str) -> dict[str, Any]:
    """``entry`` as a JSON object, for list items that ``optional_object`` cannot reach."""
    if not isinstance(entry, dict):
        raise InvalidRequestError(f"{field} entries must be objects", code="invalid-field")
    return entry
