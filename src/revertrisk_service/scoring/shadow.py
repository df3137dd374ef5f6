"""The scoring engine's hook for model versions: a challenger rides its champion's one scoring
call as one more model, `<model>~challenger`, scored from the same solved signals. Which
challengers ride and where their scores go is decided above (versions.shadow.ShadowScoring,
given to the engine by server.assembly.build_scoring); the engine and the scoring processes know
only the shapes below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from revertrisk_service.explanations.explained import Explained
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.scoring.edit_scoring import EditScores
from revertrisk_service.signals import SignalValues
from revertrisk_service.wikis import Wiki

# A challenger travels in the scoring call under `<model>~challenger`, so that its
# probabilities come back beside, not over, its champion's.
SHADOW_SUFFIX = "~challenger"


def shadow_name(name: str) -> str:
    return f"{name}{SHADOW_SUFFIX}"


def shadowed_model(name: str) -> str | None:
    """The model a shadow name stands for; None for a plain model name."""
    return name[: -len(SHADOW_SUFFIX)] if name.endswith(SHADOW_SUFFIX) else None


class ShadowScorer:
    """A challenger as a scorer of its own name, reading the same signals as its model."""

    def __init__(self, inner: Scorer) -> None:
        self.inner = inner
        self.model_name = inner.name
        self.name = shadow_name(inner.name)
        self.version = inner.version
        self.signal_names = inner.signal_names
        self.feature_names = inner.feature_names

    def supports(self, wiki: Wiki) -> bool:
        return self.inner.supports(wiki)

    def supported_langs(self) -> list[str] | None:
        return self.inner.supported_langs()

    def score(self, values: Sequence[SignalValues]) -> list[float]:
        return self.inner.score(values)

    def explain(self, values: Sequence[SignalValues]) -> list[Explained]:
        return self.inner.explain(values)


class Shadowing(Protocol):
    """Which challengers ride along a scoring call, and where their scores go."""

    def challengers_for(self, scorers: Sequence[Scorer]) -> list[ShadowScorer]: ...

    def record(
        self, shadows: Sequence[ShadowScorer], contexts: Sequence[EditContext], scores: EditScores
    ) -> None: ...


class Champions(Protocol):
    """The version each model answers with now (versions.live.LiveVersions)."""

    def champion(self, name: str) -> Scorer: ...
