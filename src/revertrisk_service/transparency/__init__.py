"""Model transparency: evaluation figures, threshold statistics and queries, model cards, HTTP routes."""

from revertrisk_service.transparency.evaluate import evaluate_model_dir
from revertrisk_service.transparency.model_card import build_model_card, render_model_card_markdown
from revertrisk_service.transparency.report import evaluate_predictions, write_evaluation
from revertrisk_service.transparency.threshold_query import (
    ThresholdQuery,
    answer_threshold_query,
    parse_threshold_query,
)
from revertrisk_service.transparency.thresholds import (
    ThresholdTable,
    compute_threshold_table,
    load_threshold_table,
    save_threshold_table,
)

__all__ = [
    "ThresholdQuery",
    "ThresholdTable",
    "answer_threshold_query",
    "build_model_card",
    "compute_threshold_table",
    "evaluate_model_dir",
    "evaluate_predictions",
    "load_threshold_table",
    "parse_threshold_query",
    "render_model_card_markdown",
    "save_threshold_table",
    "write_evaluation",
]
