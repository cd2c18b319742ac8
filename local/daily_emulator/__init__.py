"""A faithful local emulator of Daily.co's REST API (rooms, meeting tokens, domain config).

See ``/work/shared/reference/daily-api.md`` §9 for the behaviour it reproduces. Start it
in-process with :class:`DailyEmulator` or as a process with ``python -m local.daily_emulator``
(Daily's rate limits on unless ``--rate-limits off``; ``--max-rooms N`` for a room limit).

Control plane, for an emulator running as its own process (same ``Bearer`` key as the API;
never counted, rate-limited or faulted), all under ``/_emulator/``:

- ``GET counters``, ``GET rooms`` (every stored room, expired ones flagged), ``POST reset``
  (``{"rooms": true}`` also forgets rooms), ``POST faults``, ``POST api-key``.
- ``GET clock`` → ``{"now"}``; ``POST clock`` with ``{"set": T}`` freezes the clock at unix
  time ``T``, ``{"advance": S}`` moves it ``S`` seconds (frozen or not). Room and token expiry
  read this clock, so a test can jump past ``exp`` or into a room lead window without sleeping;
  rate-limit windows deliberately stay on real time. In-process: ``emulator.clock.set/advance``.
- ``GET room-limit`` → ``{"max_rooms", "available_rooms"}``; ``POST room-limit`` with
  ``{"max_rooms": N}`` (or ``null`` for none) changes the account's room limit at run time.
  In-process: ``DailyEmulator(max_rooms=N)`` or ``emulator.max_rooms = N``.
"""

from local.daily_emulator.clock import Clock
from local.daily_emulator.emulator import DailyEmulator
from local.daily_emulator.faults import Faults

__all__ = ["Clock", "DailyEmulator", "Faults"]
