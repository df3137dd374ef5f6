"""File names inside a model's artifact directory, shared by training, evaluation and serving."""

from __future__ import annotations

MANIFEST_FILE = "model.json"
PREDICTIONS_FILE = "test_predictions.csv"
EVALUATION_JSON = "evaluation.json"
EVALUATION_MD = "EVALUATION.md"
THRESHOLDS_FILENAME = "thresholds.json"
MODEL_CARD_MD = "MODEL_CARD.md"
PLOT_FILES = {
    "pr_curve": "pr_curve.png",
    "roc_curve": "roc_curve.png",
    "per_language_auc": "per_language_auc.png",
    "reliability": "reliability.png",
}
