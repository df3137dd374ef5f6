"""A consumer group starting at "latest" pins its start position when partitions are first
assigned: a fresh group's only member SIGKILLed before any record loses nothing, since the
member that replaces it starts where the group started, not at "latest" again. Real
`revertrisk precache` replicas, a real Kafka-protocol broker (Tansu), MediaWiki and Redis."""

from __future__ import annotations

import pytest
from support.kafka_precache import (
    LANGS,
    Replica,
    committed_offsets,
    fixture_edits,
    produce_edits,
    scored,
    wait_for,
)

pytestmark = pytest.mark.e2e

TOPIC = "mediawiki.page_change.v1"
PARTITIONS = 2
GROUP = "fresh-latest"


def test_a_fresh_latest_group_whose_member_dies_before_any_record_loses_nothing(
    local_wiki, redis_server, kafka_broker, tmp_path
) -> None:
    kafka_broker.create_topic(TOPIC, PARTITIONS)
    history = fixture_edits(local_wiki.revs, LANGS[:2])  # before the group exists
    produced_next = fixture_edits(local_wiki.revs, LANGS[2:5])
    produce_edits(kafka_broker.bootstrap, TOPIC, history)

    def replica(name: str) -> Replica:
        return Replica(tmp_path / f"{name}.log", local_wiki.base_url, redis_server.url,
                       kafka_broker.bootstrap, TOPIC, GROUP, "--start-from", "latest")

    first = replica("first")
    try:
        wait_for(lambda: first.assigned() == PARTITIONS, 120, "the first member's partitions")
        # Pinned at assignment: the group's offsets are the partitions' ends when it joined.
        assert sum(committed_offsets(kafka_broker.bootstrap, TOPIC, GROUP, PARTITIONS)
                   .values()) == len(history)
    finally:
        first.kill()  # before any record: it has scored and committed nothing of its own
    produce_edits(kafka_broker.bootstrap, TOPIC, produced_next)
    second = replica("second")
    try:
        wait_for(lambda: scored(redis_server.url, produced_next) == set(produced_next), 120,
                 "every edit produced after the first member died")
        wait_for(lambda: sum(committed_offsets(kafka_broker.bootstrap, TOPIC, GROUP, PARTITIONS)
                             .values()) == len(history) + len(produced_next), 30,
                 "offsets committed past every record")
        # Latest still means latest: what the topic held before the group began is not read.
        assert scored(redis_server.url, history) == set()
    finally:
        second.stop()
