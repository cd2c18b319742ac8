"""A faithful local emulator of Daily.co's REST API (rooms, meeting tokens, domain config).

See ``/work/shared/reference/daily-api.md`` §9 for the behaviour it reproduces. Start it
in-process with :class:`DailyEmulator` or as a process with ``python -m local.daily_emulator``.
"""

from local.daily_emulator.clock import Clock
from local.daily_emulator.emulator import DailyEmulator
from local.daily_emulator.faults import Faults

__all__ = ["Clock", "DailyEmulator", "Faults"]
