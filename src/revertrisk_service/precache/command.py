"""What `revertrisk precache` runs: in-process models (sharing the server's cache) or an HTTP poster,
fed by the SSE stream (precache.sse) or, with --kafka-bootstrap, by a Kafka consumer group
(precache.kafka)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import start_http_server

from revertrisk_service.config import Settings
from revertrisk_service.events import EventRevision
from revertrisk_service.outcomes.recorder import build_score_recorder
from revertrisk_service.outcomes.stream_observer import StreamObserver, build_stream_observer
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.http_poster import HttpPoster
from revertrisk_service.precache.in_process import InProcessPrecacher
from revertrisk_service.precache.kafka.consumer import KafkaSource
from revertrisk_service.precache.kafka.mode import run_kafka_precache
from revertrisk_service.precache.runner import ScoreFn
from revertrisk_service.precache.sse.mode import PrecacheConfig, run_precache
from revertrisk_service.precache.sse.stream import DEFAULT_STREAM_URL
from revertrisk_service.scored_edits import ScoreListeners
from revertrisk_service.scoring.scoring_pool import build_scoring_runner
from revertrisk_service.server.assembly import (
    ServedWikis,
    build_cache_layer,
    build_event_poster,
    build_mediawiki_client,
    build_scorers,
    build_scoring,
)
from revertrisk_service.versions.shadow import ShadowScoring
from revertrisk_service.versions.wiring import (
    Polling,
    champions,
    open_versions,
    start_live_versions,
)


@dataclass(frozen=True)
class PrecacheOptions:
    stream_url: str | None = None
    since: str | None = None
    server_url: str | None = None
    consumer_name: str = "default"
    concurrency: int = 4
    queue_size: int = 1000
    include_bots: bool = False
    metrics_port: int | None = None
    shard: tuple[int, int] | None = None
    # Kafka mode (cli.py builds it, so that setting mistakes fail before anything starts).
    kafka: KafkaSource | None = None


async def run_precache_command(settings: Settings, options: PrecacheOptions) -> None:
    kafka = options.kafka
    if options.metrics_port:
        start_http_server(options.metrics_port)
    config = PrecacheConfig(
        user_agent=settings.user_agent,
        stream_url=options.stream_url or DEFAULT_STREAM_URL,
        since=options.since,
        consumer_name=options.consumer_name,
        redis_url=settings.redis_url,
        concurrency=options.concurrency,
        queue_size=options.queue_size,
        event_filter=PrecacheFilter(include_bots=options.include_bots, shard=options.shard),
    )
    # With outcomes on, every stream event also feeds the revert detector.
    observer = build_stream_observer(settings)
    try:
        if options.server_url:
            await _run_posting(settings, options.server_url, config, kafka, observer)
        else:
            await _run_in_process(settings, config, kafka, observer)
    finally:
        if observer is not None:
            await observer.aclose()


async def _consume(
    config: PrecacheConfig,
    kafka: KafkaSource | None,
    score: ScoreFn,
    supports: Any,
    observer: StreamObserver | None,
) -> None:
    """The edit source: the SSE stream, or a Kafka consumer group when one is configured."""
    if kafka is None:
        await run_precache(config, score, supports=supports, observer=observer)
    else:
        await run_kafka_precache(kafka, score, supports, config.event_filter, observer)


async def _run_posting(
    settings: Settings,
    server_url: str,
    config: PrecacheConfig,
    kafka: KafkaSource | None,
    observer: StreamObserver | None,
) -> None:
    # The server scores, so the server records the scores (with OUTCOMES_ENABLED there too).
    # The server does the scoring; the manifests say which wikis each model serves.
    served = ServedWikis(settings)
    posters = {
        name: HttpPoster(server_url, name, user_agent=settings.user_agent) for name in served.names
    }

    async def score(revisions: list[EventRevision]) -> list[Any]:
        results: list[dict[str, Any]] = [{} for _ in revisions]
        for name, poster in posters.items():
            picked = [i for i, r in enumerate(revisions) if name in served.models_for(r.wiki)]
            if picked:
                answers = await poster([revisions[i] for i in picked])
                for i, answer in zip(picked, answers, strict=True):
                    results[i][name] = answer
        return [
            {"scores": r} if any(_succeeded(a) for a in r.values()) else {"error": r}
            for r in results
        ]

    try:
        await _consume(config, kafka, score, served.supports, observer)
    finally:
        for poster in posters.values():
            await poster.close()


def _succeeded(answer: Any) -> bool:
    return isinstance(answer, dict) and "error" not in answer


async def _run_in_process(
    settings: Settings,
    config: PrecacheConfig,
    kafka: KafkaSource | None,
    observer: StreamObserver | None,
) -> None:
    client = build_mediawiki_client(settings)
    cache = build_cache_layer(settings)
    poster = build_event_poster(settings)
    versions = open_versions(settings)
    # No HTTP clients to keep responsive here: scoring runs at full priority.
    runner = build_scoring_runner(
        settings,
        settings.enabled_models(),
        niceness=0,
        versions=champions(versions, settings) if versions is not None else None,
    )
    listeners = ScoreListeners()
    if poster is not None:
        poster.attach(listeners)
    recorder = build_score_recorder(settings)
    if recorder is not None:
        recorder.attach(listeners)
    live = start_live_versions(versions, settings, runner) if versions is not None else None
    # Challengers are shadow-scored where scores are recorded (OUTCOMES_ENABLED).
    shadow = ShadowScoring(live, recorder) if live is not None and recorder is not None else None
    scorer = InProcessPrecacher(
        build_scorers(settings, runner) if live is None else [live.champion(n) for n in live.names],
        build_scoring(client, cache, listeners, runner, shadow),
        live,
    )
    polling = Polling(live) if live is not None else None
    if polling is not None:
        await polling.start()
    try:
        await _consume(config, kafka, scorer, scorer.supports, observer)
    finally:
        if polling is not None:
            await polling.stop()
        if poster is not None:
            await poster.aclose()
        if recorder is not None:
            recorder.close()
        runner.close()
        await client.aclose()
        await cache.close()
