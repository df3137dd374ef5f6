"""`revertrisk train <model> --data DIR` reads the feedback export's layout (feedback.parquet +
_dataset.json, kind "feedback", label = judged "damaging", raw signal values, nullable page_id),
not only the history builder's. The rows are the real KI sample's edits with their signals solved
by the declarations the export uses (training.fetched_rows.computable_signals); the export
itself, against a live wiki and PostgreSQL, is tests/e2e/test_e2e_feedback.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from support.training_rows import ki_feedback_export
from typer.testing import CliRunner

from revertrisk_service.cli import app
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.training.datasets import KI_FILE

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present"
)]  # e2e: two trainings with their evaluations, ~30 s each


@pytest.mark.parametrize("model", ["language-agnostic", "multilingual"])
def test_train_reads_aki_feedback_export(model: str, tmp_path: Path) -> None:
    frame = ki_feedback_export(tmp_path / "feedback")
    target = tmp_path / model
    done = CliRunner().invoke(app, ["train", model, "--data", str(tmp_path / "feedback"),
                                    "--output-dir", str(target)])
    assert done.exit_code == 0, done.output
    manifest = json.loads((target / "model.json").read_text())
    (described,) = manifest["training_data"]["sources"]
    assert described["kind"] == "feedback" and described["source"] == "feedback"
    # Every judged edit was read, and the hold-out rows were scored against their judgments.
    predictions = pd.read_csv(target / "test_predictions.csv")
    assert 0 < len(predictions) < len(frame)
    judged = frame.set_index("rev_id")["label"]
    assert (predictions["label"].astype(bool).to_numpy()
            == judged.loc[predictions.iloc[:, 1]].to_numpy()).all()
