"""An ORES request for two models fetches each revision once, counted at a loopback fake wiki."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from fastapi import FastAPI

from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_service.cache import MemoryScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.registry import load_scorer
from revertrisk_service.ores.routes import OresModels, build_ores_router
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel

pytestmark = pytest.mark.e2e  # loading the multilingual model takes seconds

SETTINGS = Settings()
NAMES = (LANGUAGE_AGNOSTIC, MULTILINGUAL)


@pytest.fixture(scope="module")
def scorers() -> dict[str, object]:
    return {n: load_scorer(n, SETTINGS) for n in NAMES}


def revisions_asked(wiki: FlakyApi) -> Counter[int]:
    return Counter(
        int(r) for req in wiki.requests_with("revids") for r in req.params["revids"].split("|")
    )


async def ask(
    wiki: FlakyApi, scorers: dict, models: str, revids: str
) -> tuple[httpx.Response, ThreadScoring]:
    """One ORES request through a fresh client and cache: the wiki's requests are its own."""
    wiki.requests.clear()
    client = MediaWikiClient(wiki.url, "revertrisk-service tests")
    runner = ThreadScoring(1)
    cache = CacheLayer(MemoryScoreCache(1000), CacheSettings(ttl_s=3600, negative_ttl_s=60))
    scoring = RevisionScoring(client, runner, cache)
    served = {
        n: RevertRiskModel.with_scorer(scorers[n], scoring, max_batch_size=2, presave_enabled=False)
        for n in NAMES
    }
    app = FastAPI()
    ores = OresModels(served, {}, {n: SETTINGS.model_dir(n) for n in NAMES}, scoring)
    app.include_router(build_ores_router(ores, 1 << 20))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ores") as http:
            response = await http.get(
                "/v3/scores/enwiki/", params={"models": models, "revids": revids}
            )
    finally:
        runner.close()
        await client.aclose()
    return response, runner


async def test_two_models_make_one_set_of_mediawiki_calls_per_revision(
    wiki: FlakyApi, scorers: dict
) -> None:
    one, _ = await ask(wiki, scorers, LANGUAGE_AGNOSTIC, "4001|4002|4003")
    calls_for_one_model = len(wiki.requests)
    both, runner = await ask(wiki, scorers, "|".join(NAMES), "5001|5002|5003")
    assert one.status_code == both.status_code == 200, both.text
    scores = both.json()["enwiki"]["scores"]
    assert all(set(scores[str(r)]) == set(NAMES) for r in (5001, 5002, 5003))
    assert all("score" in entry for by_model in scores.values() for entry in by_model.values())
    # The same MediaWiki calls as for one model, and no revision asked for twice.
    assert len(wiki.requests) == calls_for_one_model
    asked = revisions_asked(wiki)
    assert {5001, 5002, 5003} <= set(asked) and max(asked.values()) == 1
    # One trip to the scoring threads per revision: facts once, both models scored in it.
    assert (runner.counted.calls, runner.counted.edits) == (1, 3)
