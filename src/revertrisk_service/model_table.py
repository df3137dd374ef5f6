"""The served models, one row each: the only place their names are written.

A row gives a model's name (its KServe name and its artifact's folder), the word that picks it on
the command line (`revertrisk train multilingual`), the modules that load and train it, and its
wiki rule. The settings, the registry, the command line, the loaders and the trainers all read
these rows. The loader and trainer are named by module rather than imported: they import XGBoost,
CatBoost or torch, which a process loads only for the model it serves or trains, and they read
this table themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGE_AGNOSTIC = "revertrisk-language-agnostic"
MULTILINGUAL = "revertrisk-multilingual"


@dataclass(frozen=True)
class ServedModel:
    name: str
    # `revertrisk train <command>` (and ablate, disparate-impact).
    command: str
    # The module whose `load_served(model_dir, settings)` loads the artifact.
    loader: str
    # The module whose `main` (and `main_from_table`) trains it.
    trainer: str
    # The wiki rule: a wiki its manifest does not list is served (the language-agnostic model
    # needs no language-specific resources) or refused (the multilingual one).
    serves_every_wiki_unlisted: bool
    # Whether its manifest may read signals of the optional extras, which are checked from the
    # manifest before the server starts.
    reads_optional_packages: bool = False


MODELS: tuple[ServedModel, ...] = (
    ServedModel(
        LANGUAGE_AGNOSTIC,
        command="language-agnostic",
        loader="revertrisk_service.models.language_agnostic.model",
        trainer="revertrisk_service.training.language_agnostic",
        serves_every_wiki_unlisted=True,
    ),
    ServedModel(
        MULTILINGUAL,
        command="multilingual",
        loader="revertrisk_service.models.multilingual.model",
        trainer="revertrisk_service.training.multilingual",
        serves_every_wiki_unlisted=False,
        reads_optional_packages=True,
    ),
)
MODEL_NAMES: tuple[str, ...] = tuple(m.name for m in MODELS)
COMMANDS: tuple[str, ...] = tuple(m.command for m in MODELS)


def served_model(name: str) -> ServedModel:
    """The row of a model name; ValueError for a name no row has."""
    for model in MODELS:
        if model.name == name:
            return model
    raise ValueError(f"Unknown model {name!r}")


def model_for_command(command: str) -> ServedModel | None:
    """The row the command line's word picks, or None."""
    return next((m for m in MODELS if m.command == command), None)
