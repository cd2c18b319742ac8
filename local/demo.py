"""`make demo`, and what a developer needs to try the local stack by hand.

`make demo` posts a sample Zapier event to the running stack and shows the links. It reads
`.local/stack.json` (written by `make run`), so it needs no configuration and proves the
whole path end to end: hook auth, booking store, Daily room, join tokens. The banner
`make run` prints, with its sample event, its development JWT and one curl line, lives here
too, beside the other ways into the stack.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sys
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import requests
from jwt.warnings import InsecureKeyLengthWarning

from chalicelib.sources import SOURCES
from local.secret import first

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_JWT_SUBJECT = "local-developer"
DEV_JWT_EMAIL = "developer@example.com"
DEV_JWT_SCOPE = "links:admin rooms:create"
DEV_JWT_LIFETIME = 30 * 86_400


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


def dev_links_jwt(links: Mapping[str, Any], now: int) -> str | None:
    """A development JWT for POST /v1/links and /v1/rooms (contract §2.3, §2.4), or None.

    Signed as the caller's identity provider would: HS256 with the current (first)
    links.jwt_secret. With only a jwks_url there is no key to sign with.
    """
    secret = links.get("jwt_secret")
    if not secret:
        return None
    claims = {
        "iss": links["issuer"],
        "aud": links["audience"],
        "sub": DEV_JWT_SUBJECT,
        "email": DEV_JWT_EMAIL,
        "scope": DEV_JWT_SCOPE,
        "iat": now,
        "nbf": now,
        "exp": now + DEV_JWT_LIFETIME,
    }
    with warnings.catch_warnings():
        # A short seeded secret is the secret validator's finding to report, not PyJWT's.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, first(secret), algorithm="HS256")


def mask(value: str) -> str:
    """Enough of a key to recognise it, never enough to use it."""
    return f"{value[:4]}…" if len(value) >= 12 else "…"


def _display(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) + "  (rotation list)"
    return str(value)


def summary(
    facts: Mapping[str, Any], notes: list[str], stack_file: Path, *, show_daily_key: bool
) -> str:
    """The human version of stack.json: where things are, the dev secret, one curl line.

    A Daily key the launcher did not make up (DAILY_API_KEY, LOCAL_SECRET_FILE) may be real:
    terminals get scrolled back, shared and recorded, so it is masked (stack.json, 0600,
    keeps it whole).
    """
    secret = facts["secret"]
    daily_key = str(facts["daily_api_key"])
    if not show_daily_key:
        daily_key = f"{mask(daily_key)}   (masked; in full in {stack_file.name})"
    api_url = facts["api_url"]
    daily = "local emulator" if facts["daily_emulator"] else "real Daily API"
    lines = [
        "",
        f"roomlinks local stack is up: {api_url}   (Ctrl-C to stop)",
        "",
        f"  API              {api_url}/v1   (GET /v1/health)",
        f"  Daily            {facts['daily_api_url']}   ({daily})",
        f"  DynamoDB         {facts['dynamodb_url']}   table {facts['table']}",
        f"  Secrets Manager  {facts['secretsmanager_url']}   secret {facts['secret_id']}",
        f"  facts (JSON)     {stack_file}",
        f"  logs             {Path(facts['state_dir']) / 'logs'}",
        "",
        "Development secret (local only; random per launch unless LOCAL_SECRET_FILE is set):",
        f"  daily_api_key      {daily_key}",
    ]
    hooks = secret.get("hooks") or {}
    for name, source in SOURCES.items():
        kind = source.secret_kind
        if name in hooks:
            lines.append(f"  hooks.{name:<12} {_display(hooks[name])}   [{kind}]")
        else:
            lines.append(f"  hooks.{name:<12} (not set: deliveries from {name} are refused)")
    links = secret["links"]
    for name in ("jwt_secret", "issuer", "audience", "jwks_url"):
        lines.append(f"  links.{name:<12} {_display(links.get(name))}")
    origins = ", ".join(links.get("allowed_origins") or []) or "(none: no browser gets CORS)"
    lines.append(f"  links.allowed_origins {origins}")
    lines += ["", "Development JWT for POST /v1/links and /v1/rooms (links_jwt in stack.json):"]
    if facts["links_jwt"]:
        lines.append(f"  links_jwt          {facts['links_jwt']}")
        lines.append(
            f"    sub {DEV_JWT_SUBJECT}, email {DEV_JWT_EMAIL}, scope {DEV_JWT_SCOPE!r},"
            f" valid {DEV_JWT_LIFETIME // 86_400} days"
        )
    else:
        lines.append(
            "  links_jwt          null   (links has only a jwks_url, no jwt_secret to sign"
            " with: get a token from that identity provider)"
        )
    if facts.get("frontend_url"):
        lines += [
            "",
            "Frontend example (examples/frontend; calls the API cross-origin with links_jwt):",
            f"  open               {facts['frontend_url']}/",
        ]
    lines.extend(f"note: {note}" for note in notes)
    if "zapier" in hooks:
        event = json.dumps(sample_zapier_event(), separators=(",", ":"))
        curl = " ".join(
            [
                "curl -sS -X POST",
                shlex.quote(f"{api_url}/v1/hooks/zapier"),
                "-H",
                shlex.quote(f"Authorization: Bearer {first(hooks['zapier'])}"),
                "-H 'Content-Type: application/json'",
                "-d",
                shlex.quote(event),
            ]
        )
        lines += ["", "Try it (a sample Zapier event starting in about an hour):", f"  {curl}"]
    lines.append("")
    return "\n".join(lines)


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
    hooks = stack["secret"].get("hooks") or {}
    if "zapier" not in hooks:
        print("the local secret has no hooks.zapier (see LOCAL_SECRET_FILE); nothing to post with")
        return 1
    token = first(hooks["zapier"])
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
