"""Builds what both entry points (`revertrisk serve` and `revertrisk precache`) run on, from one
`Settings`: the MediaWiki client, the score cache, the scoring engine (once per process) and the
models that answer through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from revertrisk_service.cache import (
    GuardedRedis,
    MemoryScoreCache,
    RedisInflight,
    RedisScoreCache,
    ScoreCache,
)
from revertrisk_service.cache.tiered import TieredScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.cpus import available_cpus
from revertrisk_service.kafka_connection import KafkaConfigError, connection_from_settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.models.registry import describe_scorer, load_scorer, read_manifest
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.prediction_events.kafka_producer import (
    KafkaEventProducer,
    producer_settings,
)
from revertrisk_service.prediction_events.poster import EventGatePoster, PosterSettings
from revertrisk_service.scored_edits import ScoreListeners
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ProcessScoring, ScoringRunner, ThreadScoring
from revertrisk_service.scoring.shadow import Shadowing
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.wikis import Wiki

if TYPE_CHECKING:
    from revertrisk_service.versions.live import LiveVersions


def cpu_workers() -> int:
    """Threads for CPU work when no scoring processes are used (cgroup quota aware)."""
    return available_cpus()


def build_mediawiki_client(settings: Settings) -> MediaWikiClient:
    return MediaWikiClient(
        wiki_url=settings.wiki_url,
        user_agent=settings.user_agent,
        timeout_s=settings.http_timeout_s,
        total_deadline_s=settings.mediawiki_deadline_s,
        max_retries=settings.mediawiki_max_retries,
        max_concurrency=settings.mediawiki_max_concurrency,
    )


def build_cache_layer(settings: Settings) -> CacheLayer:
    cache_settings = CacheSettings(
        ttl_s=settings.cache_ttl_s, negative_ttl_s=settings.negative_cache_ttl_s
    )
    if not settings.redis_url:
        return CacheLayer(MemoryScoreCache(settings.cache_max_entries), cache_settings)
    guarded = GuardedRedis(settings.redis_url)
    shared: ScoreCache = RedisScoreCache(settings.redis_url, guarded=guarded)
    if settings.local_cache_ttl_s > 0:
        local = MemoryScoreCache(settings.local_cache_max_entries)
        shared = TieredScoreCache(local, shared, settings.local_cache_ttl_s)
    return CacheLayer(
        shared,
        cache_settings,
        inflight=RedisInflight(guarded),
    )


def build_scorers(settings: Settings, runner: ScoringRunner | None = None) -> list[Scorer]:
    loader = scorer_loader(runner)
    return [loader(name, settings) for name in settings.enabled_models()]


def scorer_loader(runner: ScoringRunner | None) -> Callable[[str, Settings], Scorer]:
    """With scoring processes, each loads the models itself; this process needs the manifests
    only (about 600 MiB less per model, and a faster start). Otherwise, the models themselves."""
    return describe_scorer if isinstance(runner, ProcessScoring) else load_scorer


def build_event_poster(settings: Settings) -> EventGatePoster | KafkaEventProducer | None:
    """Prediction events go to a Kafka topic when PREDICTION_EVENTS_KAFKA_TOPIC is set, else to
    EventGate when both its URL and stream are set."""
    if settings.prediction_events_kafka_topic:
        return build_kafka_event_producer(settings, settings.prediction_events_kafka_topic)
    if not (settings.eventgate_url and settings.eventgate_stream):
        if settings.eventgate_url or settings.eventgate_stream:
            raise SystemExit("Prediction events need both EVENTGATE_URL and EVENTGATE_STREAM.")
        return None
    return EventGatePoster(
        PosterSettings(
            url=settings.eventgate_url,
            stream=settings.eventgate_stream,
            user_agent=settings.user_agent,
            queue_size=settings.eventgate_queue_size,
            max_attempts=settings.eventgate_max_attempts,
            backoff_initial_s=settings.eventgate_backoff_initial_s,
            backoff_max_s=settings.eventgate_backoff_max_s,
            timeout_s=settings.eventgate_timeout_s,
        )
    )


def build_kafka_event_producer(settings: Settings, topic: str) -> KafkaEventProducer:
    if settings.eventgate_url:
        raise SystemExit("Prediction events go to EVENTGATE_URL or PREDICTION_EVENTS_KAFKA_TOPIC, not both.")
    bootstrap = settings.prediction_events_kafka_bootstrap or settings.kafka_bootstrap
    if not bootstrap:
        raise SystemExit(
            "PREDICTION_EVENTS_KAFKA_TOPIC needs PREDICTION_EVENTS_KAFKA_BOOTSTRAP or KAFKA_BOOTSTRAP."
        )
    try:
        connection = connection_from_settings(settings, bootstrap)
    except KafkaConfigError as error:
        raise SystemExit(str(error)) from None
    return KafkaEventProducer(
        producer_settings(connection, topic, stream=settings.eventgate_stream or topic)
    )


def build_scoring(
    client: MediaWikiClient,
    cache: CacheLayer,
    listeners: ScoreListeners,
    runner: ScoringRunner | None = None,
    shadow: Shadowing | None = None,
) -> RevisionScoring:
    """The process's one scoring engine: every model, the ORES layer and in-process precaching
    answer through it, so that a revision is fetched and scored once for all of them. Without
    scoring processes (`runner`), a thread pool sized to the CPUs. With model versions, `shadow`
    puts each champion's challenger into the same scoring call (versions.shadow)."""
    return RevisionScoring(client, runner or ThreadScoring(cpu_workers()), cache, listeners, shadow)


def build_models(
    settings: Settings, scoring: RevisionScoring, live: LiveVersions | None = None
) -> list[RevertRiskModel]:
    """The KServe models, not loaded yet: `load()` reads each artifact. All answer through the
    one engine, `scoring`. With model versions (`live`), each answers with its champion of the
    moment."""
    loader = scorer_loader(scoring.runner)
    return [
        RevertRiskModel(
            name,
            (lambda name=name: live.champion(name))
            if live is not None
            else (lambda name=name: loader(name, settings)),
            scoring,
            max_batch_size=settings.max_batch_size,
            presave_enabled=settings.enable_presave,
            live=live,
        )
        for name in settings.enabled_models()
    ]


class ServedWikis:
    """Which wikis the configured models serve, read from their manifests without loading them."""

    def __init__(self, settings: Settings) -> None:
        self.manifests = [read_manifest(name, settings) for name in settings.enabled_models()]

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.manifests]

    def models_for(self, wiki: Wiki) -> list[str]:
        return [m.name for m in self.manifests if m.supports(wiki)]

    def supports(self, wiki: Wiki) -> bool:
        return any(m.supports(wiki) for m in self.manifests)
