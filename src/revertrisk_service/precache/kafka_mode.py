"""`revertrisk precache` in Kafka mode: the consumer the command line and the KAFKA_* settings
describe, and running it over a scorer."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.kafka_connection import connection_from_settings
from revertrisk_service.outcomes.stream_observer import StreamObserver
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.kafka_consumer import KafkaPrecacher, KafkaSource
from revertrisk_service.precache.runner import ScoreFn
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)


def kafka_source(settings: Settings, bootstrap: str, **fields: Any) -> KafkaSource:
    """`fields` are KafkaSource's (topics, group, ...). Raises ValueError (KafkaConfigError)
    with one line when a setting cannot work, before anything connects."""
    return KafkaSource(connection=connection_from_settings(settings, bootstrap), **fields)


async def run_kafka_precache(
    source: KafkaSource,
    score_fn: ScoreFn,
    supports: Callable[[Wiki], bool],
    event_filter: PrecacheFilter,
    observer: StreamObserver | None = None,
) -> None:
    """Consume until cancelled. SIGTERM (a rollout, a scale-down) ends it cleanly: the consumer
    commits what is handled and leaves its group, so that its partitions move to the other
    replicas at once rather than after the session timeout, and nothing handled is re-read."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        log.info("SIGTERM: committing and leaving the consumer group")
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, terminate)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread: no handler
        pass
    try:
        await KafkaPrecacher(source, score_fn, supports, event_filter, observer).run()
    except asyncio.CancelledError:
        if not terminated:
            raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
