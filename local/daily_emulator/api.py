"""The Daily REST surface under ``/v1``: classify, count, fault, authenticate, limit, route.

The order is deliberate: every received call is counted (even ones answered with errors),
faults hit before anything else like an unhealthy edge would, paths Daily does not have are
404 whoever asks, and only authenticated calls to real endpoints consume rate-limit budget
(Daily's limits are per domain, i.e. per API key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from local.daily_emulator.counters import Counters
from local.daily_emulator.errors import ApiError, not_found
from local.daily_emulator.faults import Faults
from local.daily_emulator.ratelimit import RateLimiter
from local.daily_emulator.rooms import RoomStore
from local.daily_emulator.tokens import TokenIssuer
from local.daily_emulator.wire import ApiKey, Request, Response, authenticate, json_object

UNKNOWN_ENDPOINT = "unknown"
"""Counter key for requests to paths Daily does not have."""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/v1/?"), "/"),
    (re.compile(r"/v1/rooms/?"), "/rooms"),
    (re.compile(r"/v1/rooms/([^/]+)/?"), "/rooms/:name"),
    (re.compile(r"/v1/batch/rooms/?"), "/batch/rooms"),
    (re.compile(r"/v1/meeting-tokens/?"), "/meeting-tokens"),
    (re.compile(r"/v1/meeting-tokens/([^/]+)/?"), "/meeting-tokens/:token"),
)

Handler = Callable[[str, Request], object]
"""(path argument, request) → JSON body of a 200 answer."""


@dataclass(frozen=True)
class Domain:
    """The one domain this emulator serves, and what ``GET /v1/`` reports about it."""

    name: str
    id: str
    config: Mapping[str, object]


class DailyApi:
    """Routes ``/v1`` requests to the room store and the token issuer."""

    def __init__(
        self,
        *,
        api_key: ApiKey,
        domain: Domain,
        rooms: RoomStore,
        tokens: TokenIssuer,
        faults: Faults,
        limiter: RateLimiter,
        counters: Counters,
    ) -> None:
        self._api_key = api_key
        self._faults = faults
        self._limiter = limiter
        self._counters = counters
        self._routes: dict[str, Handler] = {
            "GET /": lambda _, __: {
                "domain_name": domain.name,
                "domain_id": domain.id,
                "config": dict(domain.config),
            },
            "GET /rooms": lambda _, req: rooms.list_page(req.query),
            "POST /rooms": lambda _, req: rooms.create(json_object(req.body)),
            "GET /rooms/:name": lambda name, _: rooms.get(name),
            "POST /rooms/:name": lambda name, req: rooms.update(name, json_object(req.body)),
            "DELETE /rooms/:name": lambda name, _: rooms.delete(name),
            "DELETE /batch/rooms": lambda _, req: rooms.batch_delete(json_object(req.body)),
            "POST /meeting-tokens": lambda _, req: tokens.mint(json_object(req.body)),
            "GET /meeting-tokens/:token": lambda token, req: tokens.validate(
                token, ignore_nbf=req.query.get("ignoreNbf", "").lower() == "true"
            ),
        }

    @staticmethod
    def classify(method: str, path: str) -> tuple[str, str]:
        """(endpoint class, decoded path argument); unknown paths classify as ``unknown``."""
        for pattern, template in _PATTERNS:
            match = pattern.fullmatch(path)
            if match:
                arg = unquote(match.group(1)) if match.groups() else ""
                return f"{method} {template}", arg
        return UNKNOWN_ENDPOINT, ""

    def handle(self, request: Request) -> Response:
        """Answer one API call."""
        endpoint, arg = self.classify(request.method, request.path)
        self._counters.hit(endpoint)
        verdict = self._faults.decide(endpoint)
        self._faults.sleep(verdict.delay)
        try:
            if verdict.status is not None:
                headers = {"Retry-After": "1"} if verdict.status == 429 else None
                raise ApiError(
                    verdict.status, verdict.error, "injected by the emulator", headers=headers
                )
            if endpoint == UNKNOWN_ENDPOINT:
                raise not_found(f"{request.path} not found")
            authenticate(request.authorization, self._api_key)
            return Response.ok(self._route(endpoint, arg, request))
        except ApiError as error:
            return Response.failure(error)

    def _route(self, endpoint: str, arg: str, request: Request) -> object:
        handler = self._routes.get(endpoint)
        if handler is None:
            allowed = sorted(
                key.split(" ", 1)[0]
                for key in self._routes
                if key.split(" ", 1)[1] == endpoint.split(" ", 1)[1]
            )
            raise ApiError(
                405,
                "invalid-request-error",
                f"{request.method} is not supported on {request.path}",
                headers={"Allow": ", ".join(allowed)},
            )
        wait = self._limiter.check(endpoint)
        if wait is not None:
            raise ApiError(
                429,
                "rate-limit-error",
                f"rate limit exceeded for {endpoint}; retry in {wait}s",
                headers={"Retry-After": str(wait)},
            )
        return handler(arg, request)
