"""Prediction events to a Kafka topic instead of EventGate: the same event shape
(event_shape.prediction_event), keyed by page id, produced with acks=all and, where the broker
allows it, idempotence.

Like EventGatePoster, `offer` is a score listener that only enqueues (dropping and counting
when the queue is full), so Kafka being slow or down never fails or slows scoring. One
background task sends what is queued; a failed send is retried with capped backoff, and after
`max_attempts` the event is dropped and counted. The producer connects lazily and reconnects
forever: Kafka down at start-up delays the events, it does not stop the service.

Idempotence needs the broker to grant a producer id (InitProducerId). A broker that refuses it
(some Kafka-compatible brokers, or an ACL without IdempotentWrite) gets a plain acks=all
producer instead, and a warning once: events may then be duplicated when a send is retried,
which consumers of prediction events tolerate already (at-least-once everywhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from revertrisk_service.kafka_connection import KafkaConnection
from revertrisk_service.prediction_events.event_shape import prediction_event
from revertrisk_service.prediction_events.poster import EVENTS, OUTCOMES, QUEUED, RETRIES
from revertrisk_service.scored_edits import ScoredEdit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProducerSettings:
    connection: KafkaConnection
    topic: str
    # meta.stream of the events (EventGate's stream name); the topic when unset.
    stream: str
    queue_size: int = 10_000
    max_attempts: int = 6
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    request_timeout_ms: int = 30_000
    batch_size: int = 100
    # Lift Wing posts events for the edits it scores from the stream, not for every API call.
    origins: Collection[str] = ("event", "precache")


def message_key(event: dict[str, Any]) -> bytes:
    """The page id, so that a page's events stay in order on one partition."""
    return str(event["page"]["page_id"]).encode()


class KafkaEventProducer:
    def __init__(self, settings: ProducerSettings) -> None:
        self.settings = settings
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(settings.queue_size)
        self._task: asyncio.Task[None] | None = None
        self._producer: AIOKafkaProducer | None = None
        self.idempotent: bool | None = None  # known once connected
        # Same outcomes as EventGatePoster's, "posted" meaning acknowledged by all replicas.
        self.counts = dict.fromkeys(OUTCOMES, 0)

    def offer(self, edit: ScoredEdit) -> None:
        if edit.origin not in self.settings.origins:
            return
        self._ensure_running()
        try:
            self._queue.put_nowait(prediction_event(edit, self.settings.stream))
        except asyncio.QueueFull:
            self._count("dropped_queue_full")
        QUEUED.set(self._queue.qsize())

    def _ensure_running(self) -> None:
        # Started from the first offer, which always runs on the scoring event loop.
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="kafka-events")

    def _count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n
        EVENTS.labels(outcome).inc(n)

    async def _run(self) -> None:
        try:
            self._producer = await self._connect()
            while True:
                batch = [await self._queue.get()]
                while len(batch) < self.settings.batch_size and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                QUEUED.set(self._queue.qsize())
                await self._deliver(batch)
        finally:
            if self._producer is not None:
                with contextlib.suppress(KafkaError):
                    await self._producer.stop()
                self._producer = None

    async def _connect(self) -> AIOKafkaProducer:
        delay = self.settings.backoff_initial_s
        idempotent = True
        while True:
            producer = AIOKafkaProducer(
                acks="all",
                enable_idempotence=idempotent,
                request_timeout_ms=self.settings.request_timeout_ms,
                client_id="revertrisk-prediction-events",
                **self.settings.connection.client_options(),
            )
            try:
                await producer.start()
                self.idempotent = idempotent
                return producer
            except KafkaConnectionError as exc:
                await producer.stop()
                log.info("Kafka unreachable for prediction events (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.backoff_max_s)
            except KafkaError as exc:
                await producer.stop()
                if not idempotent:
                    raise
                log.warning(
                    "Kafka refused an idempotent producer (%s: %s); producing with acks=all only",
                    type(exc).__name__,
                    exc,
                )
                idempotent = False

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        assert self._producer is not None
        delay = self.settings.backoff_initial_s
        todo = batch
        for attempt in range(1, self.settings.max_attempts + 1):
            failed = await self._attempt(self._producer, todo)
            self._count("posted", len(todo) - len(failed))
            if not failed:
                return
            todo = failed
            if attempt < self.settings.max_attempts:
                RETRIES.inc()
                log.info("Kafka: %d prediction events failed; will retry", len(todo))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.backoff_max_s)
        log.warning("Kafka: dropped %d prediction events after %d attempts", len(todo), attempt)
        self._count("dropped_after_retries", len(todo))

    async def _attempt(
        self, producer: AIOKafkaProducer, events: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Send the events; returns those not acknowledged by all in-sync replicas."""
        futures: list[asyncio.Future[Any]] = []
        try:
            for event in events:
                futures.append(
                    await producer.send(
                        self.settings.topic,
                        json.dumps(event, separators=(",", ":")).encode(),
                        key=message_key(event),
                    )
                )
        except KafkaError as exc:
            # No metadata or a full buffer (Kafka down): the unsent ones are tried again.
            log.info("Kafka: could not send prediction events (%s)", exc)
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        failed = [e for e, o in zip(events, outcomes, strict=False) if isinstance(o, Exception)]
        return failed + events[len(futures):]

    async def drain(self, timeout_s: float) -> None:
        """Wait (bounded) until the queue is empty: for orderly shutdown and for tests."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while not self._queue.empty():
                    await asyncio.sleep(0.02)

    async def aclose(self) -> None:
        if self._task is not None:
            await self.drain(2.0)
            if self._producer is not None:
                with contextlib.suppress(KafkaError):
                    await self._producer.flush()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
