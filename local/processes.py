"""Start, probe and stop the local stack's child processes.

Every child runs in its own process group (so a Ctrl-C in the terminal reaches only the
launcher, which then stops the children in order) and writes to its own log file (so a
failed start can show the tail of what went wrong). On Linux each child also asks the
kernel for SIGTERM when the launcher dies, so even a SIGKILLed launcher leaves no orphans,
and a launcher started by `make run` notices when make itself is told to stop.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_MAKE_STOP_SIGNALS = frozenset({signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM})


class StartupError(RuntimeError):
    """A child did not become ready; the message says which one and shows its log tail."""


@dataclass
class Child:
    """One running child process and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a free loopback port (tiny race until the child binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on host:port, so a child can bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves do: connections in TIME_WAIT after a stop (a restart
        # right after Ctrl-C) must not count as "in use", only a real listener does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a child's log, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else "(log is empty)"


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """The HTTP status `url` answers with, or None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def die_with_parent(parent_pid: int) -> Callable[[], None]:
    """preexec_fn for Linux: SIGTERM this child when the launcher dies, even by SIGKILL."""

    def preexec() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent_pid:  # the launcher died before prctl took effect
            os._exit(1)

    return preexec


def caught_signals(pid: int) -> frozenset[int] | None:
    """The signals `pid` has handlers for (Linux /proc), or None when it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            mask = int(line.split()[1], 16)
            return frozenset(signum for signum in range(1, 65) if mask >> (signum - 1) & 1)
    return None


@dataclass(frozen=True)
class ParentMake:
    """`make run` as the launcher's parent, watched for a stop signal sent to make alone.

    GNU make forwards only SIGTERM to its child; for SIGINT, SIGHUP and SIGQUIT it assumes the
    terminal signalled the whole process group, and then waits for the child forever. What
    make does on any of them is observable, though: it resets the signal to its default
    disposition before waiting for its children. So a stop signal make used to catch and no
    longer does means "make was told to stop"; make gone (even by SIGKILL) means the same.
    """

    pid: int
    watched: frozenset[int]

    @classmethod
    def detect(cls) -> ParentMake | None:
        """The watch when the parent is make and catches stop signals; None otherwise."""
        pid = os.getppid()
        try:
            name = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        caught = caught_signals(pid)
        if name not in ("make", "gmake") or caught is None:
            return None
        return cls(pid, caught & _MAKE_STOP_SIGNALS)

    def stop_reason(self) -> str | None:
        """Why the stack should stop on make's behalf, or None while make is undisturbed."""
        caught = caught_signals(self.pid)
        if os.getppid() != self.pid or caught is None:
            return "make exited"
        dropped = self.watched - caught
        if dropped:
            return f"{signal.Signals(min(dropped)).name} to make"
        return None


@dataclass
class Supervisor:
    """Owns the children: starts them, waits for readiness, stops them all exactly once."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        port: int | None = None,
    ) -> Child:
        """Start `argv` in a new process group with stdout+stderr to <log_dir>/<name>.log."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        preexec = die_with_parent(os.getpid()) if sys.platform == "linux" else None
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=preexec,  # noqa: PLW1509 - the launcher is single-threaded
            )
        child = Child(name=name, popen=popen, log_path=log_path, port=port)
        self.children.append(child)
        return child

    def wait_ready(
        self,
        child: Child,
        ready: Callable[[], bool],
        *,
        timeout: float = 30.0,
        what: str = "",
    ) -> None:
        """Poll `ready()` until it holds; raise StartupError (with log tail) on exit/timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if not child.alive():
                raise StartupError(
                    f"{child.name} exited with status {child.popen.returncode} while starting"
                    f"{' (' + what + ')' if what else ''}; last lines of {child.log_path}:\n"
                    f"{log_tail(child.log_path)}"
                )
            if ready():
                return
            if time.monotonic() > deadline:
                raise StartupError(
                    f"{child.name} was not ready within {timeout:.0f} s"
                    f"{' (' + what + ')' if what else ''}; last lines of {child.log_path}:\n"
                    f"{log_tail(child.log_path)}"
                )
            time.sleep(0.1)

    def first_dead(self) -> Child | None:
        """A child that exited on its own, if any (the stack is then broken)."""
        for child in self.children:
            if not child.alive():
                return child
        return None

    def stop_all(self, grace: float = 5.0) -> None:
        """SIGTERM every process group (newest first), SIGKILL what is left after `grace` s.

        Idempotent, so it can run from the normal path, a signal and atexit alike.
        """
        children, self.children = list(reversed(self.children)), []
        for child in children:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children:
            remaining = max(0.0, deadline - time.monotonic())
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=remaining)
        for child in children:
            # Kill the group even when the leader is gone: a grandchild may still hold a port.
            _signal_group(child, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=grace)


def _signal_group(child: Child, signum: signal.Signals) -> None:
    """Signal the child's whole process group; a group that is already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)
