"""CLI: ``python -m local.daily_emulator --domain NAME [--port N] [--api-key KEY]
[--rate-limits daily|off|SCALE] [--max-rooms N] [--seed S]``.

Behaves like Daily unless told otherwise: Daily's rate limits are on by default
(``--rate-limits off`` for fast tests); ``--max-rooms N`` adds the account's room limit.
Prints one ``daily emulator listening on http://HOST:PORT/v1`` line (the real port when
``--port 0``) and serves until SIGTERM or SIGINT, then exits 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

from local.daily_emulator.emulator import DailyEmulator
from local.daily_emulator.ratelimit import parse_mode


def _rate_limits(value: str) -> str:
    """Validate early so a typo fails at startup with a usage error, not later."""
    try:
        parse_mode(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _max_rooms(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"should be a non-negative integer, not {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until a termination signal arrives."""
    parser = argparse.ArgumentParser(prog="python -m local.daily_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("DAILY_EMULATOR_API_KEY"),
        help="the key clients must send (default: $DAILY_EMULATOR_API_KEY, which keeps it "
        "out of the process list)",
    )
    parser.add_argument("--domain", required=True, help="Daily domain (subdomain) name")
    parser.add_argument(
        "--rate-limits",
        type=_rate_limits,
        default="daily",
        help="daily (default: Daily's documented limits), off, or a positive scale of them",
    )
    parser.add_argument(
        "--max-rooms",
        type=_max_rooms,
        default=None,
        metavar="N",
        help="the account's room limit: rooms not yet expired or deleted (default: none)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for names and faults")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("--api-key or DAILY_EMULATOR_API_KEY is required")

    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    emulator = DailyEmulator(
        api_key=args.api_key,
        domain=args.domain,
        rate_limits=args.rate_limits,
        seed=args.seed,
        max_rooms=args.max_rooms,
    ).start(host=args.host, port=args.port)
    print(f"daily emulator listening on {emulator.base_url}", flush=True)
    try:
        done.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
