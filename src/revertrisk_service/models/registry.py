"""The served models by name: how to load each from disk, and which wikis each serves (from its
manifest alone, without loading the model).

`version` picks one installed version (versions.registry) when MODEL_REGISTRY_DIR is set; without
a registry the one shipped artifact is the only version there is."""

from __future__ import annotations

from pathlib import Path

from revertrisk_service.config import LANGUAGE_AGNOSTIC, MULTILINGUAL, Settings
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.models.manifest import ModelManifest, load_manifest
from revertrisk_service.models.scorer import ManifestOnlyScorer, Scorer


def artifact_dir(name: str, settings: Settings, version: str | None = None) -> Path:
    """Where a model's artifact lies: the installed `version` with a registry, else the one
    configured directory."""
    if version is not None and settings.model_registry_dir is not None:
        from revertrisk_service.versions.registry import ModelRegistry

        return ModelRegistry(settings.model_registry_dir).artifact_dir(name, version)
    return settings.model_dir(name)


def _check_version(scorer: Scorer, version: str | None) -> Scorer:
    # Without a registry a request for another version would otherwise score with the shipped
    # one under the wrong name.
    if version is not None and scorer.version != version:
        raise ModelArtifactError(
            f"{scorer.name} version {version} is not installed (found {scorer.version}).",
            model_name=scorer.name,
        )
    return scorer


def load_scorer(name: str, settings: Settings, version: str | None = None) -> Scorer:
    model_dir = artifact_dir(name, settings, version)
    if name == LANGUAGE_AGNOSTIC:
        from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel

        return _check_version(LanguageAgnosticModel.load(model_dir), version)
    if name == MULTILINGUAL:
        from revertrisk_service.models.multilingual.model import MultilingualModel

        return _check_version(
            MultilingualModel.load(
                model_dir,
                device=settings.device,
                max_length=settings.max_text_length,
                max_texts_per_revision=settings.max_texts_per_revision,
            ),
            version,
        )
    raise ValueError(f"Unknown model {name!r}")


def read_manifest(name: str, settings: Settings, version: str | None = None) -> ModelManifest:
    """The manifest of a configured model: its version and the wikis it serves, cheaply."""
    if name not in (LANGUAGE_AGNOSTIC, MULTILINGUAL):
        raise ValueError(f"Unknown model {name!r}")
    return load_manifest(artifact_dir(name, settings, version))


def check_installed_packages(name: str, settings: Settings) -> None:
    """Raise ModelArtifactError when the model's manifest reads signals whose optional packages
    are not installed (see MultilingualModel.check_packages); cheap, from the manifest alone."""
    if name == MULTILINGUAL:
        from revertrisk_service.models.multilingual.model import check_packages

        check_packages(read_manifest(name, settings))


def describe_scorer(name: str, settings: Settings, version: str | None = None) -> Scorer:
    """The model from its manifest alone, for a process whose scoring processes load it."""
    return _check_version(
        ManifestOnlyScorer(
            read_manifest(name, settings, version), serves_every_wiki_unlisted=name != MULTILINGUAL
        ),
        version,
    )
