"""The contract between the callers (serving, precaching) and a model: edit facts in, revert
probabilities out. The facts are computed once per revision (edits.facts) and shared by every model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from revertrisk_service.edits.facts import EditFacts
from revertrisk_service.explanations.explained import Explained
from revertrisk_service.models.manifest import ModelManifest
from revertrisk_service.wikis import Wiki


@runtime_checkable
class Scorer(Protocol):
    """A loaded model. `score` is CPU-bound and synchronous: the server runs it off the event loop."""

    name: str
    version: str
    # The model's inputs in artifact order: what an explanation's contributions are about.
    feature_names: tuple[str, ...]

    def supports(self, wiki: Wiki) -> bool:
        """Whether this model serves that wiki at all."""
        ...

    def supported_langs(self) -> list[str] | None:
        """The language codes served, or None when every Wikipedia is."""
        ...

    def score(self, facts: Sequence[EditFacts]) -> list[float]:
        """The probability that each edit gets reverted, in order."""
        ...

    def explain(self, facts: Sequence[EditFacts]) -> list[Explained]:
        """`score`'s probabilities, each with its SHAP explanation (explanations.tree_shap)."""
        ...


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
    processes (serving.scoring_pool), each of which loads the model itself: the process that
    routes requests then needs the manifest only, not a second copy of the weights."""

    def __init__(self, manifest: ModelManifest, serves_every_wiki_unlisted: bool) -> None:
        super().__init__(manifest)
        self.SERVES_EVERY_WIKI_UNLISTED = serves_every_wiki_unlisted

    def score(self, facts: Sequence[EditFacts]) -> list[float]:
        raise RuntimeError(f"{self.name} is scored in the scoring processes, not in this one")

    def explain(self, facts: Sequence[EditFacts]) -> list[Explained]:
        raise RuntimeError(f"{self.name} is explained in the scoring processes, not in this one")
