"""The shipped language-agnostic model in process, in front of a given cache layer and a counted
MediaWiki: scoring tests see exactly which revisions were fetched."""

from __future__ import annotations

from revertrisk_service.config import Settings
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.scoring.cache_layer import CacheLayer
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel
from support.counting_fetcher import CountingFetcher

SCORER = LanguageAgnosticModel.load(Settings().model_dir(LANGUAGE_AGNOSTIC))


def model_with(layer: CacheLayer, fetcher: CountingFetcher) -> RevertRiskModel:
    scoring = RevisionScoring(fetcher, ThreadScoring(2), layer)
    return RevertRiskModel.with_scorer(SCORER, scoring, max_batch_size=50, presave_enabled=False)
