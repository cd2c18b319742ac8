"""`make demo`: post a sample Zapier event to the running local stack and show the links.

It reads `.local/stack.json` (written by `make run`), so it needs no configuration and
proves the whole path end to end: hook auth, booking store, Daily room, join tokens.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from local.secret import first

PROJECT_DIR = Path(__file__).resolve().parent.parent


def state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`.local/` in the project, or LOCAL_STATE_DIR (tests use a temporary directory)."""
    override = environ.get("LOCAL_STATE_DIR")
    return Path(override).resolve() if override else PROJECT_DIR / ".local"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_zapier_event(
    starts_in: timedelta = timedelta(hours=1), minutes: int = 30
) -> dict[str, Any]:
    """A Zapier-shaped calendar event with a fresh id, starting `starts_in` from now."""
    start = (datetime.now(UTC) + starts_in).replace(second=0, microsecond=0)
    return {
        "id": "demo-" + secrets.token_hex(6),
        "title": "roomlinks demo meeting",
        "start": _rfc3339(start),
        "end": _rfc3339(start + timedelta(minutes=minutes)),
        "organizer_email": "host@example.com",
        "organizer_name": "Demo Host",
        "attendees": [
            {"email": "guest@example.com", "name": "Demo Guest"},
            {"email": "second.guest@example.com", "name": "Second Guest"},
        ],
    }


def load_stack(path: Path) -> dict[str, Any]:
    """stack.json of the running stack; exit with a hint when there is none."""
    try:
        stack: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        sys.exit(f"no local stack found ({path} is missing): start it with `make run` first")
    except (OSError, json.JSONDecodeError) as exc:
        sys.exit(f"cannot read {path}: {exc}; restart the stack with `make run`")
    return stack


def main() -> int:
    """Post one sample event (joinable right away) and print what came back."""
    stack = load_stack(state_dir() / "stack.json")
    api_url = str(stack["api_url"]).rstrip("/")
    token = first(stack["secret"]["hooks"]["zapier"])
    event = sample_zapier_event(starts_in=timedelta(minutes=5))
    try:
        response = requests.post(
            f"{api_url}/v1/hooks/zapier",
            json=event,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except requests.RequestException as exc:
        print(f"the local stack at {api_url} does not answer ({exc}); is `make run` still up?")
        return 1
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    if response.status_code != 200 or not isinstance(body, dict):
        print(f"POST /v1/hooks/zapier answered {response.status_code}:")
        print(json.dumps(body, indent=2) if isinstance(body, dict) else body)
        return 1
    print(f"booking   {body.get('booking_id')}  ({body.get('outcome')}, {body.get('status')})")
    print(f"meeting   {body.get('starts_at')} .. {body.get('ends_at')}")
    print(f"room      {body.get('room_url')}")
    print(f"open      {body.get('opens_at')} .. {body.get('closes_at')}")
    print(f"host      {body.get('host_join_url')}")
    print(f"guest     {body.get('guest_join_url')}")
    print(f"invite    {body.get('invite_url')}")
    for attendee in body.get("attendees") or []:
        if isinstance(attendee, dict):
            print(f"attendee  {attendee.get('email')}: {attendee.get('join_url')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
