"""A slow request must not slow the others: cache hits keep being answered while 2 MB
multilingual misses are scored, and the misses' Redis writes are not lost.

Scoring runs in worker processes (scoring/scoring_pool.py), so the event loop that answers hits
and talks to Redis never waits for mwedittypes. This test asserts only what must hold on any
machine: every hit succeeds as a hit, and every score computed meanwhile is in Redis with no
Redis failure counted. The latency ratio is measured and recorded by bench/bench_goals.py.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis

from revertrisk_devtools.article_wiki import REV_2MB, ArticleApi
from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.service_process import run_service
from revertrisk_service.cache.keys import score_cache_key

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
ML = "revertrisk-multilingual"


def predict(model: str) -> str:
    return f"/v1/models/{model}:predict"


def test_hits_keep_succeeding_while_2mb_multilingual_misses_run(
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    wiki = ArticleApi()
    wiki.start()
    slow_revs = [REV_2MB + 2 * i for i in range(2)]
    for rev in slow_revs:  # generated here once, not while the service waits for them
        wiki.wiki.text_of(rev - 1)
        wiki.wiki.text_of(rev)
    env = {
        "MODELS": f"{LA},{ML}",
        "WIKI_URL": wiki.url,
        "REDIS_URL": redis_server.url,
        "LOG_LEVEL": "WARNING",
    }
    try:
        with run_service(env, tmp_path, ready_timeout_s=300) as service:
            hit_body = {"lang": "en", "rev_id": 10_001}
            with httpx.Client(base_url=service.base_url, timeout=60) as client:
                client.post(predict(LA), json=hit_body).raise_for_status()
                slow_answers: list[httpx.Response] = []

                def misses() -> None:
                    with httpx.Client(base_url=service.base_url, timeout=120) as slow:
                        for rev in slow_revs:
                            body = {"lang": "en", "rev_id": rev}
                            slow_answers.append(slow.post(predict(ML), json=body))

                loader = threading.Thread(target=misses)
                loader.start()
                latencies, outcomes = [], []
                while loader.is_alive():
                    start = time.perf_counter()
                    answer = client.post(predict(LA), json=hit_body)
                    latencies.append((time.perf_counter() - start) * 1000)
                    outcomes.append((answer.status_code, answer.headers.get("x-cache")))
                    time.sleep(0.01)
                loader.join()
                metrics = client.get("/metrics").text
            print(
                f"\n{len(latencies)} hits during the misses: median "
                f"{statistics.median(latencies):.2f} ms, max {max(latencies):.2f} ms"
            )
            assert outcomes and set(outcomes) == {(200, "hit")}
            assert [a.status_code for a in slow_answers] == [200, 200], [
                a.text[:300] for a in slow_answers
            ]
            raw = redis.Redis.from_url(redis_server.url)
            try:
                for answer in slow_answers:
                    key = score_cache_key(
                        ML, answer.json()["model_version"], "enwiki", answer.json()["revision_id"]
                    )
                    assert raw.get(key) is not None, f"{key} was not written to Redis"
            finally:
                raw.close()
            failures = [
                line
                for line in metrics.splitlines()
                if line.startswith("revertrisk_redis_failures_total") and not line.endswith(" 0.0")
            ]
            assert not failures, failures
    finally:
        wiki.stop()
