"""Where things live in a checkout: the repository root, the shipped artifacts, the labelled data."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
# models/ at the repository root, where `make models` writes the shipped artifacts.
ARTIFACTS_DIR = REPO_ROOT / "models"
# The project's labelled data sits next to the checkout (../shared/data).
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def artifact_dir(model_name: str) -> Path:
    return ARTIFACTS_DIR / model_name
