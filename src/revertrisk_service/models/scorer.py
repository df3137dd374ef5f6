"""The contract between the callers (serving, precaching) and a model: edit facts in, revert
probabilities out. The facts are computed once per revision (edits.facts) and shared by every model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from revertrisk_service.edits.facts import EditFacts
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

    def score(self, facts: Sequence[EditFacts]) -> list[float]:
        """The probability that each edit gets reverted, in order."""
        ...
