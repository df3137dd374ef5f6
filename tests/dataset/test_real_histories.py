"""The shipped real histories build on Spark local[2] with Spark's default memory: the small ones
whole, a slice of the Acehnese history, and 2,000 revisions of the Anarchism edit war (about 200
MB of wikitext, one page) through the CLI under the driver's default 1 GiB heap, its memory
sampled. One page's history spreads over both cores. A dataset directory reads in one call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from dataset.build_process import GIB, run_build
from revertrisk_devtools.history_dump import write_history_dump
from revertrisk_devtools.history_slice import slice_revisions
from revertrisk_service.dataset import spark_job
from revertrisk_service.dataset.columns import CHUNK, SOURCE
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.spark_job import (
    TASK,
    build,
    longest_first,
    one_task_per_chunk,
    spark_session,
)
from revertrisk_service.training.contract import DATASET_METADATA_FILE

pytestmark = pytest.mark.e2e
HISTORIES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "histories"
if not HISTORIES.is_dir():
    HISTORIES = Path("/work/shared/data/histories")
ANARCHISM = "enwiki-Anarchism-2001-2010-pages-meta-history.xml.7z"
WHOLE = (
    "enwiki-Rio_Grande-pages-meta-history.xml.bz2", "itwiki-Amen-pages-meta-history.xml.gz",
    "enwiki-20140102-tiny-pages-meta-history.xml.gz", "aawiki-20260101-pages-meta-history.xml.7z",
)  # fmt: skip


@pytest.fixture(scope="module")
def histories() -> Path:
    if not (HISTORIES / ANARCHISM).is_file():
        pytest.skip(f"{HISTORIES} missing: the shared histories lie beside the repository")
    return HISTORIES


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]")
    yield session
    session.stop()


def test_shipped_histories_build_and_read_in_one_call(histories, spark, tmp_path) -> None:
    import pyarrow.dataset as ds

    acehnese = tmp_path / "acewiki-slice.xml.gz"
    slice_revisions(histories / "acewiki-pages-meta-history.xml.bz2", acehnese, 500)
    dumps = [histories / name for name in WHOLE] + [acehnese]
    out = tmp_path / "out"
    # Every reverted edit and a twentieth of the others: the signals are the slow part.
    result = build(dumps, [], out, BuildOptions(keep_unreverted=0.05), spark=spark,
                   show_progress=False)  # fmt: skip
    assert not result.failed
    assert result.counts["revisions"] == 247 + 49 + 106 + 1_307 + 500
    frame = pd.read_parquet(out)
    assert len(frame) == result.counts["rows"] > 100
    assert ds.dataset(out, partitioning="hive").count_rows() == len(frame)
    assert spark.read.parquet(str(out)).count() == len(frame)
    assert (out / DATASET_METADATA_FILE).is_file()
    by_wiki = frame.groupby("wiki_db")["label"].agg(["size", "sum"])
    assert set(by_wiki.index) == {"enwiki", "itwiki", "aawiki", "acewiki"}
    assert by_wiki.loc["enwiki", "sum"] > 20  # Rio Grande's vandalism reverted
    assert frame["actions_total"].notna().mean() > 0.9


@pytest.mark.parametrize("chunks", [(6, 7), tuple(range(8))])
def test_every_chunk_has_a_task_of_its_own(spark, chunks) -> None:
    """The Anarchism page's last two chunks (its 2008-2010 edits) hash to one partition of two,
    and its eight chunks to four of eight: each chunk still gets a task of its own."""
    from pyspark.sql import functions as F

    keys = [(ANARCHISM, chunk) for chunk in chunks]
    hashed = spark.createDataFrame(keys, f"{SOURCE} string, {CHUNK} long").repartition(
        len(keys), SOURCE, CHUNK
    )
    assert hashed.select(F.spark_partition_id()).distinct().count() < len(keys)
    spread = one_task_per_chunk(spark, keys).repartition(len(keys), TASK)
    landed = spread.select(CHUNK, F.spark_partition_id().alias("partition")).collect()
    assert sorted(row[CHUNK] for row in landed) == list(chunks)
    # In the keys' order, so the longest chunks, listed first, start first.
    assert {row[CHUNK]: row["partition"] for row in landed} == {
        chunk: index for index, chunk in enumerate(chunks)
    }


def test_the_chunks_with_most_rows_go_first() -> None:
    """The Anarchism page's chunks as its build counts them (rows per 2,000 revisions); a chunk
    with no row to compute is left out, ties go in key order."""
    rows = [261, 643, 737, 431, 454, 383, 488, 297, 0, 431]
    counts = {(ANARCHISM, chunk): Counter({"rows": n}) for chunk, n in enumerate(rows)}
    assert [chunk for _, chunk in longest_first(counts)] == [2, 1, 6, 4, 3, 9, 5, 7, 0]


def test_one_page_uses_both_cores(spark, tmp_path) -> None:
    """A single page's history is split into chunks of revisions; Spark runs two at once."""
    dump = write_history_dump(tmp_path / "one-page.xml", pages=1, revisions_per_page=160,
                              sentences=20)  # fmt: skip
    tracker = spark.sparkContext.statusTracker()
    most_at_once = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal most_at_once
        while not stop.is_set():
            for stage in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage)
                if info is not None and info.name.startswith("collect"):
                    most_at_once = max(most_at_once, info.numActiveTasks)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = build([dump], [], tmp_path / "out", BuildOptions(revisions_per_chunk=20),
                       spark=spark, show_progress=False)  # fmt: skip
    finally:
        stop.set()
        watcher.join()
    assert result.chunks_written == 8
    assert len({p.name for p in (tmp_path / "out").glob("source=*/chunk-*.parquet")}) == 8
    assert most_at_once >= 2


@pytest.mark.timeout(1200)
def test_the_anarchism_edit_war_builds_with_the_default_1_gib(histories, tmp_path) -> None:
    """2,000 revisions of one page, about 100 KB each: the old builder held them in one batch
    and ran out of heap. Through the CLI, with Spark's default driver memory (-Xmx1g)."""
    dump = tmp_path / "enwiki-Anarchism-slice.xml.gz"
    assert slice_revisions(histories / ANARCHISM, dump, 2_000, skip=8_000) == 2_000
    out = tmp_path / "out"
    done, peaks = run_build("--dump", str(dump), "--out", str(out), "--keep-unreverted", "0.02",
                            "--since", "2006-08-25", "--revisions-per-chunk", "500")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert peaks.xmx == "-Xmx1g", peaks  # Spark's default driver heap, nothing raised
    # The heap's 1 GiB plus the JVM's own (metaspace, code, thread stacks, shuffle buffers).
    assert 0 < peaks.jvm < 1.75 * GIB, peaks
    assert peaks.python_process < 1.5 * GIB, peaks
    frame = pd.read_parquet(out)
    assert len(frame) > 20 and frame["label"].sum() > 10
    assert "revisions" in done.stdout


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SPARK_LOCAL_IP": "127.0.0.1"}
    return subprocess.run([sys.executable, "-m", "revertrisk_service.cli", "dataset", "build",
                           *args], capture_output=True, text=True, env=env, timeout=600,
                          check=False)  # fmt: skip


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "\tat " not in done.stderr, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("revertrisk: error:")]
    assert len(errors) == 1, done.stderr[-2000:]
    return errors[0]


def test_a_file_that_is_not_a_dump_is_one_line_and_leaves_nothing(tmp_path) -> None:
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    out = tmp_path / "out"
    line = _one_error_line(_cli("--dump", str(png), "--out", str(out)))
    assert "[dump_not_history]" in line and "logo.png" in line
    assert not out.exists()  # checked before anything is written: no empty _staging/


def test_a_spark_failure_is_one_line_with_the_fix(histories, tmp_path) -> None:
    """Spark refuses a driver below its minimum memory: one line naming the setting; the Java
    stack trace is in the build log only."""
    out = tmp_path / "out"
    line = _one_error_line(_cli("--dump", str(histories / WHOLE[1]), "--out", str(out),
                                "--driver-memory", "100m"))  # fmt: skip
    assert "[spark_memory_too_small]" in line and "--driver-memory" in line
    log = (out / "_build.log").read_text()
    assert "INVALID_DRIVER_MEMORY" in log and "\tat org.apache.spark" in log
    # The file was being staged while Spark started: a finished staging stays for the rerun,
    # nothing unfinished does.
    for staged in (out / "_staging").glob("*"):
        assert (staged / "_COMPLETE.json").is_file()
        assert not list(staged.glob(".*.tmp"))


def test_a_data_lake_export_gives_the_rows_of_its_dump(spark, tmp_path) -> None:
    """--table (wmf.mediawiki_wikitext_history columns) and --dump share every stage after
    reading: the same history gives the same rows either way."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from revertrisk_service.dataset.columns import TABLE_COLUMNS
    from revertrisk_service.dataset.dump_reader import iter_revisions

    dump = write_history_dump(tmp_path / "h.xml", pages=6, revisions_per_page=12, sentences=6)
    rows = [{**r.meta, "revision_text": r.text} for r in iter_revisions(dump)]
    table = tmp_path / "export.parquet"
    pq.write_table(pa.Table.from_pylist([{c: r[c] for c in TABLE_COLUMNS} for r in rows]), table)
    from_dump = build([dump], [], tmp_path / "from-dump", BuildOptions(), spark=spark,
                      show_progress=False)  # fmt: skip
    from_table = build([], [table], tmp_path / "from-table", BuildOptions(), spark=spark,
                       show_progress=False)  # fmt: skip
    assert from_table.counts == from_dump.counts and from_dump.counts["reverted"] > 3

    def rows_of(directory):
        frame = pd.read_parquet(directory).drop(columns=["source"])
        return frame.sort_values("rev_id").reset_index(drop=True)

    pd.testing.assert_frame_equal(rows_of(tmp_path / "from-table"), rows_of(tmp_path / "from-dump"))


def test_an_export_of_an_unknown_wiki_is_one_line_before_any_work(spark, tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from revertrisk_service.dataset.columns import TABLE_COLUMNS
    from revertrisk_service.dataset.dump_reader import iter_revisions
    from revertrisk_service.dataset.spark_errors import BuildError

    dump = write_history_dump(tmp_path / "h.xml", pages=2, revisions_per_page=3, sentences=2)
    rows = [{**r.meta, "revision_text": r.text, "wiki_db": "notawiki"}
            for r in iter_revisions(dump)]  # fmt: skip
    table = tmp_path / "export.parquet"
    pq.write_table(pa.Table.from_pylist([{c: r[c] for c in TABLE_COLUMNS} for r in rows]), table)
    with pytest.raises(BuildError) as caught:
        build([], [table], tmp_path / "out", BuildOptions(), spark=spark, show_progress=False)
    assert caught.value.code == "unknown_wiki" and "'notawiki'" in str(caught.value)
    assert not list((tmp_path / "out").glob("source=*"))


def test_only_the_wanted_texts_reach_the_joins(spark) -> None:
    """A kept revision needs its own text and its parent's: the others are dropped before the
    joins, by revision id; above the limit every text goes on."""
    kept = spark.createDataFrame(
        [("a", 10, 9), ("a", 12, 11), ("b", 20, None)],
        f"{SOURCE} string, revision_id long, parent_revision_id long",
    )
    texts = spark.createDataFrame(
        [(source, rev, f"text {rev}") for source in ("a", "b") for rev in range(8, 22)],
        f"{SOURCE} string, revision_id long, revision_text string",
    )
    many = spark_job.TEXT_FILTER_MIN_REVISIONS
    wanted = spark_job._wanted_texts(kept, texts, rows=3, revisions=many)
    ids = sorted((row[SOURCE], row["revision_id"]) for row in wanted.collect())
    # By id alone: source b's 9-12 and a's 20 pass too, and the joins match the source.
    assert ids == sorted((s, rev) for s in ("a", "b") for rev in (9, 10, 11, 12, 20))
    too_many_rows = spark_job._wanted_texts(kept, texts, spark_job.TEXT_FILTER_MAX_IDS, many)
    too_few_revisions = spark_job._wanted_texts(kept, texts, rows=3, revisions=many - 1)
    assert too_many_rows.count() == too_few_revisions.count() == 28


def test_cutting_the_texts_changes_no_row(spark, histories, tmp_path, monkeypatch) -> None:
    dump = histories / "enwiki-Rio_Grande-pages-meta-history.xml.bz2"
    options = BuildOptions(keep_unreverted=0.2)
    monkeypatch.setattr(spark_job, "TEXT_FILTER_MIN_REVISIONS", 0)  # a 1,307-revision history
    build([dump], [], tmp_path / "cut", options, spark=spark, show_progress=False)
    monkeypatch.setattr(spark_job, "TEXT_FILTER_MAX_IDS", 0)
    build([dump], [], tmp_path / "whole", options, spark=spark, show_progress=False)
    cut, whole = (pd.read_parquet(tmp_path / name).sort_values("rev_id", ignore_index=True)
                  for name in ("cut", "whole"))  # fmt: skip
    assert len(cut) > 50
    pd.testing.assert_frame_equal(cut, whole)
