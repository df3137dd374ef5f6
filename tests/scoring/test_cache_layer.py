"""The score cache and de-duplication in front of a real model and a real MediaWiki.

Models run in-process here so that MediaWiki fetches can be counted exactly; the HTTP path with
a real Redis is covered at the end with the real server process.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from support.counting_fetcher import CountingFetcher
from support.in_process_model import SCORER, model_with

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.service_process import run_service
from revertrisk_service.cache import GuardedRedis, MemoryScoreCache, RedisInflight, RedisScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.errors import ServiceError
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel

pytestmark = pytest.mark.e2e


def memory_layer() -> CacheLayer:
    return CacheLayer(MemoryScoreCache(1000), CacheSettings(ttl_s=3600, negative_ttl_s=60))


async def call(model: RevertRiskModel, body: dict, headers: dict | None = None) -> tuple[object, dict]:
    return await model(body, headers=headers or {})


async def test_concurrent_identical_requests_fetch_once(local_wiki, fetcher: CountingFetcher) -> None:
    model = model_with(memory_layer(), fetcher)
    rev = local_wiki.revs["registered_edit"]
    (first, h1), (second, h2) = await asyncio.gather(
        call(model, {"lang": "en", "rev_id": rev}), call(model, {"lang": "en", "rev_id": rev})
    )
    assert first == second
    assert fetcher.fetched == [rev]
    assert sorted([h1["X-Cache"], h2["X-Cache"]]) == ["miss", "shared"]
    third, h3 = await call(model, {"lang": "en", "rev_id": rev})
    assert third == first and h3["X-Cache"] == "hit"
    assert fetcher.fetched == [rev]


async def test_the_same_revision_twice_in_one_batch_does_not_deadlock(
    local_wiki, fetcher: CountingFetcher
) -> None:
    # Found by schemathesis: the second copy waited for the first copy's flight, which only
    # resolves when this same request stores its answers.
    model = model_with(memory_layer(), fetcher)
    rev = local_wiki.revs["registered_edit"]
    body = {"instances": [{"lang": "en", "rev_id": rev}] * 3}
    for headers in ({}, {"cache-control": "no-cache"}):
        answer, _ = await asyncio.wait_for(call(model, body, headers), timeout=20)
        assert len(answer["predictions"]) == 3 and not answer["errors"]
        assert len({p["output"]["probabilities"]["true"] for p in answer["predictions"]}) == 1


async def test_batch_computes_only_misses(local_wiki, fetcher: CountingFetcher) -> None:
    model = model_with(memory_layer(), fetcher)
    a, b = local_wiki.revs["registered_edit"], local_wiki.revs["anonymous_edit"]
    await call(model, {"lang": "en", "rev_id": a})
    body, headers = await call(model, {"instances": [{"lang": "en", "rev_id": a}, {"lang": "en", "rev_id": b}]})
    assert [p["revision_id"] for p in body["predictions"]] == [a, b]  # type: ignore[index]
    assert fetcher.fetched == [a, b]
    assert headers["X-Cache"] == "partial" and headers["X-Cache-Hits"] == "1/2"


async def test_errors_are_cached_briefly_and_refresh_bypasses(local_wiki, fetcher: CountingFetcher) -> None:
    model = model_with(memory_layer(), fetcher)
    missing = local_wiki.revs["missing"]
    for _ in range(2):
        with pytest.raises(ServiceError) as caught:
            await call(model, {"lang": "en", "rev_id": missing})
        assert caught.value.code == "revision_not_found" and caught.value.status == 400
    assert fetcher.fetched == [missing]
    rev = local_wiki.revs["sysop_edit"]
    await call(model, {"lang": "en", "rev_id": rev})
    _, headers = await call(model, {"lang": "en", "rev_id": rev}, {"cache-control": "no-cache"})
    assert headers["X-Cache"] == "bypass"
    assert fetcher.fetched == [missing, rev, rev]


async def test_a_new_model_version_never_reads_old_scores(local_wiki, fetcher: CountingFetcher) -> None:
    layer = memory_layer()
    model = model_with(layer, fetcher)
    rev = local_wiki.revs["bot_edit"]
    await call(model, {"lang": "en", "rev_id": rev})
    newer = LanguageAgnosticModel.load(Settings().model_dir(LANGUAGE_AGNOSTIC))
    newer.version = SCORER.version + "-retrained"
    retrained = RevertRiskModel.with_scorer(
        newer, RevisionScoring(fetcher, ThreadScoring(2), layer), max_batch_size=50,
        presave_enabled=False,
    )  # fmt: skip
    body, headers = await call(retrained, {"lang": "en", "rev_id": rev})
    assert headers["X-Cache"] == "miss"
    assert body["model_version"] == newer.version  # type: ignore[index]
    assert fetcher.fetched == [rev, rev]


def redis_layer(url: str) -> CacheLayer:
    guarded = GuardedRedis(url, socket_timeout_s=0.2, failure_threshold=2, cooldown_s=0.3)
    return CacheLayer(
        RedisScoreCache(url, guarded=guarded),
        CacheSettings(ttl_s=3600, negative_ttl_s=60, inflight_wait_s=10),
        inflight=RedisInflight(guarded),
    )


async def test_two_replicas_share_one_computation_through_redis(
    local_wiki, fetcher: CountingFetcher, redis_server: RedisServer
) -> None:
    replica_a = model_with(redis_layer(redis_server.url), fetcher)
    replica_b = model_with(redis_layer(redis_server.url), fetcher)
    rev = local_wiki.revs["minor_edit"]
    (first, _), (second, _) = await asyncio.gather(
        call(replica_a, {"lang": "en", "rev_id": rev}), call(replica_b, {"lang": "en", "rev_id": rev})
    )
    assert first == second
    assert fetcher.fetched == [rev]


async def test_redis_dying_and_coming_back(
    local_wiki, fetcher: CountingFetcher, redis_server: RedisServer
) -> None:
    model = model_with(redis_layer(redis_server.url), fetcher)
    rev = local_wiki.revs["cyrillic_edit"]
    expected, _ = await call(model, {"lang": "ru", "rev_id": rev})
    _, headers = await call(model, {"lang": "ru", "rev_id": rev})
    assert headers["X-Cache"] == "hit"
    redis_server.kill()
    for _ in range(3):
        body, headers = await call(model, {"lang": "ru", "rev_id": rev})
        assert body == expected and headers["X-Cache"] == "miss"
    redis_server.restart()
    await asyncio.sleep(0.4)  # the breaker's cooldown, after which it probes Redis again
    await call(model, {"lang": "ru", "rev_id": rev})
    await call(model, {"lang": "ru", "rev_id": rev})
    _, headers = await call(model, {"lang": "ru", "rev_id": rev})
    assert headers["X-Cache"] == "hit"


def test_http_cache_header_refresh_and_restart_with_redis(
    local_wiki, redis_server: RedisServer, tmp_path: Path
) -> None:
    env = {
        "WIKI_URL": local_wiki.base_url,
        "MODELS": LANGUAGE_AGNOSTIC,
        "REDIS_URL": redis_server.url,
        # Redis alone: the local copy would answer the last request below from memory.
        "LOCAL_CACHE_TTL_S": "0",
    }
    url_path = f"/v1/models/{LANGUAGE_AGNOSTIC}:predict"
    body = {"lang": "ar", "rev_id": local_wiki.revs["arabic_edit"]}
    with run_service(env, tmp_path) as service:
        first = httpx.post(service.base_url + url_path, json=body)
        second = httpx.post(service.base_url + url_path, json=body)
        refreshed = httpx.post(service.base_url + url_path + "?refresh=true", json=body)
        assert [r.headers["x-cache"] for r in (first, second, refreshed)] == ["miss", "hit", "bypass"]
        assert first.json() == second.json() == refreshed.json()
    with run_service(env, tmp_path) as restarted:
        again = httpx.post(restarted.base_url + url_path, json=body)
        assert again.headers["x-cache"] == "hit" and again.json() == first.json()
        redis_server.kill()
        down = httpx.post(restarted.base_url + url_path, json=body)
        assert down.status_code == 200 and down.headers["x-cache"] == "miss"
