"""Type rules for room and meeting-token properties (reference §1.1 and §2.1 tables).

Daily rejects unknown property names and wrongly typed values with 400
``invalid-request-error``; the wording follows the observed ``exp`` messages
("exp was '<v>' but should be ...") so every type error reads the same way.
Range rules that need the clock (``exp`` in the past) live with the callers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from local.daily_emulator.errors import invalid

Check = Callable[[str, object], object]
"""Validates one value for the named property and returns its normalised form."""

LANGS = frozenset(
    [
        "da",
        "de",
        "en",
        "es",
        "fi",
        "fr",
        "it",
        "jp",
        "ka",
        "nl",
        "no",
        "pt",
        "pt-BR",
        "pl",
        "ru",
        "sv",
        "tr",
        "user",
    ],
)
GEOS = frozenset(
    [
        "af-south-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-south-1",
        "eu-central-1",
        "eu-west-2",
        "sa-east-1",
        "us-east-1",
        "us-west-2",
    ],
)
RECORDING_MODES = frozenset({"cloud", "local", "raw-tracks"})
_NO_DEFAULT = object()


def show(value: object) -> str:
    """Render a value the way Daily's JavaScript messages do (``String(v)``-like)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _wrong(name: str, value: object, expected: str) -> Exception:
    return invalid(f"{name} was '{show(value)}' but should be {expected}")


def boolean(name: str, value: object) -> object:
    """Booleans must be JSON true/false; Daily does not coerce 0/1 or strings."""
    if not isinstance(value, bool):
        raise _wrong(name, value, "a boolean")
    return value


def _as_int(value: object) -> int | None:
    """JSON has one number type, so 5.0 counts as the integer 5; bools never do."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def timestamp(name: str, value: object) -> object:
    """Unix seconds, as Daily words it for a non-integer ``exp``."""
    number = _as_int(value)
    if number is None:
        raise _wrong(name, value, "a number of seconds since the unix epoch")
    return number


def count(name: str, value: object) -> object:
    """A non-negative integer (participants, seconds)."""
    number = _as_int(value)
    if number is None or number < 0:
        raise _wrong(name, value, "a non-negative integer")
    return number


def number(name: str, value: object) -> object:
    """Any finite JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _wrong(name, value, "a number")
    return value


def text(max_len: int | None = None) -> Check:
    """A string, optionally length-capped (``meeting_join_hook`` ≤ 255)."""

    def check(name: str, value: object) -> object:
        if not isinstance(value, str):
            raise _wrong(name, value, "a string")
        if max_len is not None and len(value) > max_len:
            raise _wrong(name, value, f"at most {max_len} characters")
        return value

    return check


def one_of(options: frozenset[str]) -> Check:
    """A string drawn from a documented option list."""

    def check(name: str, value: object) -> object:
        if not isinstance(value, str) or value not in options:
            raise _wrong(name, value, "one of " + ", ".join(sorted(options)))
        return value

    return check


def obj(name: str, value: object) -> object:
    """A JSON object (buckets, permissions, settings); its inside is not modelled."""
    if not isinstance(value, dict):
        raise _wrong(name, value, "an object")
    return value


def array(name: str, value: object) -> object:
    """A JSON array (``streaming_endpoints``)."""
    if not isinstance(value, list):
        raise _wrong(name, value, "an array")
    return value


def user_id(name: str, value: object) -> object:
    """A string of at most 36 characters; numbers are echoed back as numbers like cal.com sends."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _wrong(name, value, "a string")
    if len(str(value)) > 36:
        raise invalid(f"{name} was '{show(value)}' but should be at most 36 characters")
    return value


@dataclass(frozen=True)
class Prop:
    """One documented property: its check and, where documented, its default."""

    check: Check
    default: object = _NO_DEFAULT

    def is_default(self, value: object) -> bool:
        """True when the value equals the documented default (so ``config`` omits it)."""
        return (
            self.default is not _NO_DEFAULT
            and type(value) is type(self.default)
            and (value == self.default)
        )


_BOOL_PROPS_NO_DEFAULT = [
    "enable_prejoin_ui",
    "enable_knocking",
    "enable_people_ui",
    "enable_pip_ui",
    "enable_emoji_reactions",
    "enable_hand_raising",
    "enable_network_ui",
    "enable_noise_cancellation_ui",
    "enable_live_captions_ui",
    "enable_breakout_rooms",
    "enable_mesh_sfu",
    "experimental_optimize_large_calls",
    "disable_rtmp_geo_fallback",
    "enable_dialout",
    "enable_cpu_warning_notifications",
]
_BOOL_PROPS_FALSE = [
    "eject_at_room_exp",
    "enable_chat",
    "enable_advanced_chat",
    "start_video_off",
    "start_audio_off",
    "owner_only_broadcast",
    "enable_hidden_participants",
    "enforce_unique_user_ids",
    "enable_multiparty_adaptive_simulcast",
    "enable_terse_logging",
    "enable_transcription_storage",
]
_BOOL_PROPS_TRUE = [
    "enable_screenshare",
    "enable_video_processing_ui",
    "enable_shared_chat_history",
    "enable_adaptive_simulcast",
]

ROOM_PROPERTIES: Mapping[str, Prop] = {
    "nbf": Prop(timestamp),
    "exp": Prop(timestamp),
    "max_participants": Prop(count, 200),
    "eject_after_elapsed": Prop(count),
    "sfu_switchover": Prop(number, 0.5),
    "enable_recording": Prop(one_of(RECORDING_MODES)),
    "lang": Prop(one_of(LANGS), "en"),
    "geo": Prop(one_of(GEOS)),
    "rtmp_geo": Prop(one_of(GEOS)),
    "meeting_join_hook": Prop(text(255)),
    "recordings_bucket": Prop(obj),
    "transcription_bucket": Prop(obj),
    "auto_transcription_settings": Prop(obj),
    "recordings_template": Prop(text()),
    "transcription_template": Prop(text()),
    "dialout_config": Prop(obj),
    "streaming_endpoints": Prop(array),
    "permissions": Prop(obj),
    **{name: Prop(boolean) for name in _BOOL_PROPS_NO_DEFAULT},
    **{name: Prop(boolean, False) for name in _BOOL_PROPS_FALSE},
    **{name: Prop(boolean, True) for name in _BOOL_PROPS_TRUE},
}

TOKEN_PROPERTIES: Mapping[str, Prop] = {
    "room_name": Prop(text()),
    "nbf": Prop(timestamp),
    "exp": Prop(timestamp),
    "eject_at_token_exp": Prop(boolean),
    "eject_after_elapsed": Prop(count),
    "is_owner": Prop(boolean),
    "user_name": Prop(text()),
    "user_id": Prop(user_id),
    "enable_screenshare": Prop(boolean),
    "start_video_off": Prop(boolean),
    "start_audio_off": Prop(boolean),
    "enable_recording": Prop(one_of(RECORDING_MODES)),
    "enable_prejoin_ui": Prop(boolean),
    "enable_live_captions_ui": Prop(boolean),
    "enable_recording_ui": Prop(boolean),
    "enable_terse_logging": Prop(boolean),
    "knocking": Prop(boolean),
    "start_cloud_recording": Prop(boolean),
    "start_cloud_recording_opts": Prop(obj),
    "auto_start_transcription": Prop(boolean),
    "close_tab_on_exit": Prop(boolean),
    "redirect_on_meeting_exit": Prop(text()),
    "intercom_join_alert": Prop(boolean),
    "meeting_join_hook": Prop(text(255)),
    "lang": Prop(one_of(LANGS)),
    "permissions": Prop(obj),
}


def validate(
    schema: Mapping[str, Prop], raw: object, *, what: str = "properties"
) -> dict[str, object | None]:
    """Check a ``properties`` object against a schema; ``None`` values pass through as resets."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise invalid(f"{what} should be an object")
    checked: dict[str, object | None] = {}
    for name, value in raw.items():
        prop = schema.get(name)
        if prop is None:
            raise invalid(f"unknown property '{name}' in {what}")
        checked[name] = None if value is None else prop.check(name, value)
    return checked
