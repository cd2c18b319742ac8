"""Small readers shared by the parsers: a JSON object from raw bytes, typed field access,
and ``refusing_bad_input``, the guard every parser's ``parse`` wears."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.model import CalendarEvent, IgnoredDelivery
from chalicelib.events.timeparse import parse_datetime

T = TypeVar("T")
Parser = Callable[[bytes, str | None], CalendarEvent]


def refusing_bad_input(parse: Parser) -> Parser:
    """Whatever a body makes the standard library or pydantic raise becomes a 400.

    Parsers raise ``RoomlinksError`` for what they check; this catches what they cannot
    foresee (a value out of a library's range, an unknown codec, nesting too deep), so no body
    ever yields a 5xx. The info never quotes the exception: it may hold the body's text.
    """

    @functools.wraps(parse)
    def guarded(body: bytes, content_type: str | None) -> CalendarEvent:
        try:
            return parse(body, content_type)
        except ValidationError as exc:
            raise InvalidRequestError(describe_validation(exc), code="invalid-field") from None
        except RecursionError:
            raise JsonParsingError("the body is nested too deeply") from None
        except (ValueError, OverflowError, LookupError):  # UnicodeError is a ValueError
            raise InvalidRequestError(
                "a value in the body is malformed or out of range", code="invalid-value"
            ) from None

    return guarded


def describe_validation(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    return f"invalid {where}: {first.get('msg', 'invalid value')}"[:300]


def load_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything unparseable is a ``json-parsing-error``."""
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise JsonParsingError("the body is not valid JSON") from None
    except RecursionError:  # nesting deeper than the interpreter's stack
        raise JsonParsingError("the body is nested too deeply") from None
    if not isinstance(parsed, dict):
        raise InvalidRequestError("the body must be a JSON object", code="not-an-object")
    return parsed


def optional_str(container: dict[str, Any], key: str) -> str | None:
    """A string field, or None when absent/blank; numbers are accepted as their text."""
    value = container.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidRequestError(f"{key} must be a string", code="invalid-field")
    text = str(value).strip()
    return text or None


def required_str(container: dict[str, Any], key: str, *, label: str | None = None) -> str:
    value = optional_str(container, key)
    if value is None:
        raise InvalidRequestError(f"{label or key} is required", code="missing-field")
    return value


def optional_object(container: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object, or an empty one when absent; anything else is invalid."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequestError(f"{key} must be an object", code="invalid-field")
    return value


def optional_list(container: dict[str, Any], key: str) -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequestError(f"{key} must be a list", code="invalid-field")
    return value


def optional_time(
    container: dict[str, Any], key: str, *, label: str | None = None
) -> datetime | None:
    """An optional RFC 3339 instant (a version timestamp such as ``updated``/``createdAt``)."""
    text = optional_str(container, key)
    return parse_datetime(text, field=label or key) if text is not None else None


def instant_span(
    container: dict[str, Any], start_key: str, end_key: str, *, cancelled: bool, where: str
) -> tuple[datetime | None, datetime | None]:
    """Start and end given as instants with offsets; a cancellation may omit both."""
    start = optional_str(container, start_key)
    end = optional_str(container, end_key)
    if start is None or end is None:
        if cancelled:
            return None, None
        raise InvalidRequestError(
            f"{where}{start_key} and {where}{end_key} are required", code="missing-field"
        )
    return (
        parse_datetime(start, field=where + start_key),
        parse_datetime(end, field=where + end_key),
    )


def envelope_action(
    envelope: dict[str, Any],
    key: str,
    actions: Mapping[str, T],
    *,
    refuse_others_with: str | None = None,
) -> T:
    """The action a webhook envelope's event type stands for.

    Another type is a delivery with nothing to act on (``IgnoredDelivery``): vendors send
    pings and triggers the subscriber never asked for. For our own format
    (``refuse_others_with`` set) it is the sender's mistake, refused with that code.
    """
    kind = required_str(envelope, key)
    action = actions.get(kind)
    if action is not None:
        return action
    if refuse_others_with is not None:
        raise InvalidRequestError(f"unsupported {key} {kind[:60]!r}", code=refuse_others_with)
    raise IgnoredDelivery(f"{key} {kind[:60]!r} carries no meeting to act on")
