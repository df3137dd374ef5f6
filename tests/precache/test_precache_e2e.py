"""Precaching end to end: a real SSE stream of edits to a real MediaWiki fills the serving cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from support.counting_fetcher import CountingFetcher

from revertrisk_devtools.sse_server import SSEServer
from revertrisk_service.cache import MemoryScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.precache import MemoryCheckpoint, PrecacheRunner
from revertrisk_service.precache.in_process import InProcessPrecacher
from revertrisk_service.precache.sse.stream import EventStream
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel

pytestmark = pytest.mark.e2e


def page_change(rev_id: int, parent_id: int, *, kind: str = "edit", bot: bool = False, ns: int = 0) -> dict:
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org", "dt": "2026-11-22T10:00:00Z"},
        "dt": "2026-11-22T10:00:00Z",
        "wiki_id": "enwiki",
        "page_change_kind": kind,
        "page": {"page_id": 1, "page_title": "Photosynthesis", "namespace_id": ns},
        "performer": {"user_text": "X", "user_is_bot": bot, "groups": ["*"]},
        "revision": {"rev_id": rev_id, "rev_parent_id": parent_id},
    }


@pytest.fixture
async def serving_model(local_wiki) -> AsyncIterator[tuple[RevertRiskModel, CountingFetcher]]:
    client = MediaWikiClient(local_wiki.base_url, "revertrisk-service tests")
    fetcher = CountingFetcher(client)
    scorer = LanguageAgnosticModel.load(Settings().model_dir(LANGUAGE_AGNOSTIC))
    cache = CacheLayer(MemoryScoreCache(100), CacheSettings(ttl_s=3600, negative_ttl_s=60))
    scoring = RevisionScoring(fetcher, ThreadScoring(2), cache)
    model = RevertRiskModel.with_scorer(scorer, scoring, max_batch_size=50, presave_enabled=False)
    yield model, fetcher
    await client.aclose()


async def test_stream_fills_the_cache_that_requests_then_hit(
    local_wiki, sse_server: SSEServer, serving_model
) -> None:
    model, fetcher = serving_model
    revs = local_wiki.revs
    wanted = [revs["registered_edit"], revs["anonymous_edit"], revs["sysop_edit"]]
    sse_server.add_event(page_change(revs["registered_edit"], revs["page_creation"]))
    sse_server.add_event(page_change(revs["bot_edit"], revs["identity_revert"], bot=True))
    sse_server.add_event(page_change(revs["anonymous_edit"], revs["registered_edit"]))
    sse_server.add_event(page_change(revs["page_creation"], 0, kind="create"))
    sse_server.add_event(page_change(revs["sysop_edit"], revs["bot_edit"]))
    last = sse_server.add_event(page_change(revs["minor_edit"], revs["sysop_edit"], ns=1))
    sse_server.state.drop_after = [2]  # the stream drops once mid-way and is resumed

    checkpoint = MemoryCheckpoint()
    assert model.cache is not None
    # The engine the model answers through, as `revertrisk precache` and the server share one.
    scorer = InProcessPrecacher([model.loaded], model.scoring)
    stream = EventStream(sse_server.url, user_agent="tests", backoff_initial_s=0.01, backoff_max_s=0.05)
    runner = PrecacheRunner(stream, scorer, checkpoint, scorer.supports, commit_interval_s=0.01)
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(30):
            while checkpoint.event_id != last:
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    # Bots, page creations and other namespaces are filtered out; each edit scored exactly once.
    assert sorted(fetcher.fetched) == sorted(wanted)
    for rev in wanted:
        _, headers = await model({"lang": "en", "rev_id": rev}, headers={})
        assert headers["X-Cache"] == "hit"
    assert sorted(fetcher.fetched) == sorted(wanted)
