"""`revertrisk train <model> --data DIR` reads the feedback export's layout (feedback.parquet +
dataset.json, kind "feedback", label = judged "damaging", raw signal values, nullable page_id),
not only the history builder's. The rows are the real KI sample's edits with their signals solved
by the declarations the export uses (feedback.signal_values.computable_signals); the export
itself, against a live wiki and PostgreSQL, is tests/e2e/test_e2e_feedback.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from revertrisk_service.cli import app
from revertrisk_service.feedback.export import DATASET_JSON, PARQUET_FILE
from revertrisk_service.feedback.signal_values import computable_signals
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.signals import solve
from revertrisk_service.training.datasets import KI_FILE, load_ki

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present"
)]  # e2e: two trainings with their evaluations, ~30 s each


def _feedback_export(out: Path) -> pd.DataFrame:
    """The KI sample's edits as the feedback export writes judged edits."""
    data = load_ki(DEFAULT_DATA_DIR)
    signals = sorted(computable_signals())
    judged_at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i, (given, label) in enumerate(zip(data.facts, data.labels, strict=True)):
        values = solve(signals, given)
        rows.append({
            "wiki_db": given["wiki_db"], "rev_id": int(given["rev_id"]),
            "page_id": None, "page_title": given["page_title"],
            "rev_timestamp": given["timestamp"], "label": bool(label),
            "judgment": "damaging" if label else "ok", "reviewer": "Patroller",
            "judged_at": judged_at + timedelta(seconds=i), "model_name": "x", "score": 0.5,
            **{n: values[n] for n in signals},
        })  # fmt: skip
    frame = pd.DataFrame(rows).astype({"rev_id": "int64", "page_id": "Int64", "label": "bool"})
    for column in ("rev_timestamp", "judged_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    out.mkdir()
    frame.to_parquet(out / PARQUET_FILE, index=False)
    (out / DATASET_JSON).write_text(json.dumps({
        "kind": "feedback", "created": judged_at.isoformat(), "rows": len(frame),
        "positives": int(frame["label"].sum()), "missing_signals": [], "files": [PARQUET_FILE],
    }))  # fmt: skip
    return frame


@pytest.mark.parametrize("model", ["language-agnostic", "multilingual"])
def test_train_reads_a_feedback_export(model: str, tmp_path: Path) -> None:
    frame = _feedback_export(tmp_path / "feedback")
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
