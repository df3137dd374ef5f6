"""Explanations and the score cache, in process with the real model and the real local MediaWiki
(fetches counted exactly): entries written before explanations existed still answer, a request
for an explanation recomputes them once (counted), and concurrent requests with and without an
explanation both get what they asked for."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY
from support.counting_fetcher import CountingFetcher
from support.in_process_model import SCORER, model_with

from revertrisk_service.cache import MemoryScoreCache, score_cache_key
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.prediction import prediction_body
from revertrisk_service.serving.model import RevertRiskModel

pytestmark = pytest.mark.e2e


def recomputed() -> float:
    value = REGISTRY.get_sample_value(
        "revertrisk_explanations_recomputed_total", {"model": LANGUAGE_AGNOSTIC}
    )
    return value or 0.0


def model_over(cache: MemoryScoreCache, fetcher: CountingFetcher) -> RevertRiskModel:
    return model_with(CacheLayer(cache, CacheSettings(ttl_s=3600, negative_ttl_s=60)), fetcher)


async def test_an_entry_from_before_explanations_reads_fine_and_is_explained_on_demand(
    local_wiki, fetcher: CountingFetcher
) -> None:
    rev = local_wiki.revs["sysop_edit"]
    cache = MemoryScoreCache(100)
    # Exactly what the service cached before this change: the Lift Wing body, nothing more.
    old = prediction_body(SCORER.name, SCORER.version, "enwiki", rev, 0.123456)
    await cache.set_many([(score_cache_key(SCORER.name, SCORER.version, "enwiki", rev), old, 60)])
    model = model_over(cache, fetcher)

    body, headers = await model({"lang": "en", "rev_id": rev})
    assert body == old and headers["X-Cache"] == "hit" and fetcher.fetched == []

    before = recomputed()
    explained, headers = await model({"lang": "en", "rev_id": rev, "explain": True})
    assert headers["X-Cache"] == "miss" and fetcher.fetched == [rev]
    assert recomputed() == before + 1
    assert explained["output"]["explanation"]["contributions"]

    # Now stored explained: both kinds of request are hits, without a fetch or a recount.
    again, headers = await model({"lang": "en", "rev_id": rev, "explain": True})
    assert again == explained and headers["X-Cache"] == "hit"
    plain, headers = await model({"lang": "en", "rev_id": rev})
    assert "explanation" not in plain["output"] and headers["X-Cache"] == "hit"
    assert fetcher.fetched == [rev] and recomputed() == before + 1


async def test_concurrent_requests_with_and_without_explanation(
    local_wiki, fetcher: CountingFetcher
) -> None:
    rev = local_wiki.revs["bot_edit"]
    model = model_over(MemoryScoreCache(100), fetcher)
    (plain, _), (explained, _) = await asyncio.gather(
        model({"lang": "en", "rev_id": rev}),
        model({"lang": "en", "rev_id": rev, "explain": True, "explain_top": 2}),
    )
    assert "explanation" not in plain["output"]
    assert len(explained["output"]["explanation"]["contributions"]) == 2
    assert plain["output"]["probabilities"] == explained["output"]["probabilities"]
    # Whichever ran first, at most one extra fetch, and the explained score is what is cached.
    assert 1 <= len(fetcher.fetched) <= 2
    again, headers = await model({"lang": "en", "rev_id": rev, "explain": True})
    assert headers["X-Cache"] == "hit" and "explanation" in again["output"]
