"""Loads the configured models from disk, each behind the Scorer protocol."""

from __future__ import annotations

from revertrisk_service.config import LANGUAGE_AGNOSTIC, MULTILINGUAL, Settings
from revertrisk_service.models.scorer import Scorer


def load_scorer(name: str, settings: Settings) -> Scorer:
    model_dir = settings.model_dir(name)
    if name == LANGUAGE_AGNOSTIC:
        from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel

        return LanguageAgnosticModel.load(model_dir)
    if name == MULTILINGUAL:
        from revertrisk_service.models.multilingual.model import MultilingualModel

        return MultilingualModel.load(
            model_dir,
            device=settings.device,
            max_length=settings.max_text_length,
            max_texts_per_revision=settings.max_texts_per_revision,
        )
    raise ValueError(f"Unknown model {name!r}")
