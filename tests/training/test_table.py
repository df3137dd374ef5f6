"""The trainers' shared start: the training table's hold-out (by page where a source has many
pages, by time where it has few) and the draw that caps CatBoost's training rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.training.datasets import KI_FILE
from revertrisk_service.training.holdout import (
    PAGES_FOR_PAGE_HOLDOUT,
    holdout_mask,
    source_holdout,
)
from revertrisk_service.training.table import capped_rows, load_table

needs_data = pytest.mark.skipif(not (DEFAULT_DATA_DIR / KI_FILE).exists(),
                                reason="shared/data is not present")


def test_capping_keeps_the_limit_and_the_reverted_share() -> None:
    labels = np.array([1] * 100 + [0] * 900)
    rows = np.arange(1000)
    kept = capped_rows(rows, labels, 200, seed=3)
    assert len(kept) == len(set(kept)) == 200
    assert labels[kept].sum() == 20
    assert list(kept) == sorted(kept)
    assert list(capped_rows(rows, labels, 200, seed=3)) == list(kept)
    assert list(capped_rows(rows, labels, 200, seed=4)) != list(kept)


def test_capping_leaves_rows_that_fit_alone() -> None:
    rows = np.array([5, 2, 9])
    assert list(capped_rows(rows, np.zeros(10), 3, seed=0)) == [5, 2, 9]
    assert list(capped_rows(rows, np.zeros(10), None, seed=0)) == [5, 2, 9]


def test_a_single_page_is_held_out_by_time_and_many_pages_by_page() -> None:
    times = pd.Series(pd.date_range("2005-01-01", periods=50, freq="D", tz="UTC"))
    many = [f"p{i}" for i in range(PAGES_FOR_PAGE_HOLDOUT)]
    sources = ["one"] * 50 + ["many"] * len(many)
    pages = ["w:only"] * 50 + [f"w:{p}" for p in many]
    titles = ["only"] * 50 + many
    stamps = pd.concat([times, pd.Series([times[0]] * len(many))], ignore_index=True)
    split = source_holdout(sources, pages, ["w"] * len(sources), titles, stamps)
    single = split.mask[:50]
    assert single.sum() == 10 and single[-10:].all()  # the last fifth of the page's history
    assert (split.mask[50:] == holdout_mask(["w"] * len(many), many)).all()
    assert split.rules["one"].startswith("by time") and split.rules["many"].startswith("by page")


@needs_data
def test_multilingual_training_caps_its_rows(tmp_path: Path) -> None:
    from revertrisk_service.training.multilingual import main_from_table

    table = load_table([], DEFAULT_DATA_DIR)
    manifest = main_from_table(tmp_path, table, seed=1, max_train_rows=300)
    used = manifest["training_data"]["train_rows_used"]
    assert used.startswith("300 of 792")
    assert manifest["metrics"]["holdout"]["rows"] == 208  # the hold-out is never sampled


def _as_dataset(frame: pd.DataFrame, directory: Path, chunks: int) -> Path:
    """Rows as a dataset directory, split into `chunks` files in reverse order."""
    from revertrisk_service.training.contract import DATASET_METADATA_FILE

    directory.mkdir(parents=True)
    for chunk, part in enumerate(np.array_split(frame.iloc[::-1], chunks)):
        part.to_parquet(directory / f"chunk-{chunk:06d}.parquet")
    (directory / DATASET_METADATA_FILE).write_text('{"kind": "history"}')
    return directory


@needs_data
@pytest.mark.slow
def test_training_from_datasets_gives_the_same_bytes_however_the_rows_were_written(
        tmp_path: Path) -> None:
    from revertrisk_service.training import language_agnostic as la
    from revertrisk_service.training import multilingual as ml
    from revertrisk_service.training.table import SOURCE_COLUMN, sample_rows

    rows = sample_rows(DEFAULT_DATA_DIR).drop(columns=[SOURCE_COLUMN])
    one = _as_dataset(rows, tmp_path / "one" / "history", 1)
    three = _as_dataset(rows.sample(frac=1, random_state=5), tmp_path / "three" / "history", 3)
    for name, trainer, artifact in (("la", la, "model.ubj"), ("ml", ml, "model.cbm")):
        for layout in (one, three):
            trainer.main_from_table(tmp_path / name / layout.parent.name, load_table([layout]),
                                    seed=3)
        first, second = (tmp_path / name / d / artifact for d in ("one", "three"))
        assert first.read_bytes() == second.read_bytes(), artifact


@needs_data
def test_an_edit_in_two_sources_counts_once(tmp_path: Path) -> None:
    from revertrisk_service.training.table import SOURCE_COLUMN, sample_rows

    rows = sample_rows(DEFAULT_DATA_DIR).drop(columns=[SOURCE_COLUMN])
    first = _as_dataset(rows.iloc[:600], tmp_path / "first", 1)
    second = _as_dataset(rows.iloc[500:], tmp_path / "second", 2)
    table = load_table([first, second])
    assert len(table) == len(rows)
    assert not table.frame.duplicated(["wiki_db", "rev_id"]).any()
    assert [s["rows_in_an_earlier_source"] for s in table.sources] == [0, 100]
