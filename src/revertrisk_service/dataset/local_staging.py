"""Staging on a local master, in processes of this machine started before Spark is: the JVM's
start (several seconds) then overlaps the first files' staging on a spare core. As a Spark job,
staging could only begin once the session was up, and a single compressed stream is the build's
longest serial step.

The same `stage_dump` runs either way, so the staged files and their resume markers are the
same. On a cluster master the files are staged by Spark tasks instead, on the executors.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.spark_progress import progress_bar
from revertrisk_service.dataset.staging import Staged, remove_unfinished, stage_dump


def local_cores(master: str) -> int | None:
    """Task slots of a `local`, `local[N]`, `local[*]` or `local[N,F]` master; None for any other
    master."""
    if not master.startswith("local"):
        return None
    cores = master.removeprefix("local").strip("[]").split(",")[0] or "1"
    return (os.cpu_count() or 1) if cores == "*" else int(cores)


class LocalStaging:
    """Every dump staged by a pool of at most `processes` processes, from construction on."""

    def __init__(self, dumps: list[Path], out_dir: Path, options: BuildOptions,
                 processes: int) -> None:
        # Forked before the JVM exists, so a worker inherits no JVM or Py4J state, and starts
        # without importing anything again.
        self._dumps, self._out_dir = dumps, out_dir
        self._pool = multiprocessing.get_context("fork").Pool(max(1, min(processes, len(dumps))))
        self._pending = [
            self._pool.apply_async(stage_dump, (str(d), str(out_dir), options.revisions_per_chunk,
                                                options.wiki_db))
            for d in dumps
        ]  # fmt: skip
        self._started = time.monotonic()

    def results(self, show: bool) -> list[Staged]:
        """The staged files in the dumps' order, once every one is done; a broken dump is a
        Staged with its one-line error, as from the Spark job."""
        if show:
            with progress_bar("files") as progress:
                task = progress.add_task("reading dumps", total=len(self._pending))
                # Elapsed from when staging began, not from when the session was up.
                progress.tasks[0].start_time = progress.get_time() - (
                    time.monotonic() - self._started
                )
                while (done := sum(one.ready() for one in self._pending)) < len(self._pending):
                    progress.update(task, completed=done)
                    time.sleep(0.25)
                progress.update(task, completed=done)
        staged = [one.get() for one in self._pending]
        self._pool.close()
        self._pool.join()
        return staged

    def stop(self) -> None:
        """Stop every staging process at once and remove what they left unfinished (a failed or
        interrupted build); after `results`, there is nothing left to stop."""
        self._pool.terminate()
        self._pool.join()
        for dump in self._dumps:
            remove_unfinished(self._out_dir, dump)
