"""The served models by name: how to load each from disk, and which wikis each serves (from its
manifest alone, without loading the model). Each reads its row of model_table."""

from __future__ import annotations

from importlib import import_module

from revertrisk_service.config import Settings
from revertrisk_service.model_table import served_model
from revertrisk_service.models.manifest import ModelManifest, load_manifest
from revertrisk_service.models.scorer import ManifestOnlyScorer, Scorer


def load_scorer(name: str, settings: Settings) -> Scorer:
    # The loader module is imported only here: it brings in the model's libraries.
    loader = import_module(served_model(name).loader)
    scorer: Scorer = loader.load_served(settings.model_dir(name), settings)
    return scorer


def read_manifest(name: str, settings: Settings) -> ModelManifest:
    """The manifest of a configured model: its version and the wikis it serves, cheaply."""
    served_model(name)
    return load_manifest(settings.model_dir(name))


def check_installed_packages(name: str, settings: Settings) -> None:
    """Raise ModelArtifactError when the model's manifest reads signals whose optional packages
    are not installed (see MultilingualModel.check_packages); cheap, from the manifest alone."""
    served = served_model(name)
    if served.reads_optional_packages:
        import_module(served.loader).check_packages(read_manifest(name, settings))


def describe_scorer(name: str, settings: Settings) -> Scorer:
    """The model from its manifest alone, for a process whose scoring processes load it."""
    return ManifestOnlyScorer(
        read_manifest(name, settings),
        serves_every_wiki_unlisted=served_model(name).serves_every_wiki_unlisted,
    )
