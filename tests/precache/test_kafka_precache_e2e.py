"""The Kafka precacher end to end: real `revertrisk precache` replicas in one consumer group, a
real Kafka-protocol broker (Tansu, not Apache Kafka), a real MediaWiki and a real Redis."""

from __future__ import annotations

import json

import pytest
from support.kafka_precache import (
    LANGS,
    Replica,
    committed_offsets,
    fixture_edits,
    produce,
    produce_edits,
    scored,
    wait_for,
)

pytestmark = pytest.mark.e2e

TOPIC = "mediawiki.page_change.v1"
PARTITIONS = 4


def test_two_replicas_share_the_partitions_and_the_survivor_of_a_sigkill_takes_over(
    local_wiki, redis_server, kafka_broker, tmp_path
) -> None:
    import asyncio

    kafka_broker.create_topic(TOPIC, PARTITIONS)
    before = fixture_edits(local_wiki.revs, LANGS[:5])
    after = fixture_edits(local_wiki.revs, LANGS[5:])
    replicas = [
        Replica(tmp_path / f"replica-{i}.log", local_wiki.base_url, redis_server.url,
                kafka_broker.bootstrap, TOPIC, "precache")
        for i in range(2)
    ]
    try:
        wait_for(lambda: [r.assigned() for r in replicas] == [2, 2], 120, "two replicas, 2 partitions each")
        # Poison in every partition: not JSON, and JSON that is no edit event.
        poison = [b"\xff not json", json.dumps({"meta": {}}).encode()]
        for partition in range(PARTITIONS):
            asyncio.run(produce(kafka_broker.bootstrap, TOPIC, poison, partition=partition))
        produce_edits(kafka_broker.bootstrap, TOPIC, before)
        wait_for(lambda: len(scored(redis_server.url, before)) >= 3, 60, "the first scores")
        replicas[0].kill()
        # Edits the dead replica's partitions receive after its death: only the survivor can.
        produce_edits(kafka_broker.bootstrap, TOPIC, after)
        wait_for(lambda: replicas[1].assigned() == PARTITIONS, 60, "the survivor to own all partitions")
        every = before + after
        wait_for(lambda: scored(redis_server.url, every) == set(every), 90, "every edit scored")
        # Poison was counted and committed: every partition's offset reached its end.
        wait_for(
            lambda: sum(committed_offsets(kafka_broker.bootstrap, TOPIC, "precache", PARTITIONS).values())
            == PARTITIONS * len(poison) + len(every),
            30,
            "offsets committed past every record, poison included",
        )
        assert replicas[1].metric("revertrisk_precache_events_invalid_total") >= 1
    finally:
        for replica in replicas:
            replica.stop()


def test_a_restart_resumes_from_the_committed_offsets_re_scoring_at_most_the_in_flight_bound(
    local_wiki, redis_server, kafka_broker, tmp_path
) -> None:
    bound = 4
    kafka_broker.create_topic(TOPIC, PARTITIONS)
    edits = fixture_edits(local_wiki.revs)
    produce_edits(kafka_broker.bootstrap, TOPIC, edits)

    def replica(name: str) -> Replica:
        return Replica(tmp_path / name, local_wiki.base_url, redis_server.url,
                       kafka_broker.bootstrap, TOPIC, "precache", "--max-in-flight", str(bound))

    first = replica("first.log")
    try:
        wait_for(lambda: len(scored(redis_server.url, edits)) >= 6, 120, "a few scores")
    finally:
        first.kill()
    done_before = len(scored(redis_server.url, edits))
    committed = sum(committed_offsets(kafka_broker.bootstrap, TOPIC, "precache", PARTITIONS).values())
    # Scored but not committed: what the next owner reads again. Never more than the bound.
    assert 0 <= done_before - committed <= bound
    assert done_before < len(edits), "the first replica finished before it was killed"

    second = replica("second.log")
    try:
        wait_for(lambda: scored(redis_server.url, edits) == set(edits), 120, "every edit scored")
        wait_for(
            lambda: second.metric("revertrisk_precache_scored_total") == len(edits) - committed,
            30,
            "the second replica to score exactly the uncommitted edits",
        )
        # It read from the committed offsets on, not from the start of the topic.
        assert second.metric("revertrisk_precache_events_seen_total") == len(edits) - committed
        # SIGTERM (a rollout) is a clean exit: commit, leave the group.
        second.process.terminate()
        assert second.process.wait(timeout=30) == 0
        final = committed_offsets(kafka_broker.bootstrap, TOPIC, "precache", PARTITIONS)
        assert sum(final.values()) == len(edits)
    finally:
        second.stop()
