"""Benchmark of the score cache: hit and miss latency over HTTP, and the hit rate precaching buys.

Prints figures; not a test, and nothing here asserts on timings. Everything runs on loopback:
a private redis-server, the real `revertrisk serve` (language-agnostic model, REDIS_URL set)
in a subprocess, a fake MediaWiki with 5-20 KB articles (revertrisk_devtools/article_wiki.py),
and for the hit rate a replayed page_change stream with the real `revertrisk precache` in a
second subprocess.

    .venv/bin/python bench/bench_cache.py [--hits 400] [--misses 200] [--stream-seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import redis
from common import (
    LANGS,
    LANGUAGE_AGNOSTIC,
    Summary,
    fake_wiki,
    header,
    metric_delta,
    page_change,
    precaching,
    redis_server,
    scrape,
    serving,
    wait_for_stream_client,
)

from revertrisk_devtools.flaky_api import FlakyApi, Step
from revertrisk_devtools.sse_server import running_sse_server
from revertrisk_service.cache.keys import score_cache_key
from revertrisk_service.training.progress import progress_bar

MODEL = LANGUAGE_AGNOSTIC
PREDICT_PATH = f"/v1/models/{MODEL}:predict"


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


# -- 1. cache hits ------------------------------------------------------------------------------


def bench_hits(base_url: str, redis_url: str, rounds: int) -> None:
    header("1. Cache hit: full HTTP path vs a raw Redis GET of the same key")
    rev_id = 3  # odd: an edit whose parent is on the same page (see article_wiki.py)
    body = {"lang": "en", "rev_id": rev_id}
    http_ms: list[float] = []
    redis_ms: list[float] = []
    floor_ms: list[float] = []
    statuses: Counter[str] = Counter()
    raw = redis.Redis.from_url(redis_url)
    with (
        httpx.Client(base_url=base_url, timeout=10) as client,
        progress_bar("cache hits, rounds of 3 x 25", rounds // 25) as step,
    ):
        first = client.post(PREDICT_PATH, json=body)
        first.raise_for_status()
        key = score_cache_key(MODEL, first.json()["model_version"], "enwiki", rev_id)
        assert raw.get(key) is not None, f"expected {key} in Redis after the first request"
        for _ in range(50):  # warm-up: connections, code paths, allocator
            client.post(PREDICT_PATH, json=body)
            raw.get(key)
            client.get(f"/v1/models/{MODEL}")
        # Interleaved in blocks so that noise from the shared machine hits all series alike.
        for _ in range(rounds // 25):
            for _ in range(25):
                start = time.perf_counter()
                answer = client.post(PREDICT_PATH, json=body)
                http_ms.append(ms_since(start))
                statuses[answer.headers.get("x-cache", "?")] += 1
            for _ in range(25):
                start = time.perf_counter()
                raw.get(key)
                redis_ms.append(ms_since(start))
            for _ in range(25):
                start = time.perf_counter()
                client.get(f"/v1/models/{MODEL}")
                floor_ms.append(ms_since(start))
            step()
    raw.close()
    http, red, floor = Summary.of(http_ms), Summary.of(redis_ms), Summary.of(floor_ms)
    print(f"HTTP predict, cached revision   {http.line()}   X-Cache: {dict(statuses)}")
    print(f"raw Redis GET (redis-py, sync)  {red.line()}")
    print(f"HTTP GET model ready (no cache) {floor.line()}   <- KServe/uvicorn floor")
    print(
        f"hit minus raw GET: median {http.median - red.median:.2f} ms, "
        f"p95 {http.p95 - red.p95:.2f} ms; ratio of medians {http.median / red.median:.1f}x"
    )
    print(
        f"hit minus the HTTP floor: median {http.median - floor.median:.2f} ms "
        "(request parsing, cache lookup over async Redis, response shaping)"
    )


# -- 2. cache misses ----------------------------------------------------------------------------


STAGES = {
    "preprocess (cache lookup + MediaWiki fetch)": "request_preprocess_seconds",
    "predict (feature extraction + XGBoost)": "request_predict_seconds",
    "postprocess (response + cache store)": "request_postprocess_seconds",
}
MW_QUERIES = ("revisions", "users", "page_creation")


def bench_misses(base_url: str, wiki: FlakyApi, count: int) -> None:
    header("2. Cache miss: distinct revisions, fetched from the loopback fake wiki")
    revs = [10_001 + 2 * i for i in range(count + 20)]
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    with (
        httpx.Client(base_url=base_url, timeout=30) as client,
        progress_bar("cache misses", count) as step,
    ):
        for rev in revs[:20]:  # warm-up on revisions of their own
            client.post(PREDICT_PATH, json={"lang": "en", "rev_id": rev})
        before = scrape(f"{base_url}/metrics")
        wiki_before = len(wiki.requests)
        generating_before = wiki.wiki.answer_seconds
        for rev in revs[20:]:
            start = time.perf_counter()
            answer = client.post(PREDICT_PATH, json={"lang": "en", "rev_id": rev})
            latencies.append(ms_since(start))
            statuses[f"{answer.status_code}/{answer.headers.get('x-cache', '?')}"] += 1
            step()
        after = scrape(f"{base_url}/metrics")
        wiki_calls = len(wiki.requests) - wiki_before
        generating_s = wiki.wiki.answer_seconds - generating_before
    total = Summary.of(latencies)
    print(f"HTTP predict, uncached revision {total.line()}   status/X-Cache: {dict(statuses)}")
    print(
        f"MediaWiki API calls per miss: {wiki_calls / count:.2f}  (5-20 KB wikitext per revision)"
    )
    if not after:
        print("(no /metrics: stage split unavailable)")
        return
    label = f'{{model_name="{MODEL}"}}'
    print("mean time per request by stage (from the server's Prometheus histograms):")
    accounted = 0.0
    for title, metric in STAGES.items():
        seconds = metric_delta(before, after, f"{metric}_sum{label}")
        calls = metric_delta(before, after, f"{metric}_count{label}")
        if calls:
            mean_ms = seconds / calls * 1000
            accounted += mean_ms
            print(f"  {title:46s} {mean_ms:7.2f} ms")
    print(f"  {'HTTP, routing, JSON in/out (the remainder)':46s} {total.mean - accounted:7.2f} ms")
    for query in MW_QUERIES:
        lab = f'{{query="{query}"}}'
        seconds = metric_delta(
            before, after, f"revertrisk_mediawiki_request_duration_seconds_sum{lab}"
        )
        calls = metric_delta(
            before, after, f"revertrisk_mediawiki_request_duration_seconds_count{lab}"
        )
        if calls:
            print(
                f"  MediaWiki '{query}' query: {calls / count:.2f} per miss, "
                f"{seconds / calls * 1000:.2f} ms each"
            )
    print("  (the parent, users and page-creation queries run concurrently after 'revisions')")
    print(
        f"  of which the fake wiki spent {generating_s / count * 1000:.2f} ms per miss generating "
        "texts, in this benchmark's process (it shares the 2 CPUs with the server)"
    )


# -- 3. hit rate on a replayed stream -----------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    rate_per_s: float
    seconds: float
    seed: int = 7
    # Share of stream events that patrollers never ask about and the precacher filters out.
    bot_share: float = 0.08
    creation_share: float = 0.04
    talk_share: float = 0.03
    # How many clients ask about one article edit (patrolling tools, bots, RC filters).
    clients_per_edit: tuple[tuple[int, float], ...] = ((0, 0.30), (1, 0.45), (2, 0.20), (3, 0.05))
    fast_share: float = 0.2  # anti-vandalism bots reacting within half a second
    fast_delay_s: tuple[float, float] = (0.05, 0.5)
    slow_delay_s: tuple[float, float] = (0.5, 5.0)

    def describe(self) -> str:
        clients = ", ".join(f"{n}: {p:.0%}" for n, p in self.clients_per_edit)
        return (
            f"  stream: {self.rate_per_s:g} page_change events/s for {self.seconds:g} s, languages "
            f"{', '.join(LANGS)}; {self.bot_share:.0%} bot edits, {self.creation_share:.0%} page "
            f"creations, {self.talk_share:.0%} talk-page edits (filtered, never requested)\n"
            f"  clients per article edit: {clients}\n"
            f"  each request is sent {self.fast_delay_s[0]}-{self.fast_delay_s[1]} s after the event "
            f"({self.fast_share:.0%}, fast bots) or {self.slow_delay_s[0]}-{self.slow_delay_s[1]} s "
            f"after it (the rest), uniformly\n"
            "  every edit is a distinct 5-20 KB article revision; no request for anything outside "
            "the stream"
        )


@dataclass(frozen=True)
class PlannedEvent:
    at_s: float
    event: dict
    request_delays_s: tuple[float, ...]


def plan(sim: Simulation, first_rev: int) -> list[PlannedEvent]:
    rng = random.Random(sim.seed)
    events: list[PlannedEvent] = []
    counts, weights = zip(*sim.clients_per_edit, strict=True)
    for i in range(int(sim.rate_per_s * sim.seconds)):
        rev = first_rev + 2 * i
        lang = rng.choice(LANGS)
        roll = rng.random()
        delays: tuple[float, ...] = ()
        if roll < sim.bot_share:
            event = page_change(rev, lang, bot=True)
        elif roll < sim.bot_share + sim.creation_share:
            event = page_change(rev, lang, kind="create")
        elif roll < sim.bot_share + sim.creation_share + sim.talk_share:
            event = page_change(rev, lang, namespace=1)
        else:
            event = page_change(rev, lang)
            n = rng.choices(counts, weights)[0]
            delays = tuple(
                rng.uniform(
                    *(sim.fast_delay_s if rng.random() < sim.fast_share else sim.slow_delay_s)
                )
                for _ in range(n)
            )
        # Poisson arrivals at the stream's mean rate.
        at = (events[-1].at_s if events else 0.0) + rng.expovariate(sim.rate_per_s)
        events.append(PlannedEvent(at, event, delays))
    return events


def feed(sse, planned: list[PlannedEvent], t0: float, stop: threading.Event) -> None:
    """Publish each event on the SSE server at its planned time, stamped with that time."""
    for item in planned:
        wait = t0 + item.at_s - time.monotonic()
        if wait > 0 and stop.wait(wait):
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        sse.add_event({**item.event, "dt": now, "meta": {**item.event["meta"], "dt": now}})


async def run_clients(
    base_url: str, planned: list[PlannedEvent], t0: float, step: Callable[..., None]
) -> list[tuple[str, float]]:
    """Send every planned request at its time; (X-Cache, latency ms) per request."""
    results: list[tuple[str, float]] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def one(at_s: float, lang: str, rev_id: int) -> None:
            await asyncio.sleep(max(0.0, t0 + at_s - time.monotonic()))
            start = time.perf_counter()
            try:
                answer = await client.post(PREDICT_PATH, json={"lang": lang, "rev_id": rev_id})
                status = answer.headers.get("x-cache", f"http_{answer.status_code}")
                if answer.status_code != 200:
                    status = f"http_{answer.status_code}"
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            results.append((status, ms_since(start)))
            step()

        await asyncio.gather(
            *(
                one(
                    item.at_s + delay,
                    item.event["meta"]["domain"].split(".")[0],
                    item.event["revision"]["rev_id"],
                )
                for item in planned
                for delay in item.request_delays_s
            )
        )
    return results


def simulate(base_url: str, sse, planned: list[PlannedEvent]) -> list[tuple[str, float]]:
    stop = threading.Event()
    t0 = time.monotonic() + 0.2
    feeder = threading.Thread(target=feed, args=(sse, planned, t0, stop), daemon=True)
    feeder.start()
    requests = sum(len(item.request_delays_s) for item in planned)
    try:
        with progress_bar("stream replay, client requests", requests) as step:
            return asyncio.run(run_clients(base_url, planned, t0, step))
    finally:
        stop.set()
        feeder.join(timeout=5)


def report(title: str, results: list[tuple[str, float]]) -> float:
    statuses = Counter(status for status, _ in results)
    total = len(results) or 1
    hit_share = statuses.get("hit", 0) / total
    shared = statuses.get("shared", 0) / total
    print(
        f"{title}: {len(results)} requests, X-Cache {dict(statuses)}; hit {hit_share:.1%}, "
        f"shared (waited for a computation in flight) {shared:.1%}, hit+shared {hit_share + shared:.1%}"
    )
    for kind in ("hit", "shared", "miss"):
        samples = [ms for status, ms in results if status == kind]
        if samples:
            print(f"    {kind:6s} latency {Summary.of(samples).line()}")
    return hit_share


def bench_hit_rate(
    base_url: str, redis_url: str, wiki: FlakyApi, sim: Simulation, latency_ms: float
) -> None:
    header("3. Hit rate on a replayed stream of recent edits")
    wiki_url = wiki.url
    # Every API call now takes this long, as a remote MediaWiki would: a miss costs two round
    # trips, and the precacher has a real chance to be late for the fastest clients.
    wiki.fallback = Step(delay_s=latency_ms / 1000) if latency_ms > 0 else None
    print("Simulation assumptions:")
    print(sim.describe())
    print(f"  MediaWiki answers every API call after {latency_ms:g} ms (both server and precacher)")
    print(
        "  'without precaching' replays the same plan on fresh revisions with no precacher: its "
        "hits come only from several clients asking about one edit"
    )
    baseline_plan = plan(sim, first_rev=100_001)
    precached_plan = plan(sim, first_rev=500_001)
    wanted = sum(len(p.request_delays_s) for p in baseline_plan)
    print(f"  {len(baseline_plan)} events, {wanted} client requests per run")

    with running_sse_server() as sse:
        baseline = report("without precaching", simulate(base_url, sse, baseline_plan))

    with running_sse_server() as sse, precaching(MODEL, redis_url, wiki_url, sse.url) as precacher:
        if not wait_for_stream_client(sse, precacher, timeout_s=60):
            print("precacher did not start; its log:\n" + precacher.log_tail())
            return
        with_precache = report(
            "with `revertrisk precache` (in-process scoring, shared Redis)",
            simulate(base_url, sse, precached_plan),
        )
        time.sleep(0.5)
        metrics = precacher.metrics()
    scored = metrics.get("revertrisk_precache_scored_total", 0)
    matched = metrics.get("revertrisk_precache_events_matched_total", 0)
    dropped = metrics.get("revertrisk_precache_events_dropped_total", 0)
    errors = metrics.get("revertrisk_precache_errors_total", 0)
    print(
        f"  precacher: matched {matched:.0f}, scored {scored:.0f}, errors {errors:.0f}, "
        f"dropped {dropped:.0f} of {len(precached_plan)} events"
    )
    if baseline > 0:
        print(f"  hit share with precaching / without: {with_precache / baseline:.1f}x")
    print(f"  hit share gained by precaching: {(with_precache - baseline) * 100:+.1f} points")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=400, help="timed cache-hit requests")
    parser.add_argument("--misses", type=int, default=200, help="timed cache-miss requests")
    parser.add_argument(
        "--stream-seconds", type=float, default=40.0, help="length of each stream replay"
    )
    parser.add_argument("--rate", type=float, default=16.0, help="stream events per second")
    parser.add_argument(
        "--wiki-latency-ms", type=float, default=80.0, help="MediaWiki latency per call in part 3"
    )
    args = parser.parse_args()

    started = time.monotonic()
    with redis_server() as redis_srv, fake_wiki() as wiki:
        print(f"redis-server {redis_srv.url}, fake wiki {wiki.url}; starting `revertrisk serve`...")
        with serving(MODEL, redis_srv.url, wiki.url) as service:
            print(
                f"serving {MODEL} at {service.base_url} (ready after {time.monotonic() - started:.1f} s)"
            )
            bench_hits(service.base_url, redis_srv.url, args.hits)
            bench_misses(service.base_url, wiki, args.misses)
            bench_hit_rate(
                service.base_url,
                redis_srv.url,
                wiki,
                Simulation(args.rate, args.stream_seconds),
                args.wiki_latency_ms,
            )
    print(f"\n(total {time.monotonic() - started:.0f} s on {len(os.sched_getaffinity(0))} CPUs)")


if __name__ == "__main__":
    main()
