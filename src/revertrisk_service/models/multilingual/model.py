"""revertrisk-multilingual as a `Scorer`: load the artifact once, score batches of edits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from catboost import CatBoostClassifier, CatBoostError

from revertrisk_service.config import Settings
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.explanations.tree_shap import (
    Explained,
    catboost_explain,
    stored_explanation,
)
from revertrisk_service.locations import artifact_dir
from revertrisk_service.model_table import MULTILINGUAL
from revertrisk_service.models.manifest import ModelManifest, check_features, load_manifest
from revertrisk_service.models.multilingual.features import (
    ALL_FEATURES,
    CATEGORICAL_FEATURES,
    DEFAULT_MAX_TEXTS_PER_REVISION,
    feature_frame,
    text_features,
    uses_text_models,
)
from revertrisk_service.models.multilingual.text_classifiers import (
    DEFAULT_MAX_LENGTH,
    TEXT_EXTRA_HINT,
    TextClassifier,
    missing_text_packages,
)
from revertrisk_service.models.scorer import ManifestIdentity
from revertrisk_service.signals import SignalValues, missing_packages
from revertrisk_service.signals.text_models import TEXT_KINDS

MODEL_FILE = "model.cbm"
DEFAULT_MODEL_DIR = artifact_dir(MULTILINGUAL)


def check_packages(manifest: ModelManifest) -> None:
    """Fail in one line when the artifact reads signals whose optional packages (the `signals`
    or `text` extra) this installation lacks. The serving process calls it from the manifest
    alone, before any scoring process starts, so the line is not lost in their tracebacks."""
    missing = missing_packages(manifest.features)
    if missing:
        raise ModelArtifactError(
            f"{manifest.name} {manifest.version} reads word priors or language ID, which need "
            f"{', '.join(missing)}: install revertrisk-service[signals]",
            model=manifest.name,
        )
    missing = missing_text_packages() if uses_text_models(manifest.features) else []
    if missing:
        raise ModelArtifactError(
            f"{manifest.name} {manifest.version} reads text classifiers' scores, which need "
            f"{', '.join(missing)}: {TEXT_EXTRA_HINT}",
            model=manifest.name,
        )


class MultilingualModel(ManifestIdentity):
    """CatBoost over the manifest's features, with the four text classifiers when the artifact
    was trained on their outputs. Serves only the wikis listed in the manifest."""

    SERVES_EVERY_WIKI_UNLISTED = False

    def __init__(
        self,
        manifest: ModelManifest,
        booster: CatBoostClassifier,
        classifiers: Mapping[str, TextClassifier],
        max_texts_per_revision: int,
    ) -> None:
        super().__init__(manifest)
        self._booster = booster
        self.classifiers = dict(classifiers)
        self.max_texts_per_revision = max_texts_per_revision
        self.feature_names = tuple(manifest.features)

    @classmethod
    def load(
        cls,
        model_dir: Path = DEFAULT_MODEL_DIR,
        device: str = "auto",
        max_length: int = DEFAULT_MAX_LENGTH,
        max_texts_per_revision: int = DEFAULT_MAX_TEXTS_PER_REVISION,
    ) -> MultilingualModel:
        """Load and check the artifact. Any sequence-classification checkpoint (the project's
        small BERTs or a production mBERT) can sit in text_models/<kind>/; they are loaded only
        when the artifact was trained on their outputs."""
        model_dir = Path(model_dir)
        manifest = load_manifest(model_dir)
        unknown = [name for name in manifest.features if name not in ALL_FEATURES]
        if unknown:
            # The same message as an order or length mismatch: the code cannot compute them.
            check_features(manifest, ALL_FEATURES)
        check_packages(manifest)
        booster = CatBoostClassifier()
        try:
            booster.load_model(str(model_dir / MODEL_FILE), format="cbm")
        except CatBoostError as exc:
            raise ModelArtifactError(
                f"Cannot load {model_dir / MODEL_FILE}: {exc}", model=manifest.name
            ) from None
        if list(booster.feature_names_) != list(manifest.features):
            raise ModelArtifactError(
                f"{model_dir / MODEL_FILE} was trained on {len(booster.feature_names_)} features "
                f"but model.json lists {len(manifest.features)} (or another order): a stale "
                "manifest; rerun `make models`",
                model=manifest.name,
            )
        default_dirs = {kind: f"text_models/{kind}" for kind in TEXT_KINDS}
        text_dirs = manifest.text_models or default_dirs
        classifiers = {}
        for kind in TEXT_KINDS if uses_text_models(manifest.features) else ():
            path = model_dir / text_dirs[kind]
            try:
                classifiers[kind] = TextClassifier.load(path, device, max_length)
            except (OSError, ValueError) as exc:
                raise ModelArtifactError(
                    f"Cannot load the {kind} text classifier from {path}: {exc}",
                    model=manifest.name,
                ) from None
        return cls(manifest, booster, classifiers, max_texts_per_revision)

    # The stages are public so the benchmark can time them one by one. Which wikis are served
    # is checked once, by the callers (serving.model, precache), through supports().
    def text_scores(self, values: Sequence[SignalValues]) -> dict[str, np.ndarray] | None:
        if not self.classifiers:
            return None
        return text_features(
            self.classifiers, [v["edit_texts"] for v in values], self.max_texts_per_revision
        )

    def predict(
        self, values: Sequence[SignalValues], text_scores: Mapping[str, np.ndarray] | None
    ) -> list[float]:
        frame = feature_frame(values, text_scores, self.feature_names)
        probabilities = self._booster.predict_proba(frame, thread_count=1)[:, 1]
        return [float(p) for p in probabilities]

    def score(self, values: Sequence[SignalValues]) -> list[float]:
        if not values:
            return []
        return self.predict(values, self.text_scores(values))

    def explain(self, values: Sequence[SignalValues]) -> list[Explained]:
        """Each edit's probability, exactly as `score` gives it, with its SHAP contributions."""
        if not values:
            return []
        frame = feature_frame(values, self.text_scores(values), self.feature_names)
        # The same model on the same frame as `predict`, through a Pool the SHAP call shares.
        probabilities, bases, contributions = catboost_explain(
            self._booster, frame, list(CATEGORICAL_FEATURES)
        )
        rows = frame.astype(object).to_numpy().tolist()
        return [
            Explained(float(p), stored_explanation(base, read, row))
            for p, base, read, row in zip(probabilities, bases, rows, contributions, strict=True)
        ]


def load_served(model_dir: Path, settings: Settings) -> MultilingualModel:
    """The registry's loader (model_table): the service's device and text limits."""
    limits = (settings.max_text_length, settings.max_texts_per_revision)
    return MultilingualModel.load(model_dir, settings.device, *limits)
