"""Daily's meeting-token endpoints, mixed into ``DailyClient``: minted by Daily (an API call
against the rate limit), validated by Daily, or self-signed here with no call at all."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from pydantic import ValidationError

from chalicelib.daily.errors import DailyError
from chalicelib.daily.models import Domain, MeetingTokenProperties
from chalicelib.daily.tokens import sign_meeting_token

if TYPE_CHECKING:
    from chalicelib.daily.transport import Transport


class _Client(Protocol):
    """What these calls use of ``DailyClient``."""

    _transport: Transport
    _call: Any

    def get_domain(self, *, deadline: float | None = None) -> Domain: ...


class MeetingTokenCalls:
    """Meeting-token endpoints; ``self`` is a ``DailyClient``."""

    def create_meeting_token(
        self: _Client, props: MeetingTokenProperties, *, deadline: float | None = None
    ) -> str:
        """``POST /meeting-tokens``; stateless on Daily's side, so safe to retry."""
        data = self._call(
            "POST",
            "/meeting-tokens",
            "/meeting-tokens",
            json={"properties": props.to_api()},
            deadline=deadline,
            safe=True,
        )
        token = data.get("token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise DailyError("invalid-response", "POST /meeting-tokens: no token", status=200)
        return token

    def validate_meeting_token(
        self: _Client, token: str, ignore_nbf: bool = False, *, deadline: float | None = None
    ) -> MeetingTokenProperties:
        """``GET /meeting-tokens/:token``: Daily checks signature, domain and times."""
        params = {"ignoreNbf": "true"} if ignore_nbf else None
        data = self._call(
            "GET",
            "/meeting-tokens/:token",
            f"/meeting-tokens/{quote(token, safe='')}",
            params=params,
            deadline=deadline,
            secret=token,
        )
        if not isinstance(data, Mapping):
            raise DailyError("invalid-response", "GET /meeting-tokens: not an object", status=200)
        try:
            return MeetingTokenProperties.from_api(data)
        except ValidationError:
            raise DailyError(
                "invalid-response", "GET /meeting-tokens: unexpected properties", status=200
            ) from None

    def sign_meeting_token(
        self: _Client,
        props: MeetingTokenProperties,
        *,
        iat: int | None = None,
        deadline: float | None = None,
    ) -> str:
        """Self-sign ``props`` with this client's key and (cached) domain id: no token API call."""
        domain = self.get_domain(deadline=deadline)
        issued = int(time.time()) if iat is None else iat
        return sign_meeting_token(
            props, api_key=self._transport.api_key, domain_id=domain.domain_id, iat=issued
        )
