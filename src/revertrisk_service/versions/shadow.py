"""Shadow scoring: with a challenger set, every edit the champion scores on a miss is scored by
the challenger too, in the same call to the scoring processes, from the same solved signals
(scoring.edit_scoring solves each signal once for all the models of a call). So the challenger
costs its inference only: no extra MediaWiki call, no second parse.

Its scores are recorded in the outcome store as shadow scores and go nowhere else: not into a
response, the cache, the prediction events nor the patrol page. A cache hit scores nothing, so it
is not shadowed either; the edit was shadowed when it was missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.outcomes.records import RecordedScore
from revertrisk_service.scoring.edit_scoring import EditScores
from revertrisk_service.scoring.shadow import ShadowScorer
from revertrisk_service.versions.live import LiveVersions


def shadow_records(
    shadows: Sequence[ShadowScorer], contexts: Sequence[EditContext], scores: EditScores
) -> list[RecordedScore]:
    """The challengers' probabilities of a scoring call as outcome-store rows."""
    now = datetime.now(UTC)
    rows = []
    for shadow in shadows:
        for context, probability in zip(
            contexts, scores.probabilities.get(shadow.name, []), strict=False
        ):
            if probability is None or not shadow.supports(context.wiki):
                continue
            rows.append(
                RecordedScore(
                    wiki_db=context.wiki.dbname,
                    rev_id=context.revision.rev_id,
                    page_id=context.page.page_id,
                    model_name=shadow.model_name,
                    model_version=shadow.version,
                    probability=probability,
                    editor_anonymous=context.user.is_anonymous,
                    scored_at=now,
                    shadow=True,
                    saved_at=context.revision.timestamp,
                )
            )
    return rows


class ScoreSink(Protocol):
    """Where shadow scores are queued for the outcome store (outcomes.recorder.ScoreRecorder,
    which writes them in batches and retries while the database is down)."""

    def offer_recorded(self, score: RecordedScore) -> None: ...


class ShadowScoring:
    """Which challengers ride along a scoring call, and where their scores go."""

    def __init__(self, live: LiveVersions, sink: ScoreSink) -> None:
        self.live = live
        self.sink = sink
        self._wrapped: dict[tuple[str, str], ShadowScorer] = {}

    def challengers_for(self, scorers: Sequence[Scorer]) -> list[ShadowScorer]:
        shadows = []
        for scorer in scorers:
            if scorer.name not in self.live.names:
                continue
            challenger = self.live.challenger(scorer.name)
            if challenger is None or challenger.version == scorer.version:
                continue
            key = (challenger.name, challenger.version)
            if key not in self._wrapped:
                self._wrapped = {key: ShadowScorer(challenger)} | {
                    k: v for k, v in self._wrapped.items() if k[0] != challenger.name
                }
            shadows.append(self._wrapped[key])
        return shadows

    def record(
        self, shadows: Sequence[ShadowScorer], contexts: Sequence[EditContext], scores: EditScores
    ) -> None:
        """Queue the challengers' scores; the champion's answer never waits for the store."""
        for row in shadow_records(shadows, contexts, scores):
            self.sink.offer_recorded(row)
