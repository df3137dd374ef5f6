"""`revertrisk dataset build` on Spark, in memory bounded by a batch of revisions, never by a
page: dumps (streamed and staged per file, metadata and texts apart) and Data Lake exports become
two DataFrames. The metadata alone gives user facts (a pass per editor) and labels (a pass per
page: ids, sha1s, timestamps). Each kept revision is then joined with its own text and its
parent's text, by revision id, and the (revision, parent) pairs of each output chunk are given
their signals in small Arrow batches, written a row group at a time.

Partitioning: a chunk is `revisions_per_chunk` consecutive revisions of one input file, so one
long page spreads over many chunks and every core. Resume: a (source, chunk) whose file exists
is not recomputed. Any master works: `local[N]` (default) or a cluster URL; on a cluster, dumps
and --out must be on a file system every executor sees, and executors need this package
installed (docs/history-datasets.md).
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from revertrisk_service.dataset.columns import (
    CHUNK,
    SOURCE,
    TABLE_COLUMNS,
    USER_EDITS_BEFORE,
    USER_FIRST_EDIT,
)
from revertrisk_service.dataset.dump_reader import TEXT_HIDDEN, USER_HIDDEN
from revertrisk_service.dataset.dump_source import read_head
from revertrisk_service.dataset.local_staging import LocalStaging, local_cores
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.page_rows import (
    COUNTS,
    FILTERS,
    LABELLED_SCHEMA,
    label_page_rows,
    labelled_frame,
)
from revertrisk_service.dataset.parquet_out import (
    source_key,
    total_counts,
    write_chunk,
    write_dataset_json,
    write_readme,
    written_chunks,
)
from revertrisk_service.dataset.spark_errors import LOG_FILE, BuildError, spark_failure
from revertrisk_service.dataset.spark_progress import with_progress
from revertrisk_service.dataset.staging import (
    META_FILE,
    STAGING,
    TEXT_FILE,
    TEXT_GROUP_ROWS,
    Staged,
    stage_dump,
)


@dataclass
class BuildResult:
    out_dir: Path
    counts: Counter[str]
    chunks_written: int
    chunks_skipped: int
    sources: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one line per broken dump


ARROW_BATCH = "spark.sql.execution.arrow.maxRecordsPerBatch"


def spark_session(master: str, app_name: str = "revertrisk-dataset",
                  driver_memory: str | None = None, log_file: Path | None = None):
    """A session for the builder; with `log_file`, Spark's own log goes there, not to the
    terminal (the JVM starts with it, so only a session this call starts)."""
    from importlib import resources

    from pyspark.sql import SparkSession

    # The Python workers run this interpreter, with this package importable (local masters).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master).appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # rich shows progress instead
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Texts are up to MBs each: every batch that holds texts is a few dozen rows (the
        # staged texts' row groups, Spark's Parquet reader, the Arrow batches to Python), so
        # memory is bounded by the batch whatever a page's history weighs.
        .config("spark.sql.parquet.columnarReaderBatchSize", str(TEXT_GROUP_ROWS))
        .config(ARROW_BATCH, str(TEXT_GROUP_ROWS))
        # Never broadcast a join side: Spark sizes the staged texts by their compressed file,
        # and a page's near-identical revisions compress 100-fold, so it would broadcast (hold
        # in the driver, then in every executor) a whole history's texts.
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .config("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
        # Splits of a staged text file, so reading one long page's texts uses every core.
        .config("spark.sql.files.maxPartitionBytes", str(16 * 2**20))
    )  # fmt: skip
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    if log_file is not None:
        config = resources.files("revertrisk_service.dataset").joinpath("log4j2.properties")
        builder = builder.config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile={config} -Drevertrisk.build.log={log_file}",
        )
    cores = local_cores(master)
    if cores is not None:
        # Few shuffle partitions on one machine: Spark's default of 200 is 200 tiny tasks here.
        builder = builder.config("spark.sql.shuffle.partitions", str(2 * cores))
        builder = builder.config("spark.driver.host", "127.0.0.1")
        builder = builder.config("spark.executorEnv.PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _stage(spark, dumps: list[Path], out_dir: Path, options: BuildOptions, show: bool):
    if not dumps:
        return []
    per_chunk, wiki_db = options.revisions_per_chunk, options.wiki_db
    rdd = spark.sparkContext.parallelize([str(d) for d in dumps], len(dumps))
    return with_progress(
        spark, "reading dumps",
        lambda: rdd.map(lambda d: stage_dump(d, str(out_dir), per_chunk, wiki_db)).collect(),
        show,
    )


def _table_frames(spark, table: Path, options: BuildOptions):
    """(metadata, texts) of a Data Lake export, chunked by revision like a dump."""
    from pyspark.sql import functions as F

    frame = spark.read.parquet(str(table))
    needed = [c for c in TABLE_COLUMNS if c != "wiki_db" or not options.wiki_db]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise BuildError(
            "table_columns_missing",
            f"--table {table}: columns missing: {', '.join(missing)} (expected the Data Lake's "
            "wmf.mediawiki_wikitext_history columns; see docs/history-datasets.md)",
        )
    if options.wiki_db:
        frame = frame.withColumn("wiki_db", F.lit(options.wiki_db))
    _check_wikis(frame)
    source = source_key(Path(table).name)
    frame = frame.select(*[F.col(c) for c in TABLE_COLUMNS]).withColumn(
        "revision_timestamp", F.col("revision_timestamp").cast("string")
    ).withColumn(SOURCE, F.lit(source))
    chunks = max(1, math.ceil(frame.count() / options.revisions_per_chunk))
    meta = (
        frame.withColumn(TEXT_HIDDEN, F.col("revision_text").isNull())
        .withColumn(USER_HIDDEN, F.col("user_text").isNull())
        .withColumn(CHUNK, F.pmod(F.xxhash64("wiki_db", "revision_id"), F.lit(chunks)))
        .drop("revision_text")
    )
    texts = frame.select(SOURCE, "revision_id", "revision_text").where(
        F.col("revision_text").isNotNull()
    )
    return meta, texts


def _inputs(spark, staged: list[Staged], tables: list[Path], options: BuildOptions):
    """(metadata, texts) of every input, or None when nothing was read."""
    from pyspark.sql import functions as F

    metas, texts = [], []
    for one in staged:
        if one.error is None and one.revisions:
            source = F.lit(source_key(one.source))
            metas.append(spark.read.parquet(str(Path(one.directory) / META_FILE))
                         .withColumn(SOURCE, source))  # fmt: skip
            texts.append(spark.read.parquet(str(Path(one.directory) / TEXT_FILE))
                         .withColumn(SOURCE, source))  # fmt: skip
    for table in tables:
        meta, text = _table_frames(spark, table, options)
        metas.append(meta)
        texts.append(text)
    if not metas:
        return None

    def union(frames):
        out = frames[0]
        for frame in frames[1:]:
            out = out.unionByName(frame)
        return out

    return union(metas).withColumn(CHUNK, F.col(CHUNK).cast("long")), union(texts)


def _check_wikis(meta) -> None:
    """Fail in one line before any work when an export's wiki is not a known Wikipedia (its
    language decides how the edit is parsed, as in serving); a dump's is checked from its head,
    without a pass over its revisions."""
    from revertrisk_service.wikis import wiki_by_dbname

    names = [row[0] for row in meta.select("wiki_db").distinct().collect()]
    unknown = sorted(str(n) for n in names if n is None or wiki_by_dbname(str(n)) is None)
    if unknown:
        raise BuildError(
            "unknown_wiki",
            f"wiki_db {unknown[0]!r} is not a known Wikipedia: pass --wiki-db with the "
            "database name of the wiki the history is from (e.g. enwiki)",
        )


# Label groups: whole pages per group, a few per shuffle partition. A group per page cost more in
# pandas and Arrow than the work (thousands of one-revision pages); metadata is small, so a
# group of many pages is too.
BUCKET = "bucket"
METADATA_BATCH = 10_000  # Arrow rows per batch while only metadata flows (no texts)


def _buckets(spark) -> int:
    return int(spark.conf.get("spark.sql.shuffle.partitions"))


def _with_user_facts(meta):
    """Each revision with its editor's facts as of the edit (user_facts.editor_facts): a window
    over each editor's edits in time order, ties by revision id, in the JVM without a pass
    through Python (tests/dataset/test_user_facts.py checks it equals editor_facts)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    editor = Window.partitionBy("wiki_db", "user_text").orderBy(
        F.col("revision_timestamp").cast("timestamp"), F.col("revision_id")
    )
    anonymous = F.col("user_id").isNull()
    return meta.withColumn(
        USER_EDITS_BEFORE,
        F.when(anonymous, None).otherwise(F.row_number().over(editor) - 1).cast("long"),
    ).withColumn(
        USER_FIRST_EDIT,
        F.when(anonymous, None).otherwise(F.first("revision_timestamp").over(editor)),
    )


def _labelled(spark, meta, options: BuildOptions):
    """Every revision labelled, its parent resolved, its filter named: a pass per page over
    metadata only."""
    from pyspark.sql import functions as F

    def pages(frame):
        by_page: dict[tuple, list[dict]] = {}
        for row in frame.drop(columns=[BUCKET]).to_dict("records"):
            by_page.setdefault((row[SOURCE], row["wiki_db"], row["page_id"]), []).append(row)
        return labelled_frame([out for rows in by_page.values()
                               for out in label_page_rows(rows, options)])  # fmt: skip

    bucket = F.pmod(F.xxhash64(SOURCE, "wiki_db", "page_id"), F.lit(_buckets(spark)))
    return meta.withColumn(BUCKET, bucket).groupBy(BUCKET).applyInPandas(
        pages, schema=LABELLED_SCHEMA
    )


def _chunk_counts(labelled) -> dict[tuple[str, int], Counter[str]]:
    from pyspark.sql import functions as F

    kept = F.col("dropped").isNull()
    aggregates = [
        F.count(F.lit(1)).alias("revisions"),
        F.sum(kept.cast("long")).alias("rows"),
        F.sum((kept & F.col("revision_is_identity_reverted")).cast("long")).alias("reverted"),
        *(F.sum((F.col("dropped") == name).cast("long")).alias(f"filtered_{name}")
          for name in FILTERS),
    ]  # fmt: skip
    counts = {}
    for row in labelled.groupBy(SOURCE, CHUNK).agg(*aggregates).collect():
        counts[(row[SOURCE], int(row[CHUNK]))] = Counter(
            {name: int(row[name] or 0) for name in COUNTS}
        )
    return counts


# Both joins below shuffle every text they are given, and most of a history is revisions nobody
# samples. So the texts table is first cut down to the wanted ones (each kept revision's and its
# parent's), their ids sent to every task as a hash set of longs (about 16 bytes each). Not above
# TEXT_FILTER_MAX_IDS ids, to bound that set's memory, nor under TEXT_FILTER_MIN_REVISIONS
# revisions, where the filter's own job (about 3 s on the small shipped histories) costs more
# than shuffling every text.
TEXT_FILTER_MAX_IDS = 2_000_000
TEXT_FILTER_MIN_REVISIONS = 10_000


def _wanted_texts(kept, texts, rows: int, revisions: int):
    """The texts a kept revision needs (its own and its parent's), or all of them outside
    the filter's limits. The filter is by revision id alone, so two sources' equal ids both
    pass; the joins that follow match the source too."""
    from pyspark.sql import functions as F

    if revisions < TEXT_FILTER_MIN_REVISIONS or 2 * rows > TEXT_FILTER_MAX_IDS:
        return texts
    wanted = (
        kept.select(F.explode(F.array("revision_id", "parent_revision_id")).alias("wanted_id"))
        .where(F.col("wanted_id").isNotNull())
        .distinct()
    )
    return texts.join(F.broadcast(wanted), texts["revision_id"] == wanted["wanted_id"], "left_semi")


def _pairs(kept, texts, rows: int, revisions: int):
    """Each kept revision with its text and its parent's text (joined by revision id)."""
    from pyspark.sql import functions as F

    texts = _wanted_texts(kept, texts, rows, revisions)
    own = texts.select(F.col(SOURCE), F.col("revision_id"), F.col("revision_text"))
    parent = texts.select(
        F.col(SOURCE), F.col("revision_id").alias("parent_revision_id"),
        F.col("revision_text").alias("parent_revision_text"),
    )  # fmt: skip
    return kept.join(own, [SOURCE, "revision_id"], "left").join(
        parent, [SOURCE, "parent_revision_id"], "left"
    )


TASK = "task"


def longest_first(counts: dict[tuple[str, int], Counter[str]]) -> list[tuple[str, int]]:
    """The (source, chunk) keys with rows to compute, most rows first.

    Spark starts a stage's tasks in partition order and `one_task_per_chunk` gives keys[i]
    partition i, so the longest chunks start first and the short ones fill the cores at the
    end. In file order, a long chunk that starts last keeps one core busy while the others
    have nothing left to do."""
    keys = [key for key, chunk in counts.items() if chunk["rows"]]
    return sorted(keys, key=lambda key: (-counts[key]["rows"], key))


def one_task_per_chunk(spark, keys: list[tuple[str, int]]):
    """(SOURCE, CHUNK, TASK) for each (source, chunk) key, such that `repartition(len(keys),
    TASK)` gives keys[i] partition i: every chunk a partition of its own, in the keys' order.

    Spark sends a row to partition pmod(murmur3(TASK), n), and hashing the (source, chunk) keys
    themselves lets two chunks share a task while another task is empty: the two chunks with
    rows of a single page's last years can land on one core of two. So each chunk gets a TASK
    value picked, by Spark's own hash, to land on its own partition."""
    from pyspark.sql import functions as F

    partitions = len(keys)
    landing: dict[int, int] = {}
    tried = 0
    while len(landing) < partitions:
        # A value per partition takes about n ln n tries; 20 n leave a miss once in 10^9.
        batch = spark.range(tried, tried + 20 * partitions + 64).select(
            F.col("id").alias(TASK), F.pmod(F.hash("id"), F.lit(partitions)).alias("landing")
        ).groupBy("landing").agg(F.min(TASK).alias(TASK))
        for row in batch.collect():
            landing.setdefault(int(row["landing"]), int(row[TASK]))
        tried += 20 * partitions + 64
    rows = [(source, int(chunk), landing[i]) for i, (source, chunk) in enumerate(keys)]
    return spark.createDataFrame(rows, f"{SOURCE} string, {CHUNK} long, {TASK} long")


def _chunk_writer(out_dir: str, counts: dict[tuple[str, int], Counter[str]]):
    """mapInPandas over partitions holding whole chunks, sorted by chunk: each chunk's rows are
    written batch by batch to its own file."""
    def write(batches):
        import pandas as pd

        from revertrisk_service.dataset.edit_rows import edit_rows
        from revertrisk_service.dataset.parquet_out import ChunkWriter

        writer, key = None, None
        for batch in batches:
            for (source, chunk), frame in batch.groupby([SOURCE, CHUNK], sort=False):
                if (source, int(chunk)) != key:
                    if writer is not None:
                        writer.close()
                        yield pd.DataFrame({SOURCE: [key[0]], CHUNK: [key[1]], "rows": [writer.rows]})
                    key = (source, int(chunk))
                    writer = ChunkWriter(Path(out_dir), source, key[1], counts[key])
                writer.write(edit_rows(frame.to_dict("records")))
        if writer is not None:
            writer.close()
            yield pd.DataFrame({SOURCE: [key[0]], CHUNK: [key[1]], "rows": [writer.rows]})

    return write


def _check_dumps(dumps: list[Path], options: BuildOptions) -> None:
    """Every dump is a history dump of a known wiki, before anything is written."""
    for dump in dumps:
        read_head(dump, options.wiki_db)  # raises DumpError, a BuildError


def build(
    dumps: list[Path], tables: list[Path], out_dir: Path, options: BuildOptions,
    master: str = "local[2]", spark=None, show_progress: bool | None = None,
    driver_memory: str | None = None,
) -> BuildResult:
    _check_dumps(dumps, options)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    own_session = spark is None
    cores = local_cores(master)
    # Only where this call starts the JVM is there a start to overlap.
    staging = (LocalStaging(dumps, out_dir, options, cores)
               if own_session and cores is not None and dumps else None)  # fmt: skip
    try:
        spark = spark or spark_session(master, driver_memory=driver_memory,
                                       log_file=out_dir / LOG_FILE)
        try:
            return _build(spark, dumps, tables, out_dir, options, master, show_progress,
                          staging)  # fmt: skip
        finally:
            if own_session:
                spark.stop()
    except BuildError:
        raise
    except Exception as error:
        raise spark_failure(error, out_dir) from error
    finally:
        if staging is not None:
            staging.stop()  # nothing left to stop once the build has its staged files


def _build(spark, dumps, tables, out_dir: Path, options: BuildOptions, master: str,
           show_progress: bool | None, staging: LocalStaging | None = None) -> BuildResult:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    show = master.startswith("local") if show_progress is None else show_progress
    staged = (staging.results(show) if staging is not None
              else _stage(spark, dumps, out_dir, options, show))  # fmt: skip
    failed = [s.error for s in staged if s.error]
    try:
        (out_dir / STAGING).rmdir()  # only when empty: every dump failed
    except OSError:
        pass
    inputs = _inputs(spark, staged, tables, options)
    done = written_chunks(out_dir)
    written = 0
    if inputs is not None:
        meta, texts = inputs
        labelled = _labelled(spark, _with_user_facts(meta), options).persist(
            StorageLevel.MEMORY_AND_DISK
        )
        # Runtime settings, read when each action runs: large Arrow batches while only
        # metadata flows, small ones once texts do.
        spark.conf.set(ARROW_BATCH, str(METADATA_BATCH))
        try:
            counts = with_progress(spark, "labels", lambda: _chunk_counts(labelled), show)
        finally:
            spark.conf.set(ARROW_BATCH, str(TEXT_GROUP_ROWS))
        pending = {key: c for key, c in counts.items() if key not in done}
        with_rows = longest_first(pending)
        if with_rows:
            to_write = sum((pending[key] for key in with_rows), Counter())
            # Joined with the chunks still to write, so a resumed build skips the written ones.
            tasks = F.broadcast(one_task_per_chunk(spark, with_rows))
            kept = labelled.where(F.col("dropped").isNull()).drop("dropped").join(
                tasks, [SOURCE, CHUNK]
            )
            result = (
                _pairs(kept, texts, to_write["rows"], to_write["revisions"])
                .repartition(len(with_rows), TASK)
                .drop(TASK)
                .sortWithinPartitions(SOURCE, CHUNK, "revision_id")
                .mapInPandas(_chunk_writer(str(out_dir), pending),
                             schema=f"{SOURCE} string, {CHUNK} long, rows long")
            )  # fmt: skip
            written = len(with_progress(spark, "signals", result.collect, show))
        for (source, chunk), chunk_counts in sorted(pending.items()):
            if not chunk_counts["rows"]:  # every revision filtered: the counts still count
                write_chunk(out_dir, source, chunk, [], chunk_counts)
                written += 1
        labelled.unpersist()
    sources = sorted({key[0] for key in written_chunks(out_dir)})
    counts_total = total_counts(out_dir)
    write_dataset_json(out_dir, counts_total, sources, options.as_json())
    write_readme(out_dir)
    return BuildResult(out_dir, counts_total, written, len(done), sources, failed)
