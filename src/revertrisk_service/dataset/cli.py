"""`revertrisk dataset build`: the typer command over spark_job.build (imported lazily, so the
serving CLI never loads Spark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from revertrisk_service.dataset.defaults import DEFAULT_RADIUS, DEFAULT_WINDOW

app = typer.Typer(help="Labeled training datasets (TRAINING-DATA-CONTRACT): from edit history or patroller feedback.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"revertrisk: error: {message}", err=True)
    return typer.Exit(code=2)


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} {value!r}: expected an ISO date or time, e.g. 2024-01-31") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def build(
    out: Annotated[Path, typer.Option("--out", help="Dataset directory (Parquet + dataset.json).")],
    dump: Annotated[list[Path] | None, typer.Option("--dump", help="XML history dump (.xml, .bz2, .gz); repeatable.")] = None,
    table: Annotated[list[Path] | None, typer.Option("--table", help="Parquet export with wmf.mediawiki_wikitext_history columns; repeatable.")] = None,
    master: Annotated[str, typer.Option(help="Spark master: local[N] or a cluster URL.")] = "local[2]",
    wiki_db: Annotated[str | None, typer.Option(help="Wiki database name (default: the dump's siteinfo / the table's wiki_db).")] = None,
    radius: Annotated[int, typer.Option(min=1, help="Most revisions a revert may span (mwreverts radius).")] = DEFAULT_RADIUS,
    window_hours: Annotated[float, typer.Option(min=0, help="Most hours between an edit and the revert that labels it.")] = DEFAULT_WINDOW.total_seconds() / 3600,
    namespace: Annotated[list[int] | None, typer.Option("--namespace", help="Content namespace; repeatable (default 0).")] = None,
    since: Annotated[str | None, typer.Option(help="Keep edits saved at or after this ISO time.")] = None,
    until: Annotated[str | None, typer.Option(help="Keep edits saved before this ISO time.")] = None,
    anonymous_only: Annotated[bool, typer.Option("--anonymous-only", help="Only IP editors' edits (the paper's trainanon).")] = False,
    keep_unreverted: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of non-reverted edits kept per wiki (all reverted ones are).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the non-reverted sample.")] = 0,
    pages_per_chunk: Annotated[int, typer.Option(min=1, help="Pages per partition.")] = 500,
) -> None:
    """Build a training dataset: identity-revert labels and every model signal, on Spark."""
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise _fail(f"{error.name} is not installed: pip install 'revertrisk-service[dataset]' "
                    "(and a Java runtime: scripts/install-system-deps.sh)") from None
    from revertrisk_service.dataset.options import BuildOptions

    dumps, tables = list(dump or []), list(table or [])
    if not dumps and not tables:
        raise _fail("give at least one --dump FILE or --table PATH")
    for path in (*dumps, *tables):
        if not path.exists():
            raise _fail(f"input not found: {path}")
    options = BuildOptions(
        radius=radius, window=timedelta(hours=window_hours),
        namespaces=frozenset(namespace or [0]), wiki_db=wiki_db,
        since=_time(since, "--since"), until=_time(until, "--until"),
        anonymous_only=anonymous_only, keep_unreverted=keep_unreverted, seed=seed,
        pages_per_chunk=pages_per_chunk,
    )  # fmt: skip
    from revertrisk_service.dataset.spark_job import BuildError
    from revertrisk_service.dataset.spark_job import build as run

    try:
        result = run(dumps, tables, out, options, master=master)
    except BuildError as error:
        raise _fail(str(error)) from None
    _print_counts(result)
    for line in result.failed:
        typer.echo(f"revertrisk: error: {line}", err=True)
    if result.failed:
        raise typer.Exit(code=2)


def _print_counts(result) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"dataset {result.out_dir}")
    table.add_column("count")
    table.add_column("value", justify="right")
    for name, value in sorted(result.counts.items()):
        table.add_row(name, f"{value:,}")
    table.add_row("partitions written now", str(result.chunks_written))
    table.add_row("partitions already there (skipped)", str(result.chunks_skipped))
    Console().print(table)
