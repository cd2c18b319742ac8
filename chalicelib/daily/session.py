"""The one ``requests.Session`` of the process, created on first use and then reused.

Reuse keeps TLS connections to Daily alive across a warm Lambda's invocations. Creating it
lazily keeps imports free of side effects. The adapter never retries by itself
(``max_retries=0``): the client's loop retries, because only it knows each call's deadline.
"""

from __future__ import annotations

import threading

import requests
from requests.adapters import HTTPAdapter

__all__ = ["get_session"]

_SESSION: requests.Session | None = None
_SESSION_LOCK = threading.Lock()

#: Connections kept per host; above the handful of threads one Lambda process runs.
POOL_MAXSIZE = 32


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=POOL_MAXSIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # No session-wide Authorization: the key is per client and sent per request.
    session.headers["Accept"] = "application/json"
    session.headers["User-Agent"] = "roomlinks-daily-client/1"
    return session


def get_session() -> requests.Session:
    """Return the process-wide session, creating it exactly once even under threads."""
    global _SESSION  # noqa: PLW0603 - one lazily created session per process is the point
    session = _SESSION
    if session is None:
        with _SESSION_LOCK:
            session = _SESSION
            if session is None:
                session = _SESSION = _new_session()
    return session
