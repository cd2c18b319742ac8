"""The one in-process cache of Daily domains, by (API key id, base URL), with single flight.

A key's domain never changes, and every token needs its id: it is fetched once per process
(concurrent first callers wait for one fetch) and can be seeded from storage.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from chalicelib.daily.errors import DailyDeadlineExceeded
from chalicelib.daily.models import Domain

Key = tuple[str, str]

_domains: dict[Key, Domain] = {}
_fetch_locks: dict[Key, threading.Lock] = {}
_lock = threading.Lock()


def cached(key: Key) -> Domain | None:
    return _domains.get(key)


def remember(key: Key, domain: Domain) -> None:
    _domains.setdefault(key, domain)


def fetch_once(key: Key, fetch: Callable[[], Domain], wait: float) -> Domain:
    """The cached domain, or ``fetch()``'s, with one fetch at a time per key (``wait`` seconds
    at most for another caller's; negative waits without limit)."""
    found = _domains.get(key)
    if found is not None:
        return found
    with _lock:
        fetch_lock = _fetch_locks.setdefault(key, threading.Lock())
    if not fetch_lock.acquire(timeout=wait):
        raise DailyDeadlineExceeded("deadline passed waiting for another domain fetch")
    try:
        found = _domains.get(key)
        if found is None:
            found = _domains[key] = fetch()
        return found
    finally:
        fetch_lock.release()
