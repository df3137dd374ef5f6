"""`revertrisk precache` in Kafka mode: the options that select it and the consumer they build."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from revertrisk_service.config import Settings
from revertrisk_service.kafka_connection import connection_from_settings
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.kafka_consumer import KafkaPrecacher, KafkaSource
from revertrisk_service.precache.runner import ScoreFn
from revertrisk_service.wikis import Wiki


@dataclass(frozen=True)
class KafkaOptions:
    bootstrap: str
    topics: tuple[str, ...]
    group: str
    start_from: str = "latest"
    max_in_flight: int = 1000
    session_timeout_ms: int = 30_000
    heartbeat_interval_ms: int = 3_000


def kafka_source(settings: Settings, options: KafkaOptions, concurrency: int) -> KafkaSource:
    """Raises ValueError (KafkaConfigError) with one line when a setting cannot work."""
    return KafkaSource(
        connection=connection_from_settings(settings, options.bootstrap),
        topics=options.topics,
        group=options.group,
        start_from=options.start_from,
        max_in_flight=options.max_in_flight,
        concurrency=concurrency,
        session_timeout_ms=options.session_timeout_ms,
        heartbeat_interval_ms=options.heartbeat_interval_ms,
    )


async def run_kafka_precache(
    source: KafkaSource,
    score_fn: ScoreFn,
    supports: Callable[[Wiki], bool],
    event_filter: PrecacheFilter,
) -> None:
    await KafkaPrecacher(source, score_fn, supports, event_filter).run()
