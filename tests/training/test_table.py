"""The trainers' shared start: the training table's hold-out (by page where a source has many
pages, by time where it has few) and the draw that caps CatBoost's training rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from revertrisk_service.training.datasets import KI_FILE
from revertrisk_service.training.holdout import (
    PAGES_FOR_PAGE_HOLDOUT,
    holdout_mask,
    source_holdout,
)
from revertrisk_service.training.paths import DEFAULT_DATA_DIR
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
    from revertrisk_service.models.multilingual.train import main_from_table

    table = load_table([], DEFAULT_DATA_DIR)
    manifest = main_from_table(tmp_path, table, seed=1, max_train_rows=300)
    used = manifest["training_data"]["train_rows_used"]
    assert used.startswith("300 of 792")
    assert manifest["metrics"]["holdout"]["rows"] == 208  # the hold-out is never sampled
