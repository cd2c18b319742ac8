"""Import-on-first-use that is safe under threads.

Modules that cost a cold start (icalendar, dateutil's rrule) are imported when first needed.
Two threads importing the same package for the first time can see it half-initialised
("partially initialized module") under ``chalice local``'s threaded server, so every such
import goes through one lock. Once a module is loaded this is a lock and a dict lookup.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

# Re-entrant: a module imported this way may itself import another this way.
_IMPORT_LOCK = threading.RLock()


def import_once(module_name: str) -> ModuleType:
    """``importlib.import_module``, one thread at a time."""
    with _IMPORT_LOCK:
        return importlib.import_module(module_name)
