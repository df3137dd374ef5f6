"""Where things live on disk: the shipped artifacts, the labelled data and the files inside a
model's artifact directory, for a checkout or an install. Training writes these places and the
settings, the loaders and the model cards read them, so they sit below all of them.

In a checkout (an editable install) both are found next to the source tree. A regular install
has no checkout around it, so the defaults fall back to the working directory, as the README
and the container image use it: `./models` and `../shared/data`.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def checkout_root() -> Path | None:
    """The repository root when running from a checkout; None for a regular install."""
    root = _CHECKOUT_ROOT
    is_checkout = (root / "pyproject.toml").is_file() and (root / "src" / "revertrisk_service").is_dir()
    return root if is_checkout else None


def default_models_dir() -> Path:
    """models/ at the repository root, where `make models` writes the shipped artifacts;
    ./models outside a checkout."""
    root = checkout_root()
    return (root if root is not None else Path.cwd()) / "models"


def default_data_dir() -> Path:
    """$DATA_DIR, else ../shared/data beside the checkout (or beside the working directory)."""
    configured = os.environ.get("DATA_DIR")
    if configured:
        return Path(configured)
    root = checkout_root()
    return (root if root is not None else Path.cwd()).parent / "shared" / "data"


REPO_ROOT = checkout_root() or Path.cwd()
ARTIFACTS_DIR = default_models_dir()
DEFAULT_DATA_DIR = default_data_dir()


def artifact_dir(model_name: str) -> Path:
    return ARTIFACTS_DIR / model_name


# File names inside a model's artifact directory, shared by training, evaluation and serving.
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
