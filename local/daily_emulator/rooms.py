"""Room storage and the room endpoints' rules (reference §1), behind one lock.

Every public method takes the parsed request and returns the JSON answer or raises
:class:`ApiError`; holding a single lock for each whole operation is what makes concurrent
creates of one name yield exactly one 200, batch deletes all-or-nothing, and the account's
room limit exact under concurrent creates.
"""

from __future__ import annotations

import random
import re
import string
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from local.daily_emulator.account import RoomLimit
from local.daily_emulator.clock import Clock
from local.daily_emulator.errors import invalid, not_found
from local.daily_emulator.properties import ROOM_PROPERTIES, show, validate

NAME_MAX = 128
BATCH_MAX = 1000
PAGE_MAX = 100
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_NAME_ALPHABET = string.ascii_letters + string.digits
_PRIVACY = ("public", "private")
_CREATE_FIELDS = frozenset({"name", "privacy", "properties"})
_UPDATE_FIELDS = frozenset({"privacy", "properties"})

SortKey = tuple[int, str]
"""(created_at second, id): the list order, newest first."""


@dataclass
class Room:
    """One stored room; ``properties`` holds every explicitly set, non-null property."""

    id: str
    name: str
    privacy: str
    created_at: int
    properties: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> SortKey:
        """Where the room sorts in GET /rooms."""
        return (self.created_at, self.id)

    def expired(self, now: float) -> bool:
        """Past ``exp`` the API treats the room as deleted (reference §5.6)."""
        exp = self.properties.get("exp")
        return isinstance(exp, int) and exp <= now

    def to_json(self, domain_name: str) -> dict[str, object]:
        """The Daily room object; ``config`` lists only properties that differ from defaults."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.created_at))
        config = {
            name: value
            for name, value in self.properties.items()
            if not ROOM_PROPERTIES[name].is_default(value)
        }
        return {
            "id": self.id,
            "name": self.name,
            "api_created": True,
            "privacy": self.privacy,
            "url": f"https://{domain_name}.daily.co/{self.name}",
            "created_at": stamp,
            "config": config,
        }


def _body_fields(body: Mapping[str, object], allowed: frozenset[str]) -> None:
    """Reject top-level fields Daily does not define, so client typos surface in tests."""
    for name in body:
        if name not in allowed:
            raise invalid(f"unknown parameter '{name}'")


def _privacy(value: object) -> str:
    if value is None:
        return "public"
    if value not in _PRIVACY:
        raise invalid(f"privacy was '{show(value)}' but should be one of public, private")
    return str(value)


def _check_name(value: object) -> str:
    if not isinstance(value, str):
        raise invalid(f"name was '{show(value)}' but should be a string")
    if value == "" or _INVALID_NAME_CHARS.search(value):
        raise invalid(
            f"{value} contains invalid characters "
            "(room names can contain A-Z, a-z, 0-9, '-', and '_')"
        )
    if len(value) > NAME_MAX:
        raise invalid(f"{value} is too long (room names can be at most {NAME_MAX} characters)")
    return value


def _check_future_exp(props: Mapping[str, object | None], now: float) -> None:
    """Daily rejects ``exp`` equal to or before now (observed for create, update and tokens)."""
    exp = props.get("exp")
    if isinstance(exp, int) and exp <= now:
        raise invalid(f"exp was '{exp}', which is in the past rather than in the future")


def _page_size(raw: str | None) -> int:
    if raw is None:
        return PAGE_MAX
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= PAGE_MAX:
        raise invalid(f"limit was '{raw}' but should be an integer from 1 to {PAGE_MAX}")
    return size


class RoomStore:
    """All rooms of the one emulated domain, within the account's room limit."""

    def __init__(
        self, domain_name: str, clock: Clock, rng: random.Random, limit: RoomLimit
    ) -> None:
        self._domain_name = domain_name
        self._clock = clock
        self._rng = rng
        self._limit = limit
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}
        # Sort keys of every id ever issued, so a cursor naming a room deleted mid-walk still
        # resolves to a position (a cleanup job deletes what it pages through).
        self._cursors: dict[str, SortKey] = {}

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _available(self, now: float) -> int:
        """Rooms that count against the limit: deleted ones are gone, expired ones skipped."""
        return sum(1 for room in self._rooms.values() if not room.expired(now))

    def available(self) -> int:
        """How many rooms count against the account's room limit right now."""
        with self._lock:
            return self._available(self._clock.now())

    def _live(self, name: str, now: float) -> Room:
        room = self._rooms.get(name)
        if room is None or room.expired(now):
            raise not_found(f"room {name} not found")
        return room

    def create(self, body: Mapping[str, object]) -> dict[str, object]:
        """POST /rooms."""
        _body_fields(body, _CREATE_FIELDS)
        privacy = _privacy(body.get("privacy"))
        props = validate(ROOM_PROPERTIES, body.get("properties"))
        raw_name = body.get("name")
        with self._lock:
            now = self._clock.now()
            _check_future_exp(props, now)
            if raw_name is None:
                name = "".join(self._rng.choice(_NAME_ALPHABET) for _ in range(20))
            else:
                name = _check_name(raw_name)
            existing = self._rooms.get(name)
            if existing is not None and not existing.expired(now):
                raise invalid(f"a room named {name} already exists")
            self._limit.admit(lambda: self._available(now))
            room = Room(
                id=self._new_id(),
                name=name,
                privacy=privacy,
                created_at=int(now),
                properties={k: v for k, v in props.items() if v is not None},
            )
            self._rooms[name] = room
            self._cursors[room.id] = room.key
            return room.to_json(self._domain_name)

    def get(self, name: str) -> dict[str, object]:
        """GET /rooms/:name; expired rooms are as gone as deleted ones."""
        with self._lock:
            return self._live(name, self._clock.now()).to_json(self._domain_name)

    def update(self, name: str, body: Mapping[str, object]) -> dict[str, object]:
        """POST /rooms/:name: merge, where a ``null`` property resets it to the default."""
        _body_fields(body, _UPDATE_FIELDS)
        props = validate(ROOM_PROPERTIES, body.get("properties"))
        with self._lock:
            now = self._clock.now()
            room = self._live(name, now)
            privacy = _privacy(body["privacy"]) if "privacy" in body else room.privacy
            _check_future_exp(props, now)
            room.privacy = privacy
            for prop, value in props.items():
                if value is None:
                    room.properties.pop(prop, None)
                else:
                    room.properties[prop] = value
            return room.to_json(self._domain_name)

    def delete(self, name: str) -> dict[str, object]:
        """DELETE /rooms/:name; an expired room answers 404 with ``deleted: true``."""
        with self._lock:
            room = self._rooms.get(name)
            if room is None:
                raise not_found(f"room {name} not found")
            if room.expired(self._clock.now()):
                raise not_found(f"room {name} not found", deleted=True)
            del self._rooms[name]
            return {"deleted": True, "name": name}

    def batch_delete(self, body: Mapping[str, object]) -> dict[str, object]:
        """DELETE /batch/rooms: up to 1000 names, all deleted or none."""
        names = body.get("room_names", body.get("rooms"))
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise invalid("room_names should be an array of room names")
        if len(names) > BATCH_MAX:
            raise invalid(f"at most {BATCH_MAX} rooms can be deleted per call")
        unique = list(dict.fromkeys(str(n) for n in names))
        with self._lock:
            now = self._clock.now()
            for name in unique:
                self._live(name, now)
            for name in unique:
                del self._rooms[name]
            return {"deleted_count": len(unique)}

    def list_page(self, query: Mapping[str, str]) -> dict[str, object]:
        """GET /rooms: newest first, cursor pagination by room id, expired rooms hidden."""
        limit = _page_size(query.get("limit"))
        after = query.get("starting_after")
        before = query.get("ending_before")
        if after is not None and before is not None:
            raise invalid("use only one of starting_after and ending_before")
        with self._lock:
            now = self._clock.now()
            live = sorted(
                (r for r in self._rooms.values() if not r.expired(now)),
                key=lambda r: r.key,
                reverse=True,
            )
            if after is not None:
                cursor = self._cursor(after)
                page = [r for r in live if r.key < cursor][:limit]
            elif before == "OLDEST":
                page = live[-limit:]
            elif before is not None:
                cursor = self._cursor(before)
                page = [r for r in live if r.key > cursor][-limit:]
            else:
                page = live[:limit]
            return {
                "total_count": len(live),
                "data": [r.to_json(self._domain_name) for r in page],
            }

    def _cursor(self, room_id: str) -> SortKey:
        key = self._cursors.get(room_id)
        if key is None:
            raise invalid(f"no room with id {room_id} to page from")
        return key

    def snapshot(self) -> list[dict[str, object]]:
        """Every stored room, expired ones included and flagged, for test assertions."""
        with self._lock:
            now = self._clock.now()
            return [
                {**r.to_json(self._domain_name), "expired": r.expired(now)}
                for r in sorted(self._rooms.values(), key=lambda r: r.key, reverse=True)
            ]

    def wipe(self) -> None:
        """Forget every room and cursor."""
        with self._lock:
            self._rooms.clear()
            self._cursors.clear()
