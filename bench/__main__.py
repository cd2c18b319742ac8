"""Run every benchmark module's ``main()`` in order: ``python -m bench``.

Add a module by writing ``bench/<name>.py`` with a ``main() -> None`` and listing it here.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
from collections.abc import Callable
from typing import cast

from chalicelib.observability import METRICS_LOGGER

BENCHES = [
    "bench.tokens",
    "bench.core_path",
    "bench.peer",
    "bench.links",
    "bench.reconcile",
    "bench.burst",
    "bench.budget",
]


def run(names: list[str]) -> None:
    """Import each module and call its ``main()``, timing the whole run of each."""
    for name in names:
        module = importlib.import_module(name)
        bench_main = cast(Callable[[], None], module.main)
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        bench_main()
        print(f"-- {name} done in {time.perf_counter() - started:.1f}s\n", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run all benches, or only those named on the command line (e.g. ``bench.tokens``)."""
    # The app's EMF metric lines would drown the figures: benchmarks print their own.
    logging.getLogger(METRICS_LOGGER).disabled = True
    wanted = sys.argv[1:] if argv is None else argv
    unknown = [name for name in wanted if name not in BENCHES]
    if unknown:
        raise SystemExit(f"unknown bench(es): {', '.join(unknown)}; known: {', '.join(BENCHES)}")
    run(wanted or BENCHES)


if __name__ == "__main__":
    main()
