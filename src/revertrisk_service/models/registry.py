"""The served models by name: how to load each from disk, and which wikis each serves (from its
manifest alone, without loading the model)."""

from __future__ import annotations

from revertrisk_service.config import LANGUAGE_AGNOSTIC, MULTILINGUAL, Settings
from revertrisk_service.models.manifest import ModelManifest, load_manifest
from revertrisk_service.models.scorer import ManifestOnlyScorer, Scorer


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


def read_manifest(name: str, settings: Settings) -> ModelManifest:
    """The manifest of a configured model: its version and the wikis it serves, cheaply."""
    if name not in (LANGUAGE_AGNOSTIC, MULTILINGUAL):
        raise ValueError(f"Unknown model {name!r}")
    return load_manifest(settings.model_dir(name))


def check_installed_packages(name: str, settings: Settings) -> None:
    """Raise ModelArtifactError when the model's manifest reads signals whose optional packages
    are not installed (see MultilingualModel.check_packages); cheap, from the manifest alone."""
    if name == MULTILINGUAL:
        from revertrisk_service.models.multilingual.model import check_packages

        check_packages(read_manifest(name, settings))


def describe_scorer(name: str, settings: Settings) -> Scorer:
    """The model from its manifest alone, for a process whose scoring processes load it."""
    return ManifestOnlyScorer(
        read_manifest(name, settings), serves_every_wiki_unlisted=name != MULTILINGUAL
    )
