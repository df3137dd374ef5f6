"""Two real versions of the language-agnostic model for the version tests: the shipped one, and
one retrained from the same labelled sample with another seed (its own weights, evaluation and
thresholds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from revertrisk_service.config import LANGUAGE_AGNOSTIC
from revertrisk_service.evaluation.evaluate import evaluate_model_dir
from revertrisk_service.models.language_agnostic import train as trainer
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.training.paths import artifact_dir, default_data_dir

SHIPPED = artifact_dir(LANGUAGE_AGNOSTIC)
SHIPPED_VERSION = load_manifest(SHIPPED).version


def train_second_version(parent: Path, seed: int = 7) -> Path:
    data_dir = default_data_dir()
    if not (data_dir / "pan_wvc_11_en_edits.csv").is_file():
        pytest.skip(f"no labelled data at {data_dir} (set DATA_DIR)")
    target = parent / LANGUAGE_AGNOSTIC
    trainer.main(output_dir=target, data_dir=data_dir, seed=seed)
    evaluate_model_dir(target)
    return target
