"""Helpers of the Kafka precache tests: replicas as real `revertrisk precache` processes, the
edits they are fed (fixture revisions of the local wiki, announced on several wikis so that each
is a distinct cache entry), and what Redis and the broker say afterwards."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from revertrisk_devtools.ports import free_port
from revertrisk_devtools.service_process import stop_process

T = TypeVar("T")
MODEL = "revertrisk-language-agnostic"
LANGS = ("en", "de", "fr", "es", "it", "nl", "pl", "ru", "ja", "zh")
EDIT_KEYS = ("registered_edit", "anonymous_edit", "sysop_edit")
# Short enough that joins and takeovers take seconds, not Kafka's default half-minute.
FAST_GROUP = ("--session-timeout-ms", "6000", "--heartbeat-interval-ms", "1000")


@dataclass(frozen=True)
class Edit:
    lang: str
    rev_id: int
    parent_id: int

    @property
    def dbname(self) -> str:
        return f"{self.lang}wiki"

    def event(self) -> dict:
        return {
            "$schema": "/mediawiki/page/change/1.1.0",
            "meta": {"stream": "mediawiki.page_change.v1", "domain": f"{self.lang}.wikipedia.org",
                     "dt": "2026-11-22T10:00:00Z"},
            "dt": "2026-11-22T10:00:00Z",
            "wiki_id": self.dbname,
            "page_change_kind": "edit",
            "page": {"page_id": 1, "page_title": "Photosynthesis", "namespace_id": 0},
            "performer": {"user_text": "X", "user_is_bot": False, "groups": ["*"]},
            "revision": {"rev_id": self.rev_id, "rev_parent_id": self.parent_id},
        }


def fixture_edits(revs: dict[str, int], langs: tuple[str, ...] = LANGS) -> list[Edit]:
    return [
        Edit(lang, revs[key], revs["page_creation"]) for lang in langs for key in EDIT_KEYS
    ]


async def produce(bootstrap: str, topic: str, values: list[bytes], partition: int | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i, value in enumerate(values):
            # Keys spread the edits over the partitions, as page ids do in production.
            await producer.send_and_wait(topic, value, key=str(i).encode(), partition=partition)
    finally:
        await producer.stop()


def produce_edits(bootstrap: str, topic: str, edits: list[Edit]) -> None:
    asyncio.run(produce(bootstrap, topic, [json.dumps(e.event()).encode() for e in edits]))


async def _committed(bootstrap: str, topic: str, group: str, partitions: int) -> dict[int, int]:
    # Manually assigned, never subscribed: reads the group's offsets without joining it.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        return {tp.partition: (await consumer.committed(tp)) or 0 for tp in tps}
    finally:
        await consumer.stop()


def committed_offsets(bootstrap: str, topic: str, group: str, partitions: int) -> dict[int, int]:
    return asyncio.run(_committed(bootstrap, topic, group, partitions))


def scored(redis_url: str, edits: list[Edit]) -> set[Edit]:
    """The edits whose score (not an error) is in the Redis cache."""
    client = redis.Redis.from_url(redis_url)
    try:
        done = set()
        for edit in edits:
            for key in client.scan_iter(f"revertrisk:{MODEL}:*:{edit.dbname}:{edit.rev_id}"):
                value = client.get(key)
                if value is not None and b'"error"' not in value:
                    done.add(edit)
        return done
    finally:
        client.close()


def wait_for(condition: Callable[[], T], timeout_s: float, what: str) -> T:
    """Poll until `condition()` is truthy; returns that value."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.1)
    return value


class Replica:
    """One `revertrisk precache --kafka-bootstrap ...` process."""

    def __init__(self, log_path: Path, wiki_url: str, redis_url: str, bootstrap: str,
                 topic: str, group: str, *extra: str) -> None:
        self.metrics_port = free_port()
        self.log_path = log_path
        command = [
            sys.executable, "-m", "revertrisk_service.cli", "precache",
            "--kafka-bootstrap", bootstrap, "--topic", topic, "--group", group,
            "--start-from", "earliest", "--metrics-port", str(self.metrics_port),
            *FAST_GROUP, *extra,
        ]
        env = {
            **os.environ, "MODELS": MODEL, "WIKI_URL": wiki_url, "REDIS_URL": redis_url,
            # Threads: no scoring processes to start, the replica is up in seconds.
            "SCORING_PROCESSES": "0", "LOG_LEVEL": "INFO",
        }
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

    def metrics(self) -> dict[str, float]:
        try:
            text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).text
        except httpx.HTTPError:
            return {}
        values = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return values

    def metric(self, name: str) -> float:
        return self.metrics().get(name, 0.0)

    def assigned(self) -> int:
        self.check_alive()
        return int(self.metric("revertrisk_precache_kafka_assigned_partitions"))

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"replica exited:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no commit, no leaving the group; Kafka notices after the session timeout."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        stop_process(self.process)
