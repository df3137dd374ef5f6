"""The contract between the callers (serving, precaching) and a model: solved signal values in,
revert probabilities out.

A model names the signals it reads (`signal_names`, from its manifest's feature list); the caller
solves exactly those for each edit (`signals_for`, once per edit for every model that asks) and
hands each model the values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from revertrisk_service.explanations.explained import Explained
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.manifest import ModelManifest
from revertrisk_service.signals import SignalValues, edit_signals, model_inputs
from revertrisk_service.wikis import Wiki


@runtime_checkable
class Scorer(Protocol):
    """A loaded model. `score` is CPU-bound and synchronous: the server runs it off the event loop."""

    name: str
    version: str
    # The signals this model's `score` reads, for the solver.
    signal_names: tuple[str, ...]
    # The model's inputs in artifact order: what an explanation's contributions are about.
    feature_names: tuple[str, ...]

    def supports(self, wiki: Wiki) -> bool:
        """Whether this model serves that wiki at all."""
        ...

    def supported_langs(self) -> list[str] | None:
        """The language codes served, or None when every Wikipedia is."""
        ...

    def score(self, values: Sequence[SignalValues]) -> list[float]:
        """The probability that each edit gets reverted, in order."""
        ...

    def explain(self, values: Sequence[SignalValues]) -> list[Explained]:
        """`score`'s probabilities, each with its SHAP explanation (explanations.tree_shap)."""
        ...


def signals_needed(scorers: Iterable[Scorer]) -> tuple[str, ...]:
    """The signals that these models read, each once."""
    return tuple(dict.fromkeys(name for scorer in scorers for name in scorer.signal_names))


def signals_for(context: EditContext, scorers: Iterable[Scorer]) -> SignalValues:
    """Every signal these models read, of one fetched edit: each computed once, and nothing that
    none of them reads."""
    return edit_signals(context, signals_needed(scorers))


class ManifestIdentity:
    """Name, version and served wikis, read from a model's manifest: shared by the loaded models
    and by ManifestOnlyScorer, so that both answer `supports` the same way."""

    # Whether a manifest without a wiki list means every Wikipedia (the language-agnostic model)
    # or none (the multilingual model, which must never claim a wiki it was not built for).
    SERVES_EVERY_WIKI_UNLISTED = True

    def __init__(self, manifest: ModelManifest) -> None:
        self.manifest = manifest
        self.name = manifest.name
        self.version = manifest.version
        self.feature_names = tuple(manifest.features)

    @property
    def signal_names(self) -> tuple[str, ...]:
        return model_inputs(self.manifest.features)

    def supports(self, wiki: Wiki) -> bool:
        if self.manifest.supported_wikis is None:
            return self.SERVES_EVERY_WIKI_UNLISTED
        return self.manifest.supports(wiki)

    def supported_langs(self) -> list[str] | None:
        langs = self.manifest.supported_langs()
        if langs is None and not self.SERVES_EVERY_WIKI_UNLISTED:
            return []
        return langs


class ManifestOnlyScorer(ManifestIdentity):
    """A model as the serving or precaching process sees it when scoring runs in worker
    processes (scoring.scoring_pool), each of which loads the model itself: the process that
    routes requests then needs the manifest only, not a second copy of the weights."""

    def __init__(self, manifest: ModelManifest, serves_every_wiki_unlisted: bool) -> None:
        super().__init__(manifest)
        self.SERVES_EVERY_WIKI_UNLISTED = serves_every_wiki_unlisted

    def score(self, values: Sequence[SignalValues]) -> list[float]:
        raise RuntimeError(f"{self.name} is scored in the scoring processes, not in this one")

    def explain(self, values: Sequence[SignalValues]) -> list[Explained]:
        raise RuntimeError(f"{self.name} is explained in the scoring processes, not in this one")
