"""``DailyEmulator``: the in-process handle that wires state, faults and the HTTP server."""

from __future__ import annotations

import random
import threading
import uuid
from types import TracebackType
from typing import Self

from local.daily_emulator.account import RoomLimit
from local.daily_emulator.api import DailyApi, Domain
from local.daily_emulator.clock import Clock
from local.daily_emulator.control import ControlApi
from local.daily_emulator.counters import Counters
from local.daily_emulator.faults import Faults
from local.daily_emulator.ratelimit import RateLimiter, parse_mode
from local.daily_emulator.rooms import RoomStore
from local.daily_emulator.server import EmulatorHTTPServer
from local.daily_emulator.tokens import TokenIssuer
from local.daily_emulator.wire import ApiKey, Request, Response

_DOMAIN_NAMESPACE = uuid.UUID("6f1c3a52-9d0e-4d7b-9a51-3c1e0d2b7a44")
"""uuid5 namespace: the same domain name always gets the same ``domain_id`` across restarts,
so self-signed tokens minted before a restart still carry the right ``d`` claim."""


class DailyEmulator:
    """A fake Daily REST API for one domain, served over real HTTP on a daemon thread.

    ``rate_limits`` is ``"off"``, ``"daily"`` (Daily's documented limits) or a positive
    scale factor applied to them. ``max_rooms`` is the account's room limit (None, the
    default, for none). ``seed`` makes generated names, ids and random failures reproducible.
    """

    def __init__(
        self,
        api_key: str,
        domain: str,
        *,
        rate_limits: str | float = "off",
        clock: Clock | None = None,
        seed: int | None = None,
        max_rooms: int | None = None,
    ) -> None:
        if not domain:
            raise ValueError("domain must not be empty")
        self._api_key = ApiKey(api_key)
        self.domain_name = domain
        self.domain_id = str(uuid.uuid5(_DOMAIN_NAMESPACE, domain))
        self.clock = clock or Clock()
        rng = random.Random(seed)
        self.faults = Faults(random.Random(rng.getrandbits(64)))
        self._limiter = RateLimiter(parse_mode(rate_limits))
        self._counters = Counters()
        self._room_limit = RoomLimit(max_rooms)
        self._rooms = RoomStore(domain, self.clock, rng, self._room_limit)
        self._api = DailyApi(
            api_key=self._api_key,
            domain=Domain(
                name=domain,
                id=self.domain_id,
                config={
                    "hide_daily_branding": False,
                    "redirect_on_meeting_exit": "",
                    "hipaa": False,
                    "sfu_switchover": 0.5,
                    "lang": "en",
                    "max_api_keys": 1,
                    "max_webhook_count": 1,
                    "disable_rate_limiting": not self._limiter.enabled,
                },
            ),
            rooms=self._rooms,
            tokens=TokenIssuer(self._api_key, self.domain_id, self.clock),
            faults=self.faults,
            limiter=self._limiter,
            counters=self._counters,
        )
        self._control = ControlApi(self, self._api_key)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        """Never shows the API key."""
        return f"DailyEmulator(domain={self.domain_name!r}, running={self._server is not None})"

    @property
    def api_key(self) -> str:
        """The key clients must send; exposed for wiring clients in tests, never printed."""
        return self._api_key.value

    def set_api_key(self, api_key: str) -> None:
        """Rotate the key: the old one now gets 401 and tokens signed with it stop validating."""
        self._api_key.value = api_key

    def _dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_emulator/"):
            return self._control.handle(request)
        return self._api.handle(request)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Bind (port 0 picks a free port) and serve on a daemon thread."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._server = EmulatorHTTPServer((host, port), self._dispatch)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # serve_forever only notices shutdown() between polls; keep stop() fast.
            kwargs={"poll_interval": 0.01},
            name=f"daily-emulator-{self.domain_name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; hung fault sleeps are woken. Idempotent."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        self.faults.interrupt()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1``, the value to configure as Daily's API base URL."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def counters(self) -> dict[str, int]:
        """Requests received per endpoint class, errors and faulted calls included."""
        return self._counters.snapshot()

    def reset_counters(self) -> None:
        """Zero the counters."""
        self._counters.reset()

    def reset(self, *, rooms: bool = False) -> None:
        """Zero counters and clear faults; with ``rooms=True`` also forget every room."""
        self._counters.reset()
        self.faults.clear()
        if rooms:
            self._rooms.wipe()

    @property
    def max_rooms(self) -> int | None:
        """The account's room limit; set it (or None) at run time, as a plan change would."""
        return self._room_limit.max_rooms

    @max_rooms.setter
    def max_rooms(self, value: int | None) -> None:
        self._room_limit.max_rooms = value

    def available_rooms(self) -> int:
        """Rooms counting against the limit now: not deleted and not past ``exp``."""
        return self._rooms.available()

    def rooms_snapshot(self) -> list[dict[str, object]]:
        """Stored rooms (newest first) with an ``expired`` flag, bypassing the API."""
        return self._rooms.snapshot()
