"""The Kafka precacher in-process: it rides out a broker restart by itself, and its prediction
events reach their Kafka topic, one per edit and model version. Against Tansu (a Kafka-compatible
broker, not Apache Kafka), a real MediaWiki and a real Redis."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer
from support.kafka_precache import fixture_edits, produce

from revertrisk_service.cache import RedisScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.kafka_connection import KafkaConnection
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.precache.in_process import InProcessPrecacher
from revertrisk_service.precache.kafka.consumer import KafkaPrecacher, KafkaSource
from revertrisk_service.prediction_events.kafka_producer import (
    KafkaEventProducer,
    producer_settings,
)
from revertrisk_service.scored_edits import ScoreListeners
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring

pytestmark = pytest.mark.e2e

EDITS_TOPIC = "mediawiki.page_change.v1"
EVENTS_TOPIC = "mediawiki.page_prediction_change.rc0"


async def _wait(condition, timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)


async def _prediction_events(bootstrap: str, expected: int, timeout_s: float = 30) -> list[tuple[bytes, dict]]:
    consumer = AIOKafkaConsumer(EVENTS_TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[tuple[bytes, dict]] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(found) < expected:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    found += [(r.key, json.loads(r.value)) for r in records]
        # Anything extra (a duplicate) would arrive right behind the rest.
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            found += [(r.key, json.loads(r.value)) for r in records]
    finally:
        await consumer.stop()
    return found


async def test_recovers_from_a_broker_restart_and_sends_one_prediction_event_per_edit(
    local_wiki, redis_server, kafka_broker
) -> None:
    kafka_broker.create_topic(EDITS_TOPIC, 4)
    kafka_broker.create_topic(EVENTS_TOPIC, 1)
    connection = KafkaConnection((kafka_broker.bootstrap,))
    producer = KafkaEventProducer(producer_settings(connection, EVENTS_TOPIC, stream=EVENTS_TOPIC))
    client = MediaWikiClient(local_wiki.base_url, "revertrisk-service tests")
    scorer = LanguageAgnosticModel.load(Settings().model_dir(LANGUAGE_AGNOSTIC))
    cache = CacheLayer(RedisScoreCache(redis_server.url), CacheSettings(ttl_s=3600, negative_ttl_s=60))
    scoring = RevisionScoring(client, ThreadScoring(2), cache, ScoreListeners(producer.offer))
    precacher = InProcessPrecacher([scorer], scoring)
    source = KafkaSource(
        connection, (EDITS_TOPIC,), "precache", start_from="earliest",
        session_timeout_ms=6000, heartbeat_interval_ms=1000, commit_interval_s=0.2,
        retry_initial_s=0.2, retry_max_s=1.0,
    )
    consumer = KafkaPrecacher(source, precacher, precacher.supports)
    task = asyncio.create_task(consumer.run())
    before, after = fixture_edits(local_wiki.revs, ("en", "de")), fixture_edits(local_wiki.revs, ("fr",))
    try:
        await produce(kafka_broker.bootstrap, EDITS_TOPIC, [json.dumps(e.event()).encode() for e in before])
        await _wait(lambda: consumer.stats.scored == len(before), 60)
        await producer.drain(10)
        events = await _prediction_events(kafka_broker.bootstrap, len(before))
        # One event per edit and model version, keyed by page id.
        per_edit = Counter(
            (e["wiki_id"], e["revision"]["rev_id"], e["predicted_classification"]["model_version"])
            for _, e in events
        )
        assert set(per_edit) == {(e.dbname, e.rev_id, scorer.version) for e in before}
        assert set(per_edit.values()) == {1}
        assert all(key == str(e["page"]["page_id"]).encode() for key, e in events)
        assert producer.idempotent is not None

        # The broker goes away and comes back empty (Tansu keeps its log in memory).
        kafka_broker.stop()
        await asyncio.sleep(2)
        kafka_broker.start()
        kafka_broker.create_topic(EDITS_TOPIC, 4)
        await produce(kafka_broker.bootstrap, EDITS_TOPIC, [json.dumps(e.event()).encode() for e in after])
        await _wait(lambda: consumer.stats.scored == len(before) + len(after), 90)
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.aclose()
        await client.aclose()
        await cache.close()
