"""Throughput of `revertrisk dataset build`: rows/s on Spark local[1] and local[2]
over a generated history of at least 100 MB, the speed-up from one core to two (goal: x1.7),
against a plain single-process loop over the same dump (the same functions, no Spark); peak
memory of the Spark driver JVM and of each Python worker; and a projection for a wiki of 50
million revisions on N executors. Prints the load average: other processes share the cores.

The dump is written as several part files, as Wikimedia splits pages-meta-history, so that the
per-file reading stage can run in parallel too.

Run: python bench/bench_dataset.py [--mb 100] [--parts 4] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from typing import Self

from revertrisk_devtools.history_dump import write_history_dump
from revertrisk_service.dataset.dump_reader import iter_revisions
from revertrisk_service.dataset.edit_rows import edit_rows
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.page_rows import label_page_rows
from revertrisk_service.dataset.spark_job import build, spark_session
from revertrisk_service.dataset.user_facts import user_facts_in_memory

PROJECTED_REVISIONS = 50_000_000
# Bytes of dump per generated page with these settings, measured once; used to size the parts.
PAGE_BYTES_ESTIMATE = 300_000


def generate(directory: Path, megabytes: int, parts: int) -> list[Path]:
    pages_total = max(parts, megabytes * 1_000_000 // PAGE_BYTES_ESTIMATE)
    files = []
    for part in range(parts):
        pages = pages_total // parts
        path = directory / f"benchwiki-pages-meta-history{part + 1}.xml"
        write_history_dump(path, pages=pages, revisions_per_page=20, sentences=150,
                           seed=part, first_page_id=1 + part * pages)  # fmt: skip
        files.append(path)
    return files


class PeakMemory:
    """Samples the RSS of this process's children (the Spark JVM and its Python workers)."""

    def __init__(self) -> None:
        self.jvm = 0
        self.python_worker = 0
        self.python_workers_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            workers = 0
            for child in me.children(recursive=True):
                try:
                    rss, name = child.memory_info().rss, child.name()
                except psutil.Error:
                    continue
                if "java" in name:
                    self.jvm = max(self.jvm, rss)
                elif "python" in name:
                    self.python_worker = max(self.python_worker, rss)
                    workers += rss
            self.python_workers_total = max(self.python_workers_total, workers)
            time.sleep(0.5)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def plain_loop(dumps: list[Path], options: BuildOptions) -> tuple[int, float]:
    """The same work in one process, no Spark: read, user facts, labels and signals (this
    loop holds the whole history in memory: fine for the generated bench dump only)."""
    start = time.perf_counter()
    read = [rev for dump in dumps for rev in iter_revisions(dump)]
    texts = {rev.meta["revision_id"]: rev.text for rev in read}
    metas = [rev.meta for rev in read]
    facts = user_facts_in_memory(metas)
    pages: dict[int, list[dict]] = {}
    for meta in metas:
        meta.update(facts[(meta["wiki_db"], meta["revision_id"])])
        pages.setdefault(meta["page_id"], []).append(meta)
    kept = [row for page in pages.values() for row in label_page_rows(page, options)
            if row["dropped"] is None]  # fmt: skip
    rows = edit_rows([{**row, "revision_text": texts[row["revision_id"]],
                       "parent_revision_text": texts[row["parent_revision_id"]]} for row in kept])
    return len(rows), time.perf_counter() - start


def spark_run(dumps: list[Path], cores: int, options: BuildOptions) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-dataset-local{cores}-"))
    try:
        spark = spark_session(f"local[{cores}]")
        try:
            spark.range(1).count()  # JVM start-up is not part of the throughput
            with PeakMemory() as memory:
                start = time.perf_counter()
                result = build(dumps, [], out, options, spark=spark, show_progress=False)
                seconds = time.perf_counter() - start
        finally:
            spark.stop()
        return {"cores": cores, "rows": result.counts["rows"], "revisions": result.counts["revisions"],
                "seconds": round(seconds, 1), "rows_per_s": round(result.counts["rows"] / seconds, 1),
                "revisions_per_s": round(result.counts["revisions"] / seconds, 1),
                "peak_jvm_mib": memory.jvm // 2**20,
                "peak_python_worker_mib": memory.python_worker // 2**20,
                "peak_python_workers_total_mib": memory.python_workers_total // 2**20}  # fmt: skip
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    work = Path(tempfile.mkdtemp(prefix="bench-dataset-"))
    try:
        print(f"load average before: {os.getloadavg()}", flush=True)
        dumps = generate(work, args.mb, args.parts)
        size = sum(d.stat().st_size for d in dumps)
        print(f"generated {len(dumps)} files, {size / 1e6:.1f} MB", flush=True)
        options = BuildOptions()
        report: dict = {"dump_mb": round(size / 1e6, 1), "files": len(dumps)}
        if not args.skip_baseline:
            rows, seconds = plain_loop(dumps, options)
            report["plain_loop"] = {"rows": rows, "seconds": round(seconds, 1),
                                    "rows_per_s": round(rows / seconds, 1),
                                    "load_after": os.getloadavg()}  # fmt: skip
            print(json.dumps(report["plain_loop"]), flush=True)
        for cores in (1, 2):
            run = spark_run(dumps, cores, options)
            run["load_after"] = os.getloadavg()
            report[f"local[{cores}]"] = run
            print(json.dumps(run), flush=True)
        one, two = report["local[1]"], report["local[2]"]
        report["speedup_1_to_2"] = round(two["rows_per_s"] / one["rows_per_s"], 2)
        if "plain_loop" in report:
            report["local1_vs_plain"] = round(one["rows_per_s"] / report["plain_loop"]["rows_per_s"], 2)
        # Per executor core as measured on local[2] (its parallel efficiency included); that the
        # efficiency holds at N executors is an assumption, not a measurement.
        per_core = two["revisions_per_s"] / 2
        report["revisions_per_s_per_core"] = round(per_core, 1)
        report["projection_50M_revisions_hours"] = {
            n: round(PROJECTED_REVISIONS / (per_core * n) / 3600, 1) for n in (8, 32, 128)
        }
        report["load_average_end"] = os.getloadavg()
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
