"""Small readers shared by the parsers: a JSON object from raw bytes, typed field access."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.errors import InvalidRequestError, JsonParsingError


def load_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything unparseable is a ``json-parsing-error``."""
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise JsonParsingError("the body is not valid JSON") from None
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
