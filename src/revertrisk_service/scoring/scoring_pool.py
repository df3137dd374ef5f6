"""Where the CPU-bound work runs: worker processes, so that it escapes the event loop's GIL.

Edit facts (mwparserfromhell, mwedittypes) and scoring are pure-Python CPU work. Run in threads
of the serving process, one 2 MB multilingual miss held the GIL for seconds and every cache hit,
Redis write and health check waited behind it. Each worker process loads its own copy of the
models once; the event loop sends it fetched edits and the names of the models to score them
with, in ONE call per edit (scoring.edit_scoring.score_edits), and gets back probabilities only
(with their explanations and the edits' diffs when it asks to explain).
A batch is cut into one contiguous chunk per worker, so it spreads over the CPUs.

Workers run at a lower priority (`niceness`) than the serving process: when CPUs are scarce,
answering hits and moving bytes wins over scoring.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from revertrisk_service.config import Settings
from revertrisk_service.cpus import available_cpus
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.scoring.edit_scoring import EditScores, score_edits
from revertrisk_service.scoring.shadow import ShadowScorer, shadowed_model

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# Scoring processes yield the CPU to the serving process, whose own work (hits) is short.
SERVER_NICENESS = 5
MAX_AUTO_WORKERS = 8


@dataclass
class WorkerCalls:
    """Counted where the work leaves the event loop: calls made, and edits they carried."""

    calls: int = 0
    edits: int = 0

    def count(self, edits: int) -> None:
        self.calls += 1
        self.edits += edits


class ScoringRunner(Protocol):
    counted: WorkerCalls

    async def score_edits(
        self, contexts: Sequence[EditContext], scorers: Sequence[Scorer], explain: bool = False
    ) -> EditScores:
        """Facts and every scorer's probabilities for each edit, in order (raises only when the
        workers themselves fail); with `explain`, their explanations too, from the same call."""
        ...

    def close(self) -> None: ...


def chunks(items: Sequence[_T], parts: int) -> list[Sequence[_T]]:
    """`items` in at most `parts` contiguous slices of near-equal length, in order."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


class ThreadScoring:
    """Scoring in threads of this process: for tests and for `SCORING_PROCESSES=0`."""

    def __init__(self, workers: int = 1) -> None:
        self._pool: Executor = ThreadPoolExecutor(workers, thread_name_prefix="scoring")
        self.counted = WorkerCalls()

    async def score_edits(
        self, contexts: Sequence[EditContext], scorers: Sequence[Scorer], explain: bool = False
    ) -> EditScores:
        loop = asyncio.get_running_loop()
        self.counted.count(len(contexts))
        return await loop.run_in_executor(
            self._pool, score_edits, list(contexts), list(scorers), explain
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# -- inside a worker process ------------------------------------------------------------------

# (model name, version) -> the model, loaded once per worker; a version named by a later call (a
# promotion, a challenger) is loaded on its first use.
_worker_scorers: dict[tuple[str, str], Scorer] = {}
_worker_settings: Settings | None = None
_worker_barrier: Any = None
_PR_SET_PDEATHSIG = 1
# How long the warm-up waits for the slowest worker to load its models.
WARM_UP_TIMEOUT_S = 600.0


def _die_with_parent() -> None:
    """Linux: end this worker when the serving process dies, even by SIGKILL, not linger."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _start_worker(
    settings: Settings,
    names: list[str],
    versions: dict[str, str],
    threads: int,
    niceness: int,
    barrier: Any,
) -> None:
    from revertrisk_service.models.registry import load_scorer

    global _worker_barrier, _worker_settings
    _worker_barrier = barrier
    _worker_settings = settings
    _die_with_parent()
    if niceness:
        os.nice(niceness)
    for name in names:
        scorer = load_scorer(name, settings, versions.get(name))
        _worker_scorers[(name, scorer.version)] = scorer
    if "torch" in sys.modules:
        from revertrisk_service.models.multilingual.runtime import configure_cpu_threads

        configure_cpu_threads(threads)


def _worker_scorer(name: str, version: str) -> Scorer:
    scorer = _worker_scorers.get((name, version))
    if scorer is None:
        from revertrisk_service.models.registry import load_scorer

        assert _worker_settings is not None
        model = shadowed_model(name)
        if model is not None:
            scorer = ShadowScorer(_worker_scorer(model, version))
        else:
            scorer = load_scorer(name, _worker_settings, version)
        _worker_scorers[(name, version)] = scorer
    return scorer


def _score_in_worker(
    models: Sequence[tuple[str, str]], contexts: Sequence[EditContext], explain: bool
) -> EditScores:
    scorers = []
    for name, version in models:
        try:
            scorers.append(_worker_scorer(name, version))
        except Exception:
            if shadowed_model(name) is None:
                raise
            # A challenger that cannot be loaded is left out; its champion still answers.
            log.exception("could not load the challenger %s %s", name, version)
    return score_edits(contexts, scorers, explain)


def _worker_ready() -> int:
    """Held until every worker has taken one: otherwise the first worker up answers them all,
    and the others load their models on the first request instead."""
    _worker_barrier.wait(WARM_UP_TIMEOUT_S)
    return os.getpid()


# -- in the serving process ---------------------------------------------------------------------


class ProcessScoring:
    """A pool of `workers` processes, each holding every named model."""

    def __init__(
        self,
        settings: Settings,
        names: Sequence[str],
        workers: int,
        niceness: int = 0,
        versions: dict[str, str] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self._settings = settings
        self._names = list(names)
        # The version of each model to load at start (the champion); unnamed: the configured one.
        self._versions = dict(versions or {})
        # Torch threads per worker, so that the workers together use the CPUs once.
        cpus = available_cpus()
        self._threads = max(1, cpus // self.workers)
        self._niceness = niceness
        self.counted = WorkerCalls()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: the serving process has threads and an event loop, which fork would copy
        # half-way; a fresh interpreter imports the libraries and loads the models itself.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(
                self._settings,
                self._names,
                self._versions,
                self._threads,
                self._niceness,
                context.Barrier(self.workers),
            ),
        )

    def warm_up(self) -> list[int]:
        """Start every worker and load the models now, not on the first request."""
        futures = [self._pool.submit(_worker_ready) for _ in range(self.workers)]
        return [f.result() for f in futures]

    async def score_edits(
        self, contexts: Sequence[EditContext], scorers: Sequence[Scorer], explain: bool = False
    ) -> EditScores:
        loop = asyncio.get_running_loop()
        pool = self._pool
        models = [(s.name, s.version) for s in scorers]
        parts = chunks(list(contexts), self.workers)
        for part in parts:
            self.counted.count(len(part))
        try:
            answers = await asyncio.gather(
                *(
                    loop.run_in_executor(pool, _score_in_worker, models, list(p), explain)
                    for p in parts
                )
            )
        except BrokenProcessPool:
            # A worker died (killed for memory, say): the next request gets a fresh pool.
            log.error("A scoring process died; starting a new pool")
            if self._pool is pool:
                self._pool = self._new_pool()
            raise
        return EditScores.joined(answers)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def auto_workers(cpus: int) -> int:
    """One scoring process per usable CPU, at most MAX_AUTO_WORKERS: each holds the models
    (about 600 MiB), so a large shared host must not start dozens by default."""
    return max(1, min(cpus, MAX_AUTO_WORKERS))


def build_scoring_runner(
    settings: Settings,
    names: Sequence[str],
    niceness: int,
    versions: dict[str, str] | None = None,
) -> ScoringRunner:
    """SCORING_PROCESSES: -1 one process per CPU the container may use (at most 8), 0 threads,
    N processes."""
    processes = settings.scoring_processes
    if processes == 0:
        return ThreadScoring(available_cpus())
    workers = auto_workers(available_cpus()) if processes < 0 else processes
    runner = ProcessScoring(settings, names, workers, niceness, versions)
    pids = runner.warm_up()
    log.info("Scoring in %d processes (%s)", len(pids), ", ".join(map(str, pids)))
    return runner
