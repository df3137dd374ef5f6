"""The served models by name: how to load each from disk, and which wikis each serves (from its
manifest alone, without loading the model). Each reads its row of model_table.

`version` picks one installed version (models.installed_versions) when MODEL_REGISTRY_DIR is set;
without a registry the one shipped artifact is the only version there is."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from revertrisk_service.config import Settings
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.model_table import served_model
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.models.manifest import ModelManifest, load_manifest
from revertrisk_service.models.scorer import ManifestOnlyScorer, Scorer


def artifact_dir(name: str, settings: Settings, version: str | None = None) -> Path:
    """Where a model's artifact lies: the installed `version` with a registry, else the one
    configured directory."""
    if version is not None and settings.model_registry_dir is not None:
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
    # The loader module is imported only here: it brings in the model's libraries.
    loader = import_module(served_model(name).loader)
    scorer: Scorer = loader.load_served(artifact_dir(name, settings, version), settings)
    return _check_version(scorer, version)


def read_manifest(name: str, settings: Settings, version: str | None = None) -> ModelManifest:
    """The manifest of a configured model: its version and the wikis it serves, cheaply."""
    served_model(name)
    return load_manifest(artifact_dir(name, settings, version))


def check_installed_packages(name: str, settings: Settings) -> None:
    """Raise ModelArtifactError when the model's manifest reads signals whose optional packages
    are not installed (see MultilingualModel.check_packages); cheap, from the manifest alone."""
    served = served_model(name)
    if served.reads_optional_packages:
        import_module(served.loader).check_packages(read_manifest(name, settings))


def describe_scorer(name: str, settings: Settings, version: str | None = None) -> Scorer:
    """The model from its manifest alone, for a process whose scoring processes load it."""
    return _check_version(
        ManifestOnlyScorer(
            read_manifest(name, settings, version),
            serves_every_wiki_unlisted=served_model(name).serves_every_wiki_unlisted,
        ),
        version,
    )
