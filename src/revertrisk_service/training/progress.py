"""Progress bars for long offline work (training, evaluation, benchmarks), on stderr so stdout
stays clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_console = Console(stderr=True)


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[..., None]]:
    """Yields `step(label=None, advance=1)`: advance (by one unless told), optionally naming what
    is being done now."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=_console, transient=False) as progress:
        task = progress.add_task(description, total=total)

        def step(label: str | None = None, advance: float = 1) -> None:
            progress.advance(task, advance)
            if label:
                progress.update(task, description=f"{description}: {label}")

        yield step
