"""`revertrisk dataset build` on Spark: dumps (staged per file) and Data Lake exports become one
DataFrame of revisions; user facts come from a pass per editor; each (source, chunk) of whole
pages is labelled and given its signals in one task, which writes its own Parquet file.

Partitioning: by dump file, then by chunks of whole pages (a page's history is needed whole for
its reverts). Resume: a (source, chunk) whose file exists is not recomputed. Any master works:
`local[N]` (default) or a cluster URL; on a cluster, dumps and --out must be on a file system
every executor sees, and executors need this package installed (README).
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from revertrisk_service.dataset.columns import CHUNK, SOURCE, TABLE_COLUMNS
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.page_rows import page_dataset_rows
from revertrisk_service.dataset.parquet_out import (
    source_key,
    total_counts,
    write_chunk,
    write_dataset_json,
    write_readme,
    written_chunks,
)
from revertrisk_service.dataset.spark_progress import with_progress
from revertrisk_service.dataset.staging import Staged, stage_dump
from revertrisk_service.dataset.user_facts import INPUT_COLUMNS, one_editor


class BuildError(Exception):
    """A problem with the input that the builder reports in one line."""


@dataclass
class BuildResult:
    out_dir: Path
    counts: Counter[str]
    chunks_written: int
    chunks_skipped: int
    sources: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one line per broken dump


def spark_session(master: str, app_name: str = "revertrisk-dataset"):
    from pyspark.sql import SparkSession

    # The Python workers run this interpreter, with this package importable (local masters).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master).appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # rich shows progress instead
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )  # fmt: skip
    if master.startswith("local"):
        # Few shuffle partitions on one machine: Spark's default of 200 is 200 tiny tasks here.
        cores = master.removeprefix("local").strip("[]") or "1"
        partitions = 2 * (os.cpu_count() or 1 if cores == "*" else int(cores.split(",")[0]))
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
        builder = builder.config("spark.driver.host", "127.0.0.1")
        builder = builder.config("spark.executorEnv.PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _stage(spark, dumps: list[Path], out_dir: Path, options: BuildOptions, show: bool):
    if not dumps:
        return []
    pages = options.pages_per_chunk
    rdd = spark.sparkContext.parallelize([str(d) for d in dumps], len(dumps))
    return with_progress(
        spark, "reading dumps",
        lambda: rdd.map(lambda d: stage_dump(d, str(out_dir), pages)).collect(), show,
    )


def _table_frame(spark, table: Path, options: BuildOptions):
    from pyspark.sql import functions as F

    frame = spark.read.parquet(str(table))
    needed = [c for c in TABLE_COLUMNS if c != "wiki_db" or not options.wiki_db]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise BuildError(
            f"--table {table}: columns missing: {', '.join(missing)} (expected the Data Lake's "
            "wmf.mediawiki_wikitext_history columns; see the dataset README)"
        )
    if options.wiki_db:
        frame = frame.withColumn("wiki_db", F.lit(options.wiki_db))
    frame = frame.select(*[F.col(c) for c in TABLE_COLUMNS]).withColumn(
        "revision_timestamp", F.col("revision_timestamp").cast("string")
    )
    pages = frame.select("wiki_db", "page_id").distinct().count()
    chunks = max(1, math.ceil(pages / options.pages_per_chunk))
    return frame.withColumn(SOURCE, F.lit(source_key(Path(table).name))).withColumn(
        CHUNK, F.pmod(F.xxhash64("wiki_db", "page_id"), F.lit(chunks))
    )


def _revisions(spark, staged: list[Staged], tables: list[Path], options: BuildOptions):
    from pyspark.sql import functions as F

    frames = []
    for one in staged:
        if one.error is None and one.chunks:
            frame = spark.read.parquet(one.directory).withColumn(
                SOURCE, F.lit(source_key(one.source))
            )
            if options.wiki_db:
                frame = frame.withColumn("wiki_db", F.lit(options.wiki_db))
            frames.append(frame)
    frames.extend(_table_frame(spark, t, options) for t in tables)
    if not frames:
        return None
    revisions = frames[0]
    for frame in frames[1:]:
        revisions = revisions.unionByName(frame)
    return revisions.withColumn(CHUNK, F.col(CHUNK).cast("long"))


def _check_wikis(revisions) -> None:
    """Fail in one line before any work when a wiki is not a known Wikipedia (its language
    decides how the edit is parsed, as in serving)."""
    from revertrisk_service.wikis import wiki_by_dbname

    names = [row[0] for row in revisions.select("wiki_db").distinct().collect()]
    unknown = sorted(str(n) for n in names if n is None or wiki_by_dbname(str(n)) is None)
    if unknown:
        raise BuildError(
            f"wiki_db {unknown[0]!r} is not a known Wikipedia: pass --wiki-db with the "
            "database name of the wiki the history is from (e.g. enwiki)"
        )


def _with_user_facts(revisions):
    """Join each revision with its editor's facts as of the edit (a pass per editor)."""
    schema = ("wiki_db string, revision_id long, user_edits_before long, "
              "user_first_edit string")  # fmt: skip
    facts = (
        revisions.select(*INPUT_COLUMNS)
        .groupBy("wiki_db", "user_text")
        .applyInPandas(one_editor, schema=schema)
    )
    return revisions.join(facts, on=["wiki_db", "revision_id"], how="left")


def _chunk_writer(out_dir: str, options: BuildOptions):
    import pandas as pd

    def write(frame: pd.DataFrame) -> pd.DataFrame:
        source, chunk = str(frame[SOURCE].iloc[0]), int(frame[CHUNK].iloc[0])
        records = frame.drop(columns=[SOURCE, CHUNK]).to_dict("records")
        rows, counts = page_dataset_rows(records, options)
        write_chunk(Path(out_dir), source, chunk, rows, counts)
        return pd.DataFrame({SOURCE: [source], CHUNK: [chunk], "rows": [len(rows)]})

    return write


def build(
    dumps: list[Path], tables: list[Path], out_dir: Path, options: BuildOptions,
    master: str = "local[2]", spark=None, show_progress: bool | None = None,
) -> BuildResult:
    from pyspark.sql import functions as F

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    own_session = spark is None
    spark = spark or spark_session(master)
    show = master.startswith("local") if show_progress is None else show_progress
    try:
        staged = _stage(spark, dumps, out_dir, options, show)
        failed = [s.error for s in staged if s.error]
        revisions = _revisions(spark, staged, tables, options)
        if revisions is not None:
            _check_wikis(revisions)
        done = written_chunks(out_dir)
        written = 0
        if revisions is not None:
            joined = _with_user_facts(revisions)
            if done:
                keys = [f"{s}\t{c}" for s, c in sorted(done)]
                key = F.concat_ws("\t", F.col(SOURCE), F.col(CHUNK).cast("string"))
                joined = joined.filter(~key.isin(keys))
            result = joined.groupBy(SOURCE, CHUNK).applyInPandas(
                _chunk_writer(str(out_dir), options),
                schema=f"{SOURCE} string, {CHUNK} long, rows long",
            )
            written = len(with_progress(spark, "labels and signals", result.collect, show))
        sources = sorted({key[0] for key in written_chunks(out_dir)})
        counts = total_counts(out_dir)
        write_dataset_json(out_dir, counts, sources, options.as_json())
        write_readme(out_dir)
        return BuildResult(out_dir, counts, written, len(done), sources, failed)
    finally:
        if own_session:
            spark.stop()
