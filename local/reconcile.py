"""`make reconcile`: one reconcile pass against the stack `make run` started (contract §2.6).

Finds the stack through `.local/stack.json` (or LOCAL_STATE_DIR), points boto3 and the
Daily client at its local endpoints and calls the very function the scheduled Lambda
runs; prints the summary JSON as its last line. `--every N` repeats it every N seconds
(the launcher runs it that way as a child, RECONCILE_EVERY).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from typing import Any

from local.demo import state_dir

PASS_SECONDS = 240.0


def stack_environment(facts: dict[str, Any]) -> dict[str, str]:
    # The operator settings `make run` was started with (ROOM_MODE, ROOM_LEAD_MINUTES, …), so a
    # pass from another shell decides as the stack's API does.
    return {
        **facts.get("settings", {}),
        "AWS_ENDPOINT_URL_DYNAMODB": facts["dynamodb_url"],
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": facts["secretsmanager_url"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # dummy: the local emulators accept anything
        "AWS_DEFAULT_REGION": facts.get("region", "us-east-1"),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "SECRET_ID": facts["secret_id"],
        "BOOKINGS_TABLE": facts["table"],
        "DAILY_API_URL": facts["daily_api_url"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.0, help="repeat every N seconds")
    parser.add_argument(
        "--later",
        type=float,
        default=0.0,
        help="run as if N seconds later (past a retry backoff, into a lead window)",
    )
    args = parser.parse_args(argv)
    stack_file = state_dir(os.environ) / "stack.json"
    try:
        facts = json.loads(stack_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(
            f"no running stack: {stack_file} is missing; start one with `make run`", file=sys.stderr
        )
        return 2
    os.environ.update(stack_environment(facts))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from chalicelib import reconcile, runtime

    rt = runtime.current()
    if args.later:
        rt.clock = lambda: time.time() + args.later
    if args.every <= 0:
        # Asked for by hand: the orphan sweep runs now, not when its 15-minute slot comes.
        summary = reconcile.run(rt, time.monotonic() + PASS_SECONDS, sweep_now=True)
        print(json.dumps(summary.as_dict()), flush=True)
        return 0
    while True:
        try:
            summary = reconcile.run(rt, time.monotonic() + PASS_SECONDS)
            print(json.dumps(summary.as_dict()), flush=True)
        except Exception as exc:
            print(f"reconcile pass failed: {type(exc).__name__}: {exc}", flush=True)
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
