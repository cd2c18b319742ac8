"""An iCalendar body from raw bytes to a parsed VCALENDAR and the zones it defines.

- UTF-8, unless the Content-Type names another ``charset``; a UTF-8 BOM is dropped. Folded
  lines (CRLF or LF, then a space or a tab) are unfolded on the raw bytes before decoding, so
  a fold that splits a multi-byte character, as some senders emit, still reads correctly.
- A charset Python does not know, one that is not a text encoding (``zip``, ``rot13``), or
  bytes the charset cannot decode (``punycode`` raises a bare ``UnicodeError``) is a
  ``json-parsing-error``.
- VTIMEZONEs are cut out before ``icalendar`` parses the rest (see ``vtimezone``); anything
  ``icalendar`` cannot parse, and a body that is not one VCALENDAR, is a
  ``json-parsing-error``. A TZID that makes ``icalendar``'s own zone lookup fail (``America``,
  a 300-character name) is ``unknown-time-zone``.
"""

from __future__ import annotations

import codecs
import re
import warnings
from typing import Any

import icalendar

from chalicelib.errors import InvalidRequestError, JsonParsingError
from chalicelib.events.vtimezone import split_vtimezones

_FOLD_BYTES = re.compile(rb"\r?\n[ \t]")
_FOLD_TEXT = re.compile(r"\r?\n[ \t]")


def load_calendar(body: bytes, content_type: str | None) -> tuple[Any, dict[str, str]]:
    """(the VCALENDAR, its VTIMEZONEs reduced, by TZID)."""
    text, zones = split_vtimezones(decode(body, charset(content_type)))
    try:
        with warnings.catch_warnings():
            # icalendar warns when it guesses a globally unique TZID; ical._zone decides itself.
            warnings.simplefilter("ignore", icalendar.GloballyUniqueTZIDGuessed)
            # Always bytes: icalendar reads a str without line breaks as a file path.
            calendar = icalendar.Calendar.from_ical(text.encode("utf-8"))
    except OSError:  # ZoneInfo opened a directory or an over-long name for some TZID
        raise InvalidRequestError("a TZID names no time zone", code="unknown-time-zone") from None
    except Exception:  # any failure inside the parser: not iCalendar
        raise JsonParsingError("the body is not a valid iCalendar object") from None
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise JsonParsingError("the body must be one VCALENDAR object")
    return calendar, zones


def charset(content_type: str | None) -> str:
    for parameter in (content_type or "").split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def decode(body: bytes, charset_name: str) -> str:
    try:
        codec = codecs.lookup(charset_name).name
    except (LookupError, ValueError):  # ValueError: a name with NUL bytes
        raise JsonParsingError(f"unsupported charset {charset_name[:40]!r}") from None
    utf8 = codec == "utf-8"
    if utf8:
        # Unfold before decoding: a fold may split a multi-byte character.
        body = _FOLD_BYTES.sub(b"", body.removeprefix(codecs.BOM_UTF8))
    try:
        text = body.decode(codec).removeprefix("\ufeff")
    except (UnicodeError, LookupError):
        raise JsonParsingError(f"the body is not valid {codec}") from None
    return text if utf8 else _FOLD_TEXT.sub("", text)
