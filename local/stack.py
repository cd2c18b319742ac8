"""`make run`: the whole roomlinks stack on loopback, in the foreground (contract §1).

Starts dynalite (DynamoDB), moto (Secrets Manager) and the Daily emulator on free ports,
provisions the stage's table and secret, then serves the app with `chalice local`. The
app needs no local-only code: boto3 honours AWS_ENDPOINT_URL_<SERVICE>, and the Daily base
URL comes from DAILY_API_URL, neither of which the `local` stage sets (`chalice local`
overwrites the variables the stage does set). Ctrl-C / SIGTERM (also to `make run` itself),
or any child dying, stops every child. stack.json is published before `chalice local`
starts, so it exists before /v1/health first answers 200, and is withdrawn on any stop.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import OPERATOR_SETTINGS
from local import aws
from local.daily_emulator.ratelimit import parse_mode
from local.demo import PROJECT_DIR, dev_links_jwt, state_dir, summary
from local.frontend_server import FRONTEND_LINKS_JWT_ENV, allow_origin, frontend_port
from local.processes import (
    Child,
    ParentMake,
    StartupError,
    Supervisor,
    free_port,
    http_status,
    log_tail,
    port_is_free,
    port_is_open,
)
from local.secret import (
    Secret,
    SecretShapeError,
    generate_secret,
    load_secret_file,
    new_daily_api_key,
)

HOST = "127.0.0.1"
STAGE = "local"
REAL_DAILY_API_URL = "https://api.daily.co/v1"
EMULATOR_DOMAIN = "roomlinks-local"
READY_TIMEOUT = 30.0
# `chalice local` with API Gateway's own answers in the contract's shape.
API_SERVER = [sys.executable, "-m", "local.api_server"]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_LISTENING = re.compile(r"daily emulator listening on (http://\S+)")


class StopRequested(Exception):
    """Ctrl-C / SIGTERM / SIGHUP arrived: stop everything and exit 0."""


class SetupError(RuntimeError):
    """Something the launcher needs is missing or misconfigured (exit 2, nothing started)."""


@dataclass(frozen=True)
class Options:
    """What the environment asks for; read once so children cannot be affected by it."""

    port: int
    state_dir: Path
    project_dir: Path
    daily_api_key: str | None
    daily_api_url: str
    secret_file: Path | None
    # Seconds between reconcile passes (contract §1 RECONCILE_EVERY); 0 turns them off.
    reconcile_every: float = 60.0
    # The emulator's rate limits: Daily's own unless a benchmark asks to measure code alone.
    emulator_rate_limits: str = "daily"
    # The shell's operator settings (contract §3), for the API and for `make reconcile`.
    app_settings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Options:
        raw_port = environ.get("PORT") or "8000"
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise SetupError(f"PORT must be a TCP port number, not {raw_port!r}")
        secret_file = environ.get("LOCAL_SECRET_FILE")
        raw_every = environ.get("RECONCILE_EVERY") or "60"
        try:
            reconcile_every = float(raw_every)
        except ValueError:
            raise SetupError(f"RECONCILE_EVERY must be seconds, not {raw_every!r}") from None
        rate_limits = environ.get("EMULATOR_RATE_LIMITS") or "daily"
        try:
            parse_mode(rate_limits)
        except ValueError as exc:
            raise SetupError(f"EMULATOR_RATE_LIMITS: {exc}") from None
        return cls(
            port=int(raw_port),
            state_dir=state_dir(environ),
            project_dir=PROJECT_DIR,
            daily_api_key=environ.get("DAILY_API_KEY") or None,
            daily_api_url=(environ.get("DAILY_API_URL") or REAL_DAILY_API_URL).rstrip("/"),
            secret_file=Path(secret_file).resolve() if secret_file else None,
            reconcile_every=max(reconcile_every, 0.0),
            emulator_rate_limits=rate_limits,
            app_settings={k: environ[k] for k in OPERATOR_SETTINGS if k in environ},
        )


class SignalGate:
    """Turns stop signals into StopRequested, deferred while a child is being spawned.

    Deferring matters because an exception between fork and bookkeeping would leave a
    child the supervisor does not know about.
    """

    def __init__(self) -> None:
        self._defer = False
        self._pending: int | None = None

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    @staticmethod
    def ignore() -> None:
        """Let cleanup finish even if the user presses Ctrl-C again."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._defer:
            self._pending = signum
            return
        raise StopRequested(signal.Signals(signum).name)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._defer = True
        try:
            yield
        finally:
            self._defer = False
            if self._pending is not None:
                raise StopRequested(signal.Signals(self._pending).name)


def _executable(name: str) -> str:
    """A console script from the running venv (where `make install` put it), else PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SetupError(f"{name} not found: run `make install` first")
    return found


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment without any real AWS identity/endpoint, plus dummies.

    Hermetic on purpose: a developer's AWS_PROFILE or ~/.aws/config must never make the
    local stack reach (or need) a real account.
    """
    dropped = ("DAILY_API_KEY", "DAILY_API_URL", "LOCAL_SECRET_FILE", "SECRET_ID", "BOOKINGS_TABLE")
    env = {k: v for k, v in environ.items() if not k.startswith("AWS_") and k not in dropped}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": aws.DUMMY_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": aws.DUMMY_SECRET_KEY,
            "AWS_DEFAULT_REGION": aws.REGION,
            "AWS_REGION": aws.REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _is_launcher(pid: int) -> bool:
    """`pid` still runs `local.stack` (Linux), rather than being a recycled pid."""
    try:
        return b"local.stack" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _other_stack_running(stack_file: Path) -> str | None:
    """A description of a live stack using the same state dir, or None (stale files go)."""
    try:
        other = json.loads(stack_file.read_text(encoding="utf-8"))
        pid = int(other["pids"]["launcher"])
        api_port = int(other["ports"]["api"])
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(OSError):
            stack_file.unlink()
        return None
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    except PermissionError:
        alive = True
    # The file is published while the API is still starting, so a live launcher counts even
    # before its port opens; the port check covers systems without /proc.
    if alive and (_is_launcher(pid) or port_is_open(api_port)):
        return f"pid {pid}, {other.get('api_url')}"
    with contextlib.suppress(OSError):
        stack_file.unlink()
    return None


def _write_json_atomically(path: Path, data: Mapping[str, Any]) -> None:
    """Readers (tests, `make demo`) never see a half-written stack.json.

    The file holds the development secret, so it is created 0600 rather than chmod-ed later.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


@dataclass(frozen=True)
class _Plan:
    """What preflight resolved: commands, resource names and the secret to store."""

    dynalite: list[str]
    moto_server: str
    names: aws.StageNames
    secret: Secret
    use_emulator: bool
    daily_key_generated: bool  # made up for the emulator, so the banner may show it
    # examples/frontend's own origin, chosen before the secret (its allowed_origins) is stored
    frontend_port: int


@dataclass(frozen=True)
class _Backing:
    """Where the backing services (and Daily) listen once they are up."""

    ports: dict[str, int]
    dynamodb_url: str
    secretsmanager_url: str
    daily_api_url: str


class Stack:
    """One launch: the children, the provisioned resources and the facts about them."""

    def __init__(self, options: Options, gate: SignalGate) -> None:
        self.options = options
        self.gate = gate
        self.supervisor = Supervisor(log_dir=options.state_dir / "logs")
        self.stack_file = options.state_dir / "stack.json"
        self.wrote_stack_file = False
        self.notes: list[str] = []
        self.daily_key_shown = False  # only a key made up for the emulator is printed in clear
        # Read now: make's signal handlers have to be seen before anyone signals it.
        self.parent_make = ParentMake.detect()

    def _secret_and_daily(self) -> tuple[Secret, bool, bool]:
        """The secret to store, whether the emulator is needed and whether we made its key."""
        opts = self.options
        secret = load_secret_file(opts.secret_file) if opts.secret_file else None
        if opts.daily_api_key:
            if secret is None:
                return generate_secret(opts.daily_api_key), False, False
            if secret.get("daily_api_key") not in (None, opts.daily_api_key):
                self.notes.append("DAILY_API_KEY overrides daily_api_key from LOCAL_SECRET_FILE")
            secret["daily_api_key"] = opts.daily_api_key
            return secret, False, False
        if secret is None:
            return generate_secret(new_daily_api_key()), True, True
        generated = secret.get("daily_api_key") is None
        secret.setdefault("daily_api_key", new_daily_api_key())
        return secret, True, generated

    def _preflight(self) -> _Plan:
        """Check everything that can be checked before a single process starts."""
        opts = self.options
        if not port_is_free(opts.port):
            raise SetupError(f"port {opts.port} on {HOST} is in use: set PORT to a free port")
        dynalite_js = opts.project_dir / "node_modules" / "dynalite" / "cli.js"
        if not dynalite_js.exists():
            raise SetupError(f"{dynalite_js} is missing: run `make install` first")
        node = shutil.which("node")
        if not node:
            raise SetupError("node (Node.js) is not on PATH; dynalite needs it")
        try:
            names = aws.stage_names(opts.project_dir, STAGE)
        except (OSError, ValueError) as exc:
            raise SetupError(f"cannot read stage {STAGE!r} of .chalice/config.json: {exc}") from exc
        secret, use_emulator, daily_key_generated = self._secret_and_daily()
        page_port = frontend_port(opts.port)
        note = allow_origin(
            secret, f"http://{HOST}:{page_port}", from_file=opts.secret_file is not None
        )
        if note:
            self.notes.append(note)
        if use_emulator and not (opts.project_dir / "local" / "daily_emulator").exists():
            raise SetupError("local/daily_emulator is missing; set DAILY_API_KEY to use Daily")
        opts.state_dir.mkdir(parents=True, exist_ok=True)
        other = _other_stack_running(self.stack_file)
        if other:
            raise SetupError(
                f"a local stack already runs from {opts.state_dir} ({other}); stop it first"
                " or set LOCAL_STATE_DIR"
            )
        return _Plan(
            dynalite=[node, str(dynalite_js)],
            moto_server=_executable("moto_server"),
            names=names,
            secret=secret,
            use_emulator=use_emulator,
            daily_key_generated=daily_key_generated,
            frontend_port=page_port,
        )

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str], port: int) -> Child:
        with self.gate.deferred():
            return self.supervisor.start(
                name, argv, env=env, cwd=self.options.project_dir, port=port
            )

    def _start_backing(self, plan: _Plan, env: Mapping[str, str]) -> _Backing:
        """dynalite, moto and (unless Daily is real) the emulator, started together, awaited."""
        ports = {"api": self.options.port, "dynalite": free_port(), "moto": free_port()}
        ports["frontend"] = plan.frontend_port
        dynamodb_url = f"http://{HOST}:{ports['dynalite']}"
        secretsmanager_url = f"http://{HOST}:{ports['moto']}"
        daily_api_url = self.options.daily_api_url
        dynalite = self._spawn(
            "dynalite",
            [
                *plan.dynalite,
                "--host",
                HOST,
                "--port",
                str(ports["dynalite"]),
                "--createTableMs",
                "0",
            ],
            env,
            ports["dynalite"],
        )
        moto = self._spawn(
            "moto", [plan.moto_server, "-H", HOST, "-p", str(ports["moto"])], env, ports["moto"]
        )
        emulator = None
        if plan.use_emulator:
            ports["daily_emulator"] = free_port()
            daily_api_url = f"http://{HOST}:{ports['daily_emulator']}/v1"
            emulator = self._spawn(
                "daily_emulator",
                [
                    sys.executable,
                    "-m",
                    "local.daily_emulator",
                    "--host",
                    HOST,
                    "--port",
                    str(ports["daily_emulator"]),
                    "--domain",
                    EMULATOR_DOMAIN,
                    "--rate-limits",
                    self.options.emulator_rate_limits,
                ],
                # Via the environment: out of the process list, and a key that starts with
                # "-" cannot be taken for an option.
                {**env, "DAILY_EMULATOR_API_KEY": str(plan.secret["daily_api_key"])},
                ports["daily_emulator"],
            )
        self.supervisor.wait_ready(
            dynalite, lambda: http_status(dynamodb_url) is not None, timeout=READY_TIMEOUT
        )
        self.supervisor.wait_ready(
            moto,
            lambda: http_status(f"{secretsmanager_url}/moto-api/data.json") == 200,
            timeout=READY_TIMEOUT,
        )
        if emulator is not None:
            probe = f"{daily_api_url}/"
            self.supervisor.wait_ready(
                emulator, lambda: http_status(probe) is not None, timeout=READY_TIMEOUT
            )
            announced = _LISTENING.search(log_tail(emulator.log_path, lines=200))
            if announced:
                daily_api_url = announced.group(1).rstrip("/")
        return _Backing(ports, dynamodb_url, secretsmanager_url, daily_api_url)

    def _provision(self, plan: _Plan, backing: _Backing) -> None:
        try:
            ttl_note = aws.create_bookings_table(backing.dynamodb_url, plan.names.bookings_table)
            aws.put_secret(backing.secretsmanager_url, plan.names.secret_id, plan.secret)
        except (ClientError, BotoCoreError, TimeoutError) as exc:
            raise StartupError(f"provisioning the local AWS resources failed: {exc}") from exc
        if ttl_note:
            self.notes.append(ttl_note)

    def _facts(self, plan: _Plan, backing: _Backing) -> dict[str, Any]:
        """stack.json: contract §1's keys, plus where every part runs and logs."""
        now = datetime.now(UTC)
        return {
            "api_url": f"http://{HOST}:{self.options.port}",
            "daily_api_url": backing.daily_api_url,
            "daily_api_key": plan.secret["daily_api_key"],
            "secret": plan.secret,
            "links_jwt": dev_links_jwt(plan.secret["links"], int(now.timestamp())),
            "frontend_url": f"http://{HOST}:{plan.frontend_port}",
            "daily_emulator": plan.use_emulator,
            "dynamodb_url": backing.dynamodb_url,
            "secretsmanager_url": backing.secretsmanager_url,
            "region": aws.REGION,
            "table": plan.names.bookings_table,
            "secret_id": plan.names.secret_id,
            "stage": STAGE,
            "settings": dict(self.options.app_settings),
            "state_dir": str(self.options.state_dir),
            "ports": backing.ports,
            "started_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _publish_children(self, facts: dict[str, Any]) -> None:
        """(Re)write stack.json with the children started so far."""
        children = self.supervisor.children
        facts["logs"] = {c.name: str(c.log_path) for c in children}
        facts["pids"] = {"launcher": os.getpid()} | {c.name: c.pid for c in children}
        _write_json_atomically(self.stack_file, facts)
        self.wrote_stack_file = True

    def start(self) -> dict[str, Any]:
        """Bring everything up; returns the stack.json facts once /v1/health is 200."""
        opts, plan = self.options, self._preflight()
        self.daily_key_shown = plan.daily_key_generated
        env = child_environment(os.environ)
        backing = self._start_backing(plan, env)
        self._provision(plan, backing)
        facts = self._facts(plan, backing)
        api_url = facts["api_url"]
        # Before chalice starts, so whoever sees /v1/health answer 200 finds stack.json.
        self._publish_children(facts)
        app_env = {
            **env,
            "AWS_ENDPOINT_URL_DYNAMODB": backing.dynamodb_url,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": backing.secretsmanager_url,
            "DAILY_API_URL": backing.daily_api_url,
            "ROOMLINKS_PUBLIC_URL": api_url,
        }
        app = self._spawn(
            "chalice",
            [
                *API_SERVER,
                "--stage",
                STAGE,
                "--host",
                HOST,
                "--port",
                str(opts.port),
            ],
            app_env,
            opts.port,
        )
        if opts.reconcile_every > 0:
            # The same code the scheduled Lambda runs, every RECONCILE_EVERY seconds. It needs
            # stack.json and the backing services, not the API, so it starts alongside it.
            env_with_state = {**env, "LOCAL_STATE_DIR": str(opts.state_dir)}
            with self.gate.deferred():
                self.supervisor.start(
                    "reconcile",
                    [
                        sys.executable,
                        "-m",
                        "local.reconcile",
                        "--every",
                        str(opts.reconcile_every),
                    ],
                    env=env_with_state,
                    cwd=opts.project_dir,
                )
        # examples/frontend on its own origin, calling the API cross-origin (contract §2.3).
        frontend_url = facts["frontend_url"]
        frontend = self._spawn(
            "frontend",
            [
                sys.executable,
                "-m",
                "local.frontend_server",
                "--host",
                HOST,
                "--port",
                str(plan.frontend_port),
                "--api-url",
                api_url,
            ],
            {**env, FRONTEND_LINKS_JWT_ENV: facts["links_jwt"] or ""},
            plan.frontend_port,
        )
        # Every child's pid, long before the API can answer its first 200.
        self._publish_children(facts)
        # Ready before the API is, so whoever sees /v1/health answer 200 can open the page.
        self.supervisor.wait_ready(
            frontend,
            lambda: http_status(f"{frontend_url}/config.json") == 200,
            timeout=READY_TIMEOUT,
        )
        self.supervisor.wait_ready(
            app,
            lambda: http_status(f"{api_url}/v1/health", timeout=2.0) == 200,
            timeout=READY_TIMEOUT,
            what=f"GET {api_url}/v1/health never answered 200",
        )
        if not plan.use_emulator:
            note = daily_key_warning(facts["daily_api_url"], str(plan.secret["daily_api_key"]))
            if note:
                self.notes.append(note)
        return facts

    def watch(self) -> None:
        """Block until a stop signal (StopRequested) or a child dies (StartupError)."""
        while True:
            reason = self.parent_make.stop_reason() if self.parent_make else None
            if reason is not None:
                raise StopRequested(reason)
            dead = self.supervisor.first_dead()
            if dead is not None:
                raise StartupError(
                    f"{dead.name} (pid {dead.pid}) exited unexpectedly with status "
                    f"{dead.popen.returncode}; stopping the stack. Last lines of "
                    f"{dead.log_path}:\n{log_tail(dead.log_path)}"
                )
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop every child and withdraw stack.json; safe to call more than once."""
        self.supervisor.stop_all()
        if self.wrote_stack_file:
            with contextlib.suppress(OSError):
                self.stack_file.unlink()
            self.wrote_stack_file = False


def daily_key_warning(daily_api_url: str, api_key: str) -> str | None:
    """A banner warning when real Daily is unreachable or refuses the key (one GET /)."""
    import requests

    try:
        answer = requests.get(
            f"{daily_api_url}/", headers={"Authorization": f"Bearer {api_key}"}, timeout=5
        )
    except requests.RequestException as exc:
        return (
            f"Daily at {daily_api_url} is unreachable ({type(exc).__name__}): bookings are "
            "accepted as pending (daily-unavailable) and reconcile creates their rooms later"
        )
    if answer.status_code in (401, 403):
        return (
            "Daily refuses DAILY_API_KEY: bookings stay pending (daily-key-rejected) until the "
            "secret holds a valid key"
        )
    return None


def main() -> int:
    """Run the stack until told to stop; 0 on a requested stop, 1 on failure, 2 on setup."""
    gate = SignalGate()
    gate.install()
    try:
        options = Options.from_env(os.environ)
    except SetupError as exc:
        print(f"local stack: {exc}", file=sys.stderr)
        return 2
    stack = Stack(options, gate)
    atexit.register(stack.stop)
    code = 0
    try:
        print(f"starting the local stack (state in {options.state_dir}) ...", flush=True)
        began = time.monotonic()
        facts = stack.start()
        banner = summary(facts, stack.notes, stack.stack_file, show_daily_key=stack.daily_key_shown)
        print(banner, flush=True)
        print(f"ready in {time.monotonic() - began:.1f} s", flush=True)
        stack.watch()
    except StopRequested as stop:
        print(f"\n{stop}: stopping the local stack ...", flush=True)
    except (SetupError, SecretShapeError) as exc:
        print(f"local stack: {exc}", file=sys.stderr, flush=True)
        code = 2
    except StartupError as exc:
        print(f"local stack: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        SignalGate.ignore()
        stack.stop()
    if code == 0:
        print("local stack stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
