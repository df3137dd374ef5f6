"""Staging on a local master: processes started before the Spark session stage every dump as the
Spark job would (the same files, the same one-line error for a broken dump), and a build that
fails before its staging is collected stops them."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from revertrisk_devtools.history_dump import write_history_dump
from revertrisk_service.dataset import spark_job, staging
from revertrisk_service.dataset.local_staging import LocalStaging, local_cores
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.spark_errors import BuildError
from revertrisk_service.dataset.staging import (
    META_FILE,
    STAGING,
    TEXT_FILE,
    stage_dump,
    staging_dir,
)


@pytest.mark.parametrize(("master", "cores"), [
    ("local", 1), ("local[1]", 1), ("local[2]", 2), ("local[3,4]", 3),
    ("local[*]", os.cpu_count()), ("spark://127.0.0.1:7077", None), ("yarn", None),
])  # fmt: skip
def test_local_cores_reads_every_master(master: str, cores: int | None) -> None:
    assert local_cores(master) == cores


@pytest.fixture()
def dumps(tmp_path: Path) -> list[Path]:
    whole = write_history_dump(tmp_path / "whole.xml", pages=3, revisions_per_page=30)
    other = write_history_dump(tmp_path / "other.xml.bz2", pages=2, revisions_per_page=10,
                               first_page_id=10, seed=1)  # fmt: skip
    data = whole.read_bytes()
    broken = tmp_path / "broken.xml"
    broken.write_bytes(data[: len(data) * 2 // 3])
    return [whole, broken, other]


def _tables(directory: str) -> list:
    return [pq.read_table(Path(directory) / name) for name in (META_FILE, TEXT_FILE)]


def test_local_staging_stages_as_the_spark_job_does(dumps, tmp_path) -> None:
    options = BuildOptions(revisions_per_chunk=25)
    staged = LocalStaging(dumps, tmp_path / "pool", options, processes=2).results(show=False)
    alone = [stage_dump(str(d), str(tmp_path / "alone"), 25) for d in dumps]
    assert [replace(s, directory="") for s in staged] == [
        replace(s, directory="") for s in alone
    ]
    whole, broken, other = staged
    assert broken.error is not None and "broken.xml" in broken.error
    assert "[dump_truncated]" in broken.error
    assert whole.revisions == 90 and other.revisions == 20 and whole.chunks == 4
    for one, same in ((whole, alone[0]), (other, alone[2])):
        assert _tables(one.directory) == _tables(same.directory)
    # The broken dump's partial staging is gone, as from the Spark job.
    assert sorted(p.name for p in (tmp_path / "pool" / STAGING).iterdir()) == sorted(
        Path(s.directory).name for s in (whole, other)
    )
    assert not multiprocessing.active_children()


def test_staging_starts_before_the_session(dumps, tmp_path, monkeypatch) -> None:
    """The first dump is being staged while the session starts: the JVM's start and staging
    overlap on a local master."""
    out = tmp_path / "out"
    seen: dict[str, bool] = {}

    def session(master: str, **_) -> None:
        deadline = time.monotonic() + 30
        while not (out / STAGING).is_dir() and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["staging"] = (out / STAGING).is_dir()
        seen["processes"] = bool(multiprocessing.active_children())
        raise RuntimeError("Java gateway process exited before sending its port number")

    monkeypatch.setattr(spark_job, "spark_session", session)
    with pytest.raises(BuildError) as failed:
        spark_job.build([dumps[0]], [], out, BuildOptions(), master="local[2]")
    assert seen == {"staging": True, "processes": True}
    # A build that fails stops its staging processes, and says so in one line.
    assert failed.value.code == "java_missing"
    assert not multiprocessing.active_children()


def test_stopping_removes_unfinished_staging(dumps, tmp_path, monkeypatch) -> None:
    """A build that fails while a file is being staged leaves none of it behind; a file staged
    to its end stays, for a rerun to reuse."""
    reader = staging.iter_revisions

    def slowly(*args):  # inherited by the forked staging processes
        for revision in reader(*args):
            time.sleep(0.1)
            yield revision

    whole, _, other = dumps
    out = tmp_path / "out"
    stage_dump(str(other), str(out), 2000)
    monkeypatch.setattr(staging, "iter_revisions", slowly)
    pool = LocalStaging([whole, other], out, BuildOptions(), processes=1)
    deadline = time.monotonic() + 30
    while not list(staging_dir(out, whole).glob(".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(staging_dir(out, whole).glob(".*.tmp")), "the slow file never began"
    pool.stop()
    assert not staging_dir(out, whole).exists()
    assert (staging_dir(out, other) / "_COMPLETE.json").is_file()
    assert not multiprocessing.active_children()
