"""`revertrisk dataset build` end to end: a real MediaWiki with a scripted history, exported by
dumpBackup.php --full, built on Spark local[2]; labels (computed from the revisions' metadata
alone) asserted exactly, train/serve parity, compressed input (.bz2 and .7z give the same rows),
the directory read in one call, resume, and a broken dump. One SparkSession for the module."""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dataset.scripted_history import IP_EDITOR, SECOND_IP, write_history
from revertrisk_devtools.local_wiki import (
    LocalWikiUnavailable,
    check_prerequisites,
    export_full_history,
    running_local_wiki,
)
from revertrisk_service.dataset.history_edit import (
    AS_OF_EDIT_SIGNALS,
    DUMP_MISSING_SIGNALS,
    SIGNAL_NAMES,
)
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.parquet_out import chunk_files
from revertrisk_service.dataset.spark_job import build, spark_session
from revertrisk_service.training.dataset_reader import describe, load_datasets

pytestmark = pytest.mark.e2e
WIKI_DB = "enwiki"  # the local wiki's history, scored as English Wikipedia


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    try:
        check_prerequisites()
    except LocalWikiUnavailable as exc:
        pytest.skip(f"no local MediaWiki: {exc}; run `make system-deps`")
    root = tmp_path_factory.mktemp("scripted")
    history_file, expected, pages = write_history(root / "history")
    with running_local_wiki(root / "wiki", history_file=history_file) as wiki:
        plain = export_full_history(wiki, root / "dumps" / "history.xml")
        compressed = export_full_history(wiki, root / "dumps" / "history.xml.bz2")
        yield {"wiki": wiki, "expected": expected, "pages": pages, "plain": plain,
               "bz2": compressed, "root": root}


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def built(scripted, spark):
    out = scripted["root"] / "out"
    result = build([scripted["plain"]], [], out, BuildOptions(wiki_db=WIKI_DB), spark=spark,
                   show_progress=False)
    frame, _ = load_datasets([out])
    frame.index = frame["rev_id"].to_numpy()
    return result, frame


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_labels_are_exact(scripted, built) -> None:
    result, frame = built
    revs, expected = scripted["wiki"].revs, scripted["expected"]
    timestamps = {r["key"]: r["timestamp"] for p in scripted["pages"] for r in p["revisions"]}
    for key, want in expected.items():
        rev_id = revs[key]
        if want.reverted is None:
            assert rev_id not in frame.index, key
            continue
        row = frame.loc[rev_id]
        assert bool(row["label"]) is want.reverted, key
        assert bool(row["revision_is_identity_reverted"]) is want.reverted, key
        if want.reverted:
            assert row["reverting_rev_id"] == revs[want.reverting], key
            seconds = (_when(timestamps[want.reverting]) - _when(timestamps[key])).total_seconds()
            assert row["seconds_to_revert"] == seconds, key
        else:
            assert pd.isna(row["reverting_rev_id"]) and pd.isna(row["seconds_to_revert"]), key
    assert set(frame.index) == {revs[k] for k, e in expected.items() if e.reverted is not None}

    filtered = Counter(e.filtered for e in expected.values() if e.filtered)
    counts = result.counts
    # The installer's Main Page is in the dump too: one more page creation.
    assert counts["filtered_page_creation"] == filtered["page_creation"] + 1
    for name in ("bot", "edit_war", "not_content_namespace"):
        assert counts[f"filtered_{name}"] == filtered[name], name
    assert counts["rows"] == len(frame)
    assert counts["reverted"] == sum(e.reverted is True for e in expected.values())
    assert describe(result.out_dir)["counts"] == dict(sorted(counts.items()))


def test_user_facts_are_as_of_the_edit(scripted, built) -> None:
    _, frame = built
    revs = scripted["wiki"].revs
    edits = sorted((r["timestamp"], r["user"], r["key"]) for p in scripted["pages"]
                   for r in p["revisions"])  # fmt: skip
    for index, (when, user, key) in enumerate(edits):
        if revs[key] not in frame.index:
            continue
        row = frame.loc[revs[key]]
        if user in (IP_EDITOR, SECOND_IP):
            assert bool(row["is_anonymous"]) and pd.isna(row["user_log_editcount"]), key
            continue
        earlier = [w for w, u, _ in edits[:index] if u == user]
        assert row["user_log_editcount"] == pytest.approx(math.log1p(len(earlier))), key
        first = _when(earlier[0] if earlier else when)
        assert row["user_age_days"] == pytest.approx((_when(when) - first).total_seconds() / 86400)


def test_facts_a_dump_cannot_know_are_null(built) -> None:
    result, frame = built
    for name in DUMP_MISSING_SIGNALS:
        assert frame[name].isna().all(), name
    assert describe(result.out_dir)["missing_signals"] == list(DUMP_MISSING_SIGNALS)
    assert frame["actions_total"].notna().all()  # what the dump does know is there


def _live_contexts(wiki, rev_ids):
    from revertrisk_service.mediawiki.client import MediaWikiClient
    from revertrisk_service.wikis import wiki_by_dbname

    async def fetch():
        async with MediaWikiClient(wiki.base_url, "revertrisk-service tests") as client:
            return await client.fetch_edits([(wiki_by_dbname(WIKI_DB), r) for r in rev_ids])

    return asyncio.run(fetch())


def test_train_serve_parity_for_both_models(scripted, built) -> None:
    """The builder's values equal what serving computes from the live API for the same
    revisions, apart from what a dump cannot know and the as-of-edit user facts."""
    from revertrisk_service.signals import edit_signals

    _, frame = built
    rev_ids = [int(r) for r in frame.index]
    contexts = _live_contexts(scripted["wiki"], rev_ids)
    skipped = set(DUMP_MISSING_SIGNALS) | set(AS_OF_EDIT_SIGNALS)
    compared = 0
    for rev_id, ctx in zip(rev_ids, contexts, strict=True):
        live = edit_signals(ctx, SIGNAL_NAMES)
        row = frame.loc[rev_id]
        for name in SIGNAL_NAMES:
            if name in skipped:
                continue
            built_value = row[name]
            live_value = math.nan if live[name] is None else float(live[name])
            if name == "is_anonymous":
                built_value = float(built_value)
            if math.isnan(live_value):
                assert pd.isna(built_value), (rev_id, name)
            else:
                assert built_value == pytest.approx(live_value), (rev_id, name)
            compared += 1
    assert compared > 100 * len(rev_ids)


def _seven_zip(plain: Path) -> Path:
    packed = plain.with_name(plain.name + ".7z")
    subprocess.run(["7z", "a", "-bd", "-mx=1", str(packed), str(plain)], check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    return packed


@pytest.mark.parametrize("kind", ["bz2", "7z"])
def test_a_compressed_dump_gives_the_same_rows(scripted, built, spark, kind) -> None:
    dump = scripted["bz2"] if kind == "bz2" else _seven_zip(scripted["plain"])
    out = scripted["root"] / f"out-{kind}"
    build([dump], [], out, BuildOptions(wiki_db=WIKI_DB), spark=spark, show_progress=False)
    compressed, _ = load_datasets([out])
    _, plain = built
    pd.testing.assert_frame_equal(
        compressed.sort_values("rev_id").reset_index(drop=True),
        plain.sort_values("rev_id").reset_index(drop=True),
    )


def test_the_directory_reads_in_one_call(built, spark) -> None:
    """pandas, pyarrow and Spark read every row of the directory, side files and all."""
    import pyarrow.dataset as ds

    result, frame = built
    out = str(result.out_dir)
    assert len(pd.read_parquet(out)) == len(frame) == result.counts["rows"]
    assert ds.dataset(out, partitioning="hive").count_rows() == len(frame)
    assert spark.read.parquet(out).count() == len(frame)
    assert sorted(p.name for p in result.out_dir.iterdir() if not p.name.startswith("source="))\
        == ["_README.md", "_dataset.json", "_staging"]


def test_a_rerun_skips_written_partitions(scripted, built, spark) -> None:
    result, _ = built
    before = {p: p.stat().st_mtime_ns for p in chunk_files(result.out_dir)}
    again = build([scripted["plain"]], [], result.out_dir, BuildOptions(wiki_db=WIKI_DB),
                  spark=spark, show_progress=False)
    assert again.chunks_written == 0 and again.chunks_skipped == len(before)
    assert {p: p.stat().st_mtime_ns for p in chunk_files(result.out_dir)} == before
    assert again.counts == result.counts


def test_a_broken_dump_fails_in_one_line_and_keeps_written_partitions(scripted, built) -> None:
    """Through the CLI: the error names the file and the position; nothing written is lost."""
    result, _ = built
    out = scripted["root"] / "out-broken"
    shutil.copytree(result.out_dir, out)
    before = {p.relative_to(out): p.read_bytes() for p in chunk_files(out)}
    data = scripted["plain"].read_bytes()
    broken = scripted["root"] / "dumps" / "broken.xml"
    broken.write_bytes(data[: len(data) * 2 // 3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "revertrisk_service.cli", "dataset", "build",
         "--dump", str(scripted["plain"]), "--dump", str(broken), "--out", str(out),
         "--wiki-db", WIKI_DB, "--master", "local[2]"],
        capture_output=True, text=True, timeout=600, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("revertrisk: error:")]
    assert len(errors) == 1, done.stderr[-2000:]
    assert "broken.xml" in errors[0] and "line " in errors[0] and "column " in errors[0]
    assert "[dump_truncated]" in errors[0]
    assert "Traceback" not in done.stderr
    after = {p.relative_to(out): p.read_bytes() for p in chunk_files(out)}
    assert {k: after.get(k) for k in before} == before


def test_sampling_options(scripted, spark, built) -> None:
    """Anonymous-only keeps IP editors' edits; a time range keeps labels from the whole history."""
    out = scripted["root"] / "out-anon"
    result = build([scripted["plain"]], [], out,
                   BuildOptions(wiki_db=WIKI_DB, anonymous_only=True), spark=spark,
                   show_progress=False)  # fmt: skip
    anon, _ = load_datasets([out])
    _, everything = built
    assert set(anon["rev_id"]) == set(everything[everything["is_anonymous"]]["rev_id"])
    assert result.counts["filtered_not_anonymous"] == int((~everything["is_anonymous"]).sum())
    revs = scripted["wiki"].revs
    out = scripted["root"] / "out-range"
    build([scripted["plain"]], [], out, BuildOptions(
        wiki_db=WIKI_DB, since=_when("2024-03-03T10:01:00Z"), until=_when("2024-03-04T00:00:00Z"),
    ), spark=spark, show_progress=False)  # fmt: skip
    ranged, _ = load_datasets([out])
    assert sorted(ranged["rev_id"]) == sorted([revs["b_bad2"], revs["b_revert"]])
    assert bool(ranged.set_index("rev_id").loc[revs["b_bad2"], "label"])
    assert np.isfinite(ranged["seconds_to_revert"].dropna()).all()


def test_both_models_train_from_a_built_dataset_and_serve(scripted, spark, tmp_path) -> None:
    """A generated history (enough pages for the page-grouped split) -> dataset -> `revertrisk
    train <model> --data` (which also evaluates) -> each artifact loads and scores live edits."""
    from typer.testing import CliRunner

    from revertrisk_devtools.history_dump import write_history_dump
    from revertrisk_service.cli import app
    from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
    from revertrisk_service.models.multilingual.model import MultilingualModel
    from revertrisk_service.signals import edit_signals

    dump = write_history_dump(tmp_path / "generated.xml", pages=80, revisions_per_page=10)
    data = tmp_path / "dataset"
    result = build([dump], [], data, BuildOptions(), spark=spark, show_progress=False)
    assert result.counts["reverted"] > 10 and result.counts["rows"] > 300

    contexts = _live_contexts(scripted["wiki"], [scripted["wiki"].revs["a_good"]])
    runner = CliRunner()
    for model, loader in (("language-agnostic", LanguageAgnosticModel.load),
                          ("multilingual", MultilingualModel.load)):  # fmt: skip
        target = tmp_path / model
        done = runner.invoke(app, ["train", model, "--data", str(data), "--output-dir", str(target)])
        assert done.exit_code == 0, done.output
        assert (target / "EVALUATION.md").is_file() and (target / "MODEL_CARD.md").is_file()
        manifest = describe_manifest(target)
        assert manifest["training_data"]["sources"][0]["kind"] == "history"
        scorer = loader(target)
        scores = scorer.score([edit_signals(c, scorer.signal_names) for c in contexts])
        assert len(scores) == 1 and 0.0 <= scores[0] <= 1.0


def describe_manifest(model_dir: Path) -> dict:
    import json

    return json.loads((model_dir / "model.json").read_text())
