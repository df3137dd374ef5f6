"""`revertrisk serve` with pyinstrument on call: SIGUSR2 starts a profile, SIGUSR1 writes it.

    PROFILE_PREFIX=/tmp/prof/serve .venv/bin/python bench/profiled_serve.py

Each profile goes to PROFILE_PREFIX-<n>.txt (n = 1, 2, ...). Only the serving process's main
thread (the event loop) is sampled: the scoring processes are profiled in process by
bench_request_path.py. Used by `bench_request_path.py --profile`, so that start-up (model
loading) stays out of the profiles and each phase (hits, misses) gets its own.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from pyinstrument import Profiler

PREFIX = os.environ.get("PROFILE_PREFIX", "serve-profile")
state: dict[str, object] = {"profiler": None, "count": 0}


def start(_signum: int, _frame: object) -> None:
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    state["profiler"] = profiler


def write(_signum: int, _frame: object) -> None:
    profiler = state["profiler"]
    if not isinstance(profiler, Profiler):
        return
    profiler.stop()
    state["count"] = int(state["count"]) + 1  # type: ignore[call-overload]
    Path(f"{PREFIX}-{state['count']}.txt").write_text(profiler.output_text(show_all=False))
    state["profiler"] = None


if __name__ == "__main__":
    signal.signal(signal.SIGUSR2, start)
    signal.signal(signal.SIGUSR1, write)
    from revertrisk_service.cli import app

    sys.argv = ["revertrisk", "serve"]
    app()
