"""Daily.co REST client for roomlinks: rooms, the domain and meeting tokens.

Importing this package has no side effects: the HTTP connection pool is created on first use.
"""

from chalicelib.daily.client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, DailyClient
from chalicelib.daily.errors import (
    DailyAuthenticationError,
    DailyAuthorizationHeaderError,
    DailyDeadlineExceeded,
    DailyError,
    DailyForbiddenError,
    DailyInvalidRequestError,
    DailyJsonParsingError,
    DailyNotFoundError,
    DailyRateLimitError,
    DailyServerError,
    DailyTimeoutError,
    DailyTransportError,
)
from chalicelib.daily.models import (
    TOKEN_CLAIMS,
    Domain,
    MeetingTokenProperties,
    Privacy,
    Room,
)
from chalicelib.daily.tokens import decode_meeting_token, sign_meeting_token

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "TOKEN_CLAIMS",
    "DailyAuthenticationError",
    "DailyAuthorizationHeaderError",
    "DailyClient",
    "DailyDeadlineExceeded",
    "DailyError",
    "DailyForbiddenError",
    "DailyInvalidRequestError",
    "DailyJsonParsingError",
    "DailyNotFoundError",
    "DailyRateLimitError",
    "DailyServerError",
    "DailyTimeoutError",
    "DailyTransportError",
    "Domain",
    "MeetingTokenProperties",
    "Privacy",
    "Room",
    "decode_meeting_token",
    "sign_meeting_token",
]
