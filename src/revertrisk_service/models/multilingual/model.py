"""revertrisk-multilingual as a `Scorer`: load the artifact once, score batches of edits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from catboost import CatBoostClassifier, CatBoostError

from revertrisk_service.edits.edit_types import diff_wikitext
from revertrisk_service.edits.texts import (
    DEFAULT_PAIRING_THRESHOLD,
    EditTexts,
    extract_texts,
)
from revertrisk_service.errors import ModelArtifactError, UnsupportedLanguage
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.manifest import ModelManifest, check_features, load_manifest
from revertrisk_service.models.multilingual.features import (
    DEFAULT_MAX_TEXTS_PER_REVISION,
    FEATURE_NAMES,
    RevisionInputs,
    feature_frame,
    text_features,
)
from revertrisk_service.models.multilingual.text_classifiers import (
    DEFAULT_MAX_LENGTH,
    TEXT_KINDS,
    TextClassifier,
)
from revertrisk_service.training.paths import artifact_dir
from revertrisk_service.wikis import Wiki

MODEL_FILE = "model.cbm"
DEFAULT_MODEL_DIR = artifact_dir("revertrisk-multilingual")


def revision_inputs(
    context: EditContext, pairing_threshold: float = DEFAULT_PAIRING_THRESHOLD
) -> RevisionInputs:
    """Edit types and texts of one fetched edit, computed from its parent and current wikitext."""
    diff = diff_wikitext(context.parent.content, context.revision.content, context.wiki.lang)
    texts = extract_texts(diff.tree_diff, context.revision.page_title, pairing_threshold)
    return assemble_inputs(context, diff.counts, texts)


def assemble_inputs(
    context: EditContext, edit_types: Mapping[str, int], texts: EditTexts
) -> RevisionInputs:
    return RevisionInputs(
        wiki_db=context.wiki.dbname,
        edit_types=edit_types,
        texts=texts,
        bytes_diff=context.revision.size - context.parent.size,
        tags=frozenset(context.revision.tags),
        is_anonymous=context.user.is_anonymous,
        groups=frozenset(context.user.groups),
    )


class MultilingualModel:
    """Text classifiers + CatBoost. Serves only the wikis listed in the manifest."""

    def __init__(
        self,
        manifest: ModelManifest,
        booster: CatBoostClassifier,
        classifiers: Mapping[str, TextClassifier],
        max_texts_per_revision: int,
        pairing_threshold: float = DEFAULT_PAIRING_THRESHOLD,
    ) -> None:
        self.manifest = manifest
        self.name = manifest.name
        self.version = manifest.version
        self._booster = booster
        self.classifiers = dict(classifiers)
        self.max_texts_per_revision = max_texts_per_revision
        self.pairing_threshold = pairing_threshold
        wikis = getattr(manifest, "supported_wikis", None) or []
        self._langs = [w["lang"] for w in wikis]
        self._dbnames = {w["dbname"] for w in wikis}

    @classmethod
    def load(
        cls,
        model_dir: Path = DEFAULT_MODEL_DIR,
        device: str = "auto",
        max_length: int = DEFAULT_MAX_LENGTH,
        max_texts_per_revision: int = DEFAULT_MAX_TEXTS_PER_REVISION,
    ) -> MultilingualModel:
        """Load and check the artifact. Any sequence-classification checkpoint (the project's
        small BERTs or a production mBERT) can sit in text_models/<kind>/."""
        model_dir = Path(model_dir)
        manifest = load_manifest(model_dir)
        check_features(manifest, FEATURE_NAMES)
        booster = CatBoostClassifier()
        try:
            booster.load_model(str(model_dir / MODEL_FILE), format="cbm")
        except CatBoostError as exc:
            raise ModelArtifactError(
                f"Cannot load {model_dir / MODEL_FILE}: {exc}", model=manifest.name
            ) from None
        default_dirs = {kind: f"text_models/{kind}" for kind in TEXT_KINDS}
        text_dirs = getattr(manifest, "text_models", None) or default_dirs
        classifiers = {}
        for kind in TEXT_KINDS:
            path = model_dir / text_dirs[kind]
            try:
                classifiers[kind] = TextClassifier.load(path, device, max_length)
            except (OSError, ValueError) as exc:
                raise ModelArtifactError(
                    f"Cannot load the {kind} text classifier from {path}: {exc}",
                    model=manifest.name,
                ) from None
        return cls(manifest, booster, classifiers, max_texts_per_revision)

    def supports(self, wiki: Wiki) -> bool:
        return wiki.dbname in self._dbnames

    def supported_langs(self) -> list[str] | None:
        return list(self._langs)

    # The stages are public so the benchmark can time them one by one.
    def prepare(self, contexts: Sequence[EditContext]) -> list[RevisionInputs]:
        for context in contexts:
            if not self.supports(context.wiki):
                raise UnsupportedLanguage(
                    f"{self.name} does not serve {context.wiki.lang}.wikipedia.org.",
                    lang=context.wiki.lang,
                )
        return [revision_inputs(c, self.pairing_threshold) for c in contexts]

    def text_scores(self, inputs: Sequence[RevisionInputs]) -> dict[str, np.ndarray]:
        return text_features(
            self.classifiers, [r.texts for r in inputs], self.max_texts_per_revision
        )

    def predict(
        self, inputs: Sequence[RevisionInputs], text_scores: Mapping[str, np.ndarray]
    ) -> list[float]:
        frame = feature_frame(inputs, text_scores, FEATURE_NAMES)
        probabilities = self._booster.predict_proba(frame, thread_count=1)[:, 1]
        return [float(p) for p in probabilities]

    def score(self, contexts: Sequence[EditContext]) -> list[float]:
        if not contexts:
            return []
        inputs = self.prepare(contexts)
        return self.predict(inputs, self.text_scores(inputs))
