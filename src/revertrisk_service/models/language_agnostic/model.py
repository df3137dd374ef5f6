"""The language-agnostic revert-risk model as a `Scorer`: XGBoost over `FEATURE_NAMES`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xgboost as xgb

from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.models.language_agnostic.features import FEATURE_NAMES, feature_matrix
from revertrisk_service.models.manifest import ModelManifest, check_features, load_manifest
from revertrisk_service.models.scorer import ManifestIdentity
from revertrisk_service.signals import SignalValues
from revertrisk_service.training.paths import artifact_dir

MODEL_FILE = "model.ubj"
DEFAULT_MODEL_DIR = artifact_dir("revertrisk-language-agnostic")


class LanguageAgnosticModel(ManifestIdentity):
    """Serves every Wikipedia: its features need no language-specific resources."""

    def __init__(self, booster: xgb.Booster, manifest: ModelManifest) -> None:
        super().__init__(manifest)
        self._booster = booster

    @classmethod
    def load(cls, model_dir: Path = DEFAULT_MODEL_DIR) -> LanguageAgnosticModel:
        """Load and check the artifact: a feature list that differs from the code is refused."""
        model_dir = Path(model_dir)
        manifest = load_manifest(model_dir)
        check_features(manifest, FEATURE_NAMES)
        booster = xgb.Booster()
        try:
            booster.load_model(str(model_dir / MODEL_FILE))
        except xgb.core.XGBoostError as exc:
            raise ModelArtifactError(
                f"Cannot load {model_dir / MODEL_FILE}: {exc}", model=manifest.name
            ) from None
        # One thread per prediction: the server scales by running requests side by side.
        booster.set_param({"nthread": 1})
        return cls(booster, manifest)

    def score(self, values: Sequence[SignalValues]) -> list[float]:
        if not values:
            return []
        matrix = feature_matrix(values)
        probabilities = self._booster.inplace_predict(matrix, missing=np.nan)
        return [float(p) for p in probabilities]
