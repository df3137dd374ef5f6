"""`revertrisk train language-agnostic --data DIR --master local[2]` trains on Spark with
xgboost.spark and matches in-process training: the same hold-out rows, and a hold-out AUC within
SPARK_AUC_TOLERANCE of the in-process booster's (two workers see the rows in two shards, so the
histograms and the row sampling differ, never the rule of the split). The dataset is the real
labelled sample written in the contract's shape (training.table.sample_rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xgboost as xgb

from revertrisk_service.locations import DEFAULT_DATA_DIR, PREDICTIONS_FILE
from revertrisk_service.training.contract import DATASET_METADATA_FILE
from revertrisk_service.training.datasets import KI_FILE
from revertrisk_service.training.language_agnostic import MODEL_FILE, main_from_table
from revertrisk_service.training.language_agnostic_spark import train_on_spark
from revertrisk_service.training.table import SOURCE_COLUMN, load_table, sample_rows

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present")]

SPARK_AUC_TOLERANCE = 0.02


def _dataset(directory: Path) -> Path:
    """The sample as a dataset directory: Parquet in a partition folder, the metadata beside it
    and a README, as the builder lays one out."""
    rows = sample_rows(DEFAULT_DATA_DIR).drop(columns=[SOURCE_COLUMN])
    (directory / "source=sample").mkdir(parents=True)
    half = len(rows) // 2
    for chunk, part in enumerate((rows.iloc[:half], rows.iloc[half:])):
        # Microsecond timestamps, as the builder writes them (Spark reads no nanoseconds).
        part.to_parquet(directory / "source=sample" / f"chunk-{chunk:06d}.parquet",
                        coerce_timestamps="us")
    (directory / DATASET_METADATA_FILE).write_text(json.dumps({"kind": "history"}))
    (directory / "README.md").write_text("a dataset\n")
    return directory


def test_spark_training_matches_in_process_training(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "sample")
    local = main_from_table(tmp_path / "local", load_table([data]), seed=7)
    spark = train_on_spark(tmp_path / "spark", [data], "local[2]", seed=7, num_workers=2)

    local_rows = pd.read_csv(tmp_path / "local" / PREDICTIONS_FILE)
    spark_rows = pd.read_csv(tmp_path / "spark" / PREDICTIONS_FILE)
    assert sorted(local_rows["rev_id"]) == sorted(spark_rows["rev_id"])
    assert spark["metrics"]["heldout_rows"] == local["metrics"]["heldout_rows"] > 100
    gap = abs(spark["metrics"]["heldout_auc"] - local["metrics"]["heldout_auc"])
    assert gap <= SPARK_AUC_TOLERANCE, (spark["metrics"], local["metrics"])

    # The same artifact format: a UBJSON booster that loads without pickle, same features.
    booster = xgb.Booster()
    booster.load_model(bytearray((tmp_path / "spark" / MODEL_FILE).read_bytes()))
    assert booster.num_features() == len(spark["features"]) == len(local["features"])
    assert booster.num_boosted_rounds() == local["artifact"]["boosting_rounds"]
