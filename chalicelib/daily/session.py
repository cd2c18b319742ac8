"""The one urllib3 ``PoolManager`` of the process, created on first use and then reused.

Reuse keeps TLS connections to Daily alive across a warm Lambda's invocations; creating it
lazily keeps imports free of side effects. urllib3 directly, not ``requests``: botocore loads
it anyway, and ``requests`` would add ~20 ms to every cold start for nothing we use. The pool
never retries or follows redirects by itself (``retries=False``): the client's loop retries,
because only it knows each call's deadline.
"""

from __future__ import annotations

import threading

import urllib3

__all__ = ["REQUEST_HEADERS", "get_pool"]

#: Sent with every call; the Authorization header is per client and added per request.
REQUEST_HEADERS = {"Accept": "application/json", "User-Agent": "roomlinks-daily-client/1"}
#: Connections kept per host; above the handful of threads one Lambda process runs.
POOL_MAXSIZE = 32

_POOL: urllib3.PoolManager | None = None
_POOL_LOCK = threading.Lock()


def _new_pool() -> urllib3.PoolManager:
    # The CA bundle botocore verifies AWS with (certifi's when installed, else its own): a
    # Python without a system store (python.org's on macOS) still reaches Daily over TLS.
    from botocore.httpsession import where  # noqa: PLC0415 - loaded by then for AWS anyway

    return urllib3.PoolManager(num_pools=4, maxsize=POOL_MAXSIZE, retries=False, ca_certs=where())


def get_pool() -> urllib3.PoolManager:
    """Return the process-wide pool, creating it exactly once even under threads."""
    global _POOL  # noqa: PLW0603 - one lazily created pool per process is the point
    pool = _POOL
    if pool is None:
        with _POOL_LOCK:
            pool = _POOL
            if pool is None:
                pool = _POOL = _new_pool()
    return pool
