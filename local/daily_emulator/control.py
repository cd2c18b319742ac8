"""The ``/_emulator/`` control plane, for driving an emulator that runs as its own process.

Same Bearer authentication as the API; calls are neither counted, rate-limited nor faulted,
so benchmarks can read counters and set up faults without disturbing what they measure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from local.daily_emulator.errors import ApiError, invalid, not_found
from local.daily_emulator.wire import ApiKey, Request, Response, authenticate, json_object

if TYPE_CHECKING:
    from local.daily_emulator.emulator import DailyEmulator


def _number(spec: Mapping[str, object], key: str, default: float | None = None) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(f"{key} should be a number")
    return float(value)


def _integer(spec: Mapping[str, object], key: str, default: int | None = None) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{key} should be an integer")
    return value


def _endpoint(spec: Mapping[str, object]) -> str | None:
    value = spec.get("endpoint")
    if value is not None and not isinstance(value, str):
        raise invalid("endpoint should be an endpoint class such as 'POST /rooms'")
    return value


def _known(body: Mapping[str, object], allowed: set[str]) -> None:
    """Typos in a control body must fail loudly rather than silently configure nothing."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid(f"unknown settings: {', '.join(unknown)}; expected {sorted(allowed)}")


def _spec(body: Mapping[str, object], key: str, scalar: str) -> Mapping[str, object]:
    """A fault setting is an object, or a bare number meaning its main field."""
    value = body[key]
    if isinstance(value, dict):
        return value
    return {scalar: value}


class ControlApi:
    """Routes ``/_emulator/*`` onto a :class:`DailyEmulator`."""

    def __init__(self, emulator: DailyEmulator, api_key: ApiKey) -> None:
        self._emu = emulator
        self._api_key = api_key
        self._routes: dict[tuple[str, str], Callable[[dict[str, object]], object]] = {
            ("GET", "counters"): lambda _: emulator.counters(),
            ("GET", "rooms"): lambda _: emulator.rooms_snapshot(),
            ("POST", "reset"): self._reset,
            ("POST", "faults"): self._faults,
            ("GET", "clock"): lambda _: {"now": emulator.clock.now()},
            ("POST", "clock"): self._clock,
            ("GET", "room-limit"): lambda _: self._room_limit_state(),
            ("POST", "room-limit"): self._room_limit,
            ("POST", "api-key"): self._rotate,
        }

    def handle(self, request: Request) -> Response:
        """Answer one control call."""
        try:
            authenticate(request.authorization, self._api_key)
            name = request.path.removeprefix("/_emulator/").strip("/")
            route = self._routes.get((request.method, name))
            if route is None:
                raise not_found(f"{request.method} {request.path} is not a control endpoint")
            return Response.ok(route(json_object(request.body)))
        except ApiError as error:
            return Response.failure(error)
        except ValueError as error:  # raised by Faults on out-of-range settings
            return Response.failure(invalid(str(error)))

    def _reset(self, body: dict[str, object]) -> object:
        _known(body, {"rooms"})
        rooms = body.get("rooms", False)
        if not isinstance(rooms, bool):
            raise invalid("rooms should be a boolean")
        self._emu.reset(rooms=rooms)
        return {"reset": True, "rooms": rooms}

    def _faults(self, body: dict[str, object]) -> object:
        """Apply ``clear`` first, then each setting in turn (a 400 may follow earlier ones)."""
        _known(body, {"clear", "fail_next", "failure_rate", "latency", "hang_next"})
        faults = self._emu.faults
        if body.get("clear"):
            faults.clear()
        if "fail_next" in body:
            spec = _spec(body, "fail_next", "n")
            error = spec.get("error", "server-error")
            if not isinstance(error, str):
                raise invalid("error should be a string")
            faults.fail_next(
                _integer(spec, "n"), _integer(spec, "status", 503), error, _endpoint(spec)
            )
        if "failure_rate" in body:
            spec = _spec(body, "failure_rate", "fraction")
            faults.set_failure_rate(
                _number(spec, "fraction"), _integer(spec, "status", 500), _endpoint(spec)
            )
        if "latency" in body:
            spec = _spec(body, "latency", "seconds")
            faults.set_latency(_number(spec, "seconds"), _endpoint(spec))
        if "hang_next" in body:
            hang = body["hang_next"]
            if not isinstance(hang, dict):
                raise invalid("hang_next should be an object with n and seconds")
            faults.hang_next(_integer(hang, "n"), _number(hang, "seconds"), _endpoint(hang))
        return {"ok": True}

    def _clock(self, body: dict[str, object]) -> object:
        _known(body, {"set", "advance"})
        clock = self._emu.clock
        if "set" in body:
            clock.set(_number(body, "set"))
        if "advance" in body:
            clock.advance(_number(body, "advance"))
        return {"now": clock.now()}

    def _room_limit_state(self) -> dict[str, object]:
        return {"max_rooms": self._emu.max_rooms, "available_rooms": self._emu.available_rooms()}

    def _room_limit(self, body: dict[str, object]) -> object:
        """``{"max_rooms": N}`` sets the account's room limit, ``null`` lifts it."""
        _known(body, {"max_rooms"})
        if "max_rooms" not in body:
            raise invalid("max_rooms is required: a non-negative integer, or null for no limit")
        value = body["max_rooms"]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise invalid("max_rooms should be a non-negative integer or null")
        self._emu.max_rooms = value  # a negative value raises ValueError → 400
        return self._room_limit_state()

    def _rotate(self, body: dict[str, object]) -> object:
        _known(body, {"api_key"})
        new = body.get("api_key")
        if not isinstance(new, str) or not new:
            raise invalid("api_key should be a non-empty string")
        self._emu.set_api_key(new)
        return {"ok": True}
