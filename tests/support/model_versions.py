"""Two real versions of the language-agnostic model for the version tests: the shipped one, and
one retrained from the same labelled sample with another seed (its own weights, evaluation and
thresholds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from revertrisk_service.config import Settings
from revertrisk_service.evaluation.evaluate import evaluate_model_dir
from revertrisk_service.locations import artifact_dir, default_data_dir
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.outcomes.records import DecisionSource, Outcome, RecordedScore
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.training import language_agnostic as trainer
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.wiring import open_versions

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


EDITS = 600


def decided_edits(store: SqlOutcomeStore, version: str, noise: float, shadow: bool) -> None:
    """The same 600 decided edits (a quarter reverted, a third by anonymous editors), scored by
    `version` with a score that separates them less the more `noise` it has."""
    rng = np.random.default_rng(0)
    reverted = rng.random(EDITS) < 0.25
    anonymous = rng.random(EDITS) < 0.35
    own = np.random.default_rng(int(noise * 1000))
    signal = np.where(reverted, 0.75, 0.2) + own.normal(0, noise, EDITS)
    probabilities = np.clip(signal, 0.001, 0.999)
    now = datetime.now(UTC)
    store.record_scores([
        RecordedScore("enwiki", 10_000 + i, 7, LANGUAGE_AGNOSTIC, version, float(p),
                      bool(anonymous[i]), now - timedelta(hours=2), shadow=shadow)
        for i, p in enumerate(probabilities)
    ])  # fmt: skip
    store.record_outcomes([
        Outcome("enwiki", 10_000 + i, bool(reverted[i]), DecisionSource.SHA1, now)
        for i in range(EDITS)
    ])  # fmt: skip


def registry_with(retrained: Path, **fields: object) -> tuple[Settings, ModelVersions, str]:
    """Settings with a registry (`fields`: model_registry_dir and the rest), whose champion is
    the shipped model, with the retrained one installed (its version last)."""
    settings = Settings(model=LANGUAGE_AGNOSTIC, **fields)  # type: ignore[arg-type]
    versions = open_versions(settings)
    assert versions is not None
    return settings, versions, versions.install(LANGUAGE_AGNOSTIC, retrained)
