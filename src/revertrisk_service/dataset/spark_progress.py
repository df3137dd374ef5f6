"""Rich progress for a Spark action run on a local master: the action runs in a thread while
the driver polls Spark's status tracker for finished and total tasks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


def progress_bar(unit: str) -> Progress:
    """The builder's one progress line per stage: description, bar, n/N `unit`, elapsed."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn(unit), TimeElapsedColumn(), transient=False)  # fmt: skip


def with_progress(spark, description: str, action: Callable[[], T], show: bool) -> T:
    if not show:
        return action()
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = action()
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    tracker = spark.sparkContext.statusTracker()
    with progress_bar("tasks") as progress:
        task = progress.add_task(description, total=None)
        worker.start()
        while worker.is_alive():
            done = total = 0
            for stage_id in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage_id)
                if info is not None:
                    done += info.numCompletedTasks
                    total += info.numTasks
            if total:
                progress.update(task, completed=done, total=total)
            time.sleep(0.25)
            worker.join(timeout=0.25)
        progress.update(task, completed=progress.tasks[0].total or 1,
                        total=progress.tasks[0].total or 1)
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]  # type: ignore[return-value]
