"""How much faster self-signing meeting tokens is than minting them through Daily's API.

Runs against an in-process Daily emulator over loopback (rate limits off, no pacing), so the
API figure is a ceiling: real Daily adds network latency and a 20 requests/s limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib.daily import DailyClient, MeetingTokenProperties
from local.daily_emulator import DailyEmulator

API_KEY = "0123456789abcdef" * 4  # a Daily-sized key (64 chars)
DOMAIN = "roomlinks-bench"
MIN_SECONDS = 2.0

PROPS = MeetingTokenProperties(
    room_name="bench-room",
    exp=2_000_000_000,
    is_owner=False,
    user_name="Bench User",
    user_id="bench-user-0001",
    eject_at_token_exp=True,
)


def rate(work: Callable[[int], object], min_seconds: float = MIN_SECONDS) -> tuple[int, float]:
    """Call ``work(i)`` until ``min_seconds`` have passed; return (calls, seconds)."""
    calls = 0
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < min_seconds:
        work(calls)
        calls += 1
        elapsed = time.perf_counter() - started
    return calls, elapsed


def main() -> None:
    """Print self-signed vs API-minted tokens per second."""
    with DailyEmulator(api_key=API_KEY, domain=DOMAIN, rate_limits="off").start() as emu:
        client = DailyClient(API_KEY, emu.base_url, pacing=False)
        iat0 = int(time.time())
        # Warm up: the domain id is fetched once, the connection opened once.
        signed = client.sign_meeting_token(PROPS, iat=iat0)
        minted = client.create_meeting_token(PROPS)
        if client.validate_meeting_token(signed) != client.validate_meeting_token(minted):
            raise SystemExit("self-signed and minted tokens disagree")

        signed_n, signed_s = rate(lambda i: client.sign_meeting_token(PROPS, iat=iat0 + i))
        minted_n, minted_s = rate(lambda _: client.create_meeting_token(PROPS))

    signed_rate = signed_n / signed_s
    minted_rate = minted_n / minted_s
    rows = [
        ("self-signed (PyJWT HS256)", signed_n, signed_s, signed_rate),
        ("API-minted (POST /meeting-tokens)", minted_n, minted_s, minted_rate),
    ]
    print("bench.tokens: meeting tokens per second (emulator over loopback)")
    print(f"{'method':<36}{'tokens':>10}{'seconds':>10}{'tokens/s':>12}")
    for label, n, secs, per_s in rows:
        print(f"{label:<36}{n:>10}{secs:>10.2f}{per_s:>12.1f}")
    print(f"{'ratio self-signed / API-minted':<36}{'':>20}{signed_rate / minted_rate:>12.1f}x")


if __name__ == "__main__":
    main()
