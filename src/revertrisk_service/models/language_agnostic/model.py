"""The language-agnostic revert-risk model as a `Scorer`: XGBoost over `FEATURE_NAMES`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import xgboost as xgb

from revertrisk_service.config import Settings
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.explanations.tree_shap import (
    Explained,
    XGBoostExplainer,
    stored_explanation,
)
from revertrisk_service.locations import artifact_dir
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.features import (
    FEATURE_NAMES,
    feature_matrix,
    feature_vector,
)
from revertrisk_service.models.manifest import ModelManifest, check_features, load_manifest
from revertrisk_service.models.scorer import ManifestIdentity
from revertrisk_service.signals import SignalValues

MODEL_FILE = "model.ubj"
DEFAULT_MODEL_DIR = artifact_dir(LANGUAGE_AGNOSTIC)


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

    @cached_property
    def _explainer(self) -> XGBoostExplainer:
        # Built on the first explanation asked for: a server that is never asked pays nothing.
        return XGBoostExplainer(self._booster)

    def explain(self, values: Sequence[SignalValues]) -> list[Explained]:
        """Each edit's probability, exactly as `score` gives it, with its SHAP contributions."""
        if not values:
            return []
        probabilities = self.score(values)
        read = [feature_vector(v) for v in values]
        bases, contributions = self._explainer.contributions(feature_matrix(values))
        return [
            Explained(p, stored_explanation(base, row_values, row))
            for p, base, row_values, row in zip(
                probabilities, bases, read, contributions, strict=True
            )
        ]


def load_served(model_dir: Path, settings: Settings) -> LanguageAgnosticModel:
    """The registry's loader (model_table): no setting changes how this model loads."""
    return LanguageAgnosticModel.load(model_dir)
