"""A page of 50,000 revisions of about 100 KB (5 GB of wikitext, as English Wikipedia's longest
histories) builds with Spark's default memory: staging, labels and the text join see the whole
history; signals are computed for its first months (the rest would take hours, and a batch of
signals is bounded whatever the page's length). About four minutes and 5 GB of disk, freed
at the end."""

from __future__ import annotations

import pandas as pd
import pytest

from dataset.build_process import GIB, run_build
from revertrisk_devtools.history_dump import write_history_dump

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.mark.timeout(1800)
def test_a_50000_revision_page_builds_within_memory(tmp_path) -> None:
    dump = write_history_dump(tmp_path / "long-page.xml", pages=1, revisions_per_page=50_000,
                              sentences=1_100, grow=False)  # fmt: skip
    assert dump.stat().st_size > 4.5e9
    out = tmp_path / "out"
    try:
        done, peaks = run_build("--dump", str(dump), "--out", str(out), "--until", "2024-03-01",
                                "--keep-unreverted", "0.05", timeout=1700)  # fmt: skip
    finally:
        dump.unlink()
    print(f"peaks: JVM {peaks.jvm / GIB:.2f} GiB ({peaks.xmx}), largest Python process "
          f"{peaks.python_process / GIB:.2f} GiB")
    assert done.returncode == 0, done.stderr[-3000:]
    assert peaks.xmx == "-Xmx1g", peaks
    assert 0 < peaks.jvm < 1.75 * GIB, peaks
    assert peaks.python_process < 1.5 * GIB, peaks
    frame = pd.read_parquet(out)
    assert frame["label"].sum() > 10
