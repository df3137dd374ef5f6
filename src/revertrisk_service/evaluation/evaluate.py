"""One entry point that turns a model directory's held-out predictions into every transparency file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revertrisk_service.evaluation.ablation_runs import ABLATION_FILE, render_ablation_markdown
from revertrisk_service.evaluation.disparate_impact import (
    DISPARATE_IMPACT_FILE,
    render_disparate_impact_markdown,
)
from revertrisk_service.evaluation.model_card import render_model_card_markdown
from revertrisk_service.evaluation.report import (
    evaluate_predictions,
    headline_thresholds,
    write_evaluation,
)
from revertrisk_service.evaluation.thresholds import compute_threshold_table, save_threshold_table
from revertrisk_service.locations import (
    EVALUATION_MD,
    MANIFEST_FILE,
    MODEL_CARD_MD,
    PREDICTIONS_FILE,
)
from revertrisk_service.training.progress import progress_bar
from revertrisk_service.transparency.model_card import build_model_card

REQUIRED_COLUMNS = ("wiki_db", "is_anonymous", "label", "score")


def _as_bool(column: pd.Series) -> np.ndarray:
    """Accept booleans, 0/1 and 'True'/'False' strings, whichever the trainer wrote."""
    if column.dtype == bool:
        return column.to_numpy()
    return column.astype(str).str.strip().str.lower().isin(("true", "1", "1.0", "yes")).to_numpy()


def load_predictions(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} lacks columns {missing}; it needs {list(REQUIRED_COLUMNS)}")
    return frame


def evaluate_model_dir(
    model_dir: Path, *, seed: int = 42, min_positives: int = 5, min_negatives: int = 5
) -> dict[str, Any]:
    """Write evaluation.json, EVALUATION.md, plots/, thresholds.json and MODEL_CARD.md into model_dir.

    Returns the model card (which embeds the headline evaluation figures).
    """
    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    frame = load_predictions(model_dir / PREDICTIONS_FILE)
    labels = frame["label"].astype(int).to_numpy()
    scores = frame["score"].astype(float).to_numpy()
    with progress_bar(f"evaluating {manifest.get('name', model_dir.name)}", 4) as step:
        report = evaluate_predictions(
            labels,
            scores,
            frame["wiki_db"].astype(str).to_numpy(),
            _as_bool(frame["is_anonymous"]),
            seed=seed,
            min_positives=min_positives,
            min_negatives=min_negatives,
        )
        step("bootstrap intervals")
        table = compute_threshold_table(labels, scores)
        report["operating_points"] = headline_thresholds(table)
        save_threshold_table(table, model_dir)
        step("thresholds")
        title = (
            f"Evaluation: {manifest.get('name', model_dir.name)} {manifest.get('version', '')}"
        ).strip()
        ablation_path = model_dir / ABLATION_FILE
        if ablation_path.is_file():
            report["ablation"] = json.loads(ablation_path.read_text(encoding="utf-8"))
        disparate_path = model_dir / DISPARATE_IMPACT_FILE
        if disparate_path.is_file():
            report["disparate_impact_cv"] = json.loads(disparate_path.read_text(encoding="utf-8"))
        report["split"] = manifest.get("split") or manifest.get("training_data", {}).get("split")
        write_evaluation(report, table, model_dir, title=title)
        with (model_dir / EVALUATION_MD).open("a", encoding="utf-8") as markdown:
            if "disparate_impact_cv" in report:
                markdown.write("\n" + render_disparate_impact_markdown(
                    report["disparate_impact_cv"], report["per_user_group"]))
            if "ablation" in report:
                markdown.write("\n" + render_ablation_markdown(report["ablation"]))
        step("report and plots")
        card = build_model_card(manifest, report)
        (model_dir / MODEL_CARD_MD).write_text(render_model_card_markdown(card), encoding="utf-8")
        step("model card")
    return card
