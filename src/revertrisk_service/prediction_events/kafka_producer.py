"""Prediction events to a Kafka topic instead of EventGate: the same event shape
(event_shape.prediction_event), keyed by page id, produced with acks=all and, where the broker
allows it, idempotence.

It is an EventGatePoster whose delivery goes to Kafka: `offer` (the score listener that only
enqueues, dropping and counting when the queue is full, and whatever filtering it applies), the
queue, the batching, the retries with capped backoff (dropping and counting after
`max_attempts`), the counts and the metrics are the poster's, so that both destinations behave
alike; only the delivery step (`_post`) differs. The producer connects lazily and reconnects forever: Kafka down at start-up delays the
events, it does not stop the service.

Idempotence needs the broker to grant a producer id (InitProducerId). A broker that refuses it
(some Kafka-compatible brokers such as Tansu, or an ACL without IdempotentWrite) gets a plain
acks=all producer instead, and a warning once: a retried send may then duplicate an event, which
consumers of prediction events must tolerate anyway (delivery is at least once everywhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from revertrisk_service.kafka_connection import KafkaConnection
from revertrisk_service.prediction_events.poster import EventGatePoster, PosterSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProducerSettings(PosterSettings):
    """PosterSettings' queue, retry and origin settings, plus where in Kafka the events go.
    `url` only names the destination in logs (kafka://bootstrap/topic)."""

    connection: KafkaConnection | None = None
    topic: str = ""
    request_timeout_ms: int = 30_000


def producer_settings(connection: KafkaConnection, topic: str, stream: str, **rest: Any) -> ProducerSettings:
    return ProducerSettings(
        url=f"kafka://{','.join(connection.bootstrap)}/{topic}",
        stream=stream,
        user_agent="",
        connection=connection,
        topic=topic,
        **rest,
    )


def message_key(event: dict[str, Any]) -> bytes:
    """The page id, so that a page's events stay in order on one partition."""
    return str(event["page"]["page_id"]).encode()


class KafkaEventProducer(EventGatePoster):
    settings: ProducerSettings

    def __init__(self, settings: ProducerSettings) -> None:
        if settings.connection is None or not settings.topic:
            raise ValueError("a Kafka event producer needs a connection and a topic")
        super().__init__(settings)
        self._producer: AIOKafkaProducer | None = None
        self.idempotent: bool | None = None  # known once connected

    async def _connect(self) -> AIOKafkaProducer:
        assert self.settings.connection is not None
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

    async def _post(self, batch: list[dict[str, Any]]) -> str | None:
        """The poster's delivery step, to Kafka: 'posted' once every event is acknowledged by
        all in-sync replicas, 'rejected' when Kafka refuses them for good (too large, not
        authorized), None to have the poster retry the batch with backoff."""
        if self._producer is None:
            # Connects on first use (the poster's idle HTTP client goes unused).
            self._producer = await self._connect()
        futures: list[asyncio.Future[Any]] = []
        try:
            for event in batch:
                futures.append(
                    await self._producer.send(
                        self.settings.topic,
                        json.dumps(event, separators=(",", ":")).encode(),
                        key=message_key(event),
                    )
                )
        except KafkaError as exc:
            log.info("Kafka: could not send prediction events (%s); will retry", exc)
            return None
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        errors = [o for o in outcomes if isinstance(o, Exception)]
        if not errors:
            return "posted"
        if all(isinstance(e, KafkaError) and not e.retriable for e in errors):
            log.warning("Kafka rejected %d prediction events: %s", len(errors), errors[0])
            return "rejected"
        # Retried whole: the events already acknowledged are sent again (at least once).
        log.info("Kafka: %d of %d prediction events failed; will retry", len(errors), len(batch))
        return None

    async def aclose(self) -> None:
        await super().aclose()  # drains the queue (bounded), then stops the loop
        if self._producer is not None:
            with contextlib.suppress(KafkaError):
                await self._producer.stop()  # flushes what is in flight
            self._producer = None
