"""`revertrisk precache` in Kafka mode: the consumer the command line and the KAFKA_* settings
describe, and running it over a scorer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.kafka_connection import connection_from_settings
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.kafka_consumer import KafkaPrecacher, KafkaSource
from revertrisk_service.precache.runner import ScoreFn
from revertrisk_service.wikis import Wiki


def kafka_source(settings: Settings, bootstrap: str, **fields: Any) -> KafkaSource:
    """`fields` are KafkaSource's (topics, group, ...). Raises ValueError (KafkaConfigError)
    with one line when a setting cannot work, before anything connects."""
    return KafkaSource(connection=connection_from_settings(settings, bootstrap), **fields)


async def run_kafka_precache(
    source: KafkaSource,
    score_fn: ScoreFn,
    supports: Callable[[Wiki], bool],
    event_filter: PrecacheFilter,
) -> None:
    await KafkaPrecacher(source, score_fn, supports, event_filter).run()
