"""The contract between the HTTP layer and a model: turn fetched edits into revert probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.wikis import Wiki


@runtime_checkable
class Scorer(Protocol):
    """A loaded model. `score` is CPU-bound and synchronous: the server runs it off the event loop."""

    name: str
    version: str

    def supports(self, wiki: Wiki) -> bool:
        """Whether this model serves that wiki at all."""
        ...

    def supported_langs(self) -> list[str] | None:
        """The language codes served, or None when every Wikipedia is."""
        ...

    def score(self, contexts: Sequence[EditContext]) -> list[float]:
        """The probability that each edit gets reverted, in order."""
        ...
