"""`revertrisk precache --kafka-bootstrap ...`: the precacher as a Kafka consumer-group member.

Replicas started with the same `--group` share the topics' partitions; Kafka moves a dead
replica's partitions to the others (a rebalance). Each record is parsed and filtered exactly
as in SSE mode (events.parse_event, PrecacheFilter), and the edits kept go to `score_fn`, the
same scoring entry point as SSE mode (in-process models, or an HttpPoster).

Delivery is at least once:
- offsets are committed by hand, per partition, only up to the newest record whose predecessors
  in that partition are all handled (scored and stored, or counted as invalid, filtered out or
  unscorable), see kafka_offsets.py;
- a transient failure (MediaWiki down) is retried with capped backoff and holds its partition's
  commit back meanwhile; only after `max_attempts` is it counted as an error and passed;
- a malformed record (poison) or an unscorable edit is counted, logged and committed at once.

The in-flight bound: a replica never holds more than `max_in_flight` records fetched and not
yet committed. When it reaches that, it pauses fetching (aiokafka then also drops its prefetch
buffer for those partitions) until commits catch up. A crash or a rebalance therefore makes the
partition's next owner re-read at most `max_in_flight` records per replica; those already
scored are cache hits for it, so they cost a cache lookup, not a MediaWiki fetch. Memory is
bounded the same way: `max_in_flight` parsed edits plus aiokafka's fetch buffer
(`fetch_max_bytes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from revertrisk_service.errors import InvalidEvent
from revertrisk_service.events import EventRevision, IrrelevantEvent, parse_event
from revertrisk_service.kafka_connection import KafkaConnection
from revertrisk_service.outcomes.stream_observer import StreamObserver
from revertrisk_service.precache import kafka_metrics, metrics
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.kafka_offsets import OffsetBook, PartitionProgress
from revertrisk_service.precache.retry_policy import is_transient
from revertrisk_service.precache.runner import PrecacheStats, ScoreFn, is_error_result
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KafkaSource:
    connection: KafkaConnection
    topics: tuple[str, ...]
    group: str
    # Where a group without committed offsets starts: "latest" (now, like SSE without a
    # checkpoint) or "earliest" (the topic's retained history).
    start_from: str = "latest"
    max_in_flight: int = 1000
    concurrency: int = 4
    batch_size: int = 10
    commit_interval_s: float = 1.0
    # Kafka's own defaults suit production; tests shorten them (joining takes ~session).
    session_timeout_ms: int = 30_000
    heartbeat_interval_ms: int = 3_000
    # aiokafka's prefetch buffer, part of the memory bound.
    fetch_max_bytes: int = 8 * 1024 * 1024
    max_partition_fetch_bytes: int = 1024 * 1024
    retry_initial_s: float = 1.0
    retry_max_s: float = 60.0
    max_attempts: int = 12
    # On revocation, how long finishing in-flight edits may hold up the rebalance.
    revoke_grace_s: float = 3.0
    lag_interval_s: float = 5.0
    log_interval_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.topics:
            raise ValueError("Kafka mode needs at least one --topic")
        if not self.group:
            raise ValueError("Kafka mode needs a --group")
        if self.start_from not in ("earliest", "latest"):
            raise ValueError(f"start from {self.start_from!r}: expected earliest or latest")
        if min(self.max_in_flight, self.concurrency, self.batch_size, self.max_attempts) < 1:
            raise ValueError("max_in_flight, concurrency, batch_size and max_attempts must be >= 1")


@dataclass(frozen=True)
class _Work:
    tp: TopicPartition
    progress: PartitionProgress
    seq: int
    revision: EventRevision
    attempts: int = 0


class KafkaPrecacher:
    def __init__(
        self,
        source: KafkaSource,
        score_fn: ScoreFn,
        supports: Callable[[Wiki], bool],
        event_filter: PrecacheFilter | None = None,
        observer: StreamObserver | None = None,
    ) -> None:
        # Constructor assignments; paired with RevisionScoring's by shape only (duplicates tool).
        self.source = source
        self.score_fn = score_fn
        self.supports = supports
        self.filter = event_filter or PrecacheFilter()
        self.observer = observer
        self.stats = PrecacheStats()
        self.retries = 0
        self.rebalances = 0
        self.book = OffsetBook()
        self._queue: asyncio.Queue[_Work] = asyncio.Queue()
        self._retry_timers: set[asyncio.TimerHandle] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._commit_lock = asyncio.Lock()
        self._last_log = float("-inf")

    # -- the fetch loop -------------------------------------------------------------------------

    async def run(self) -> None:
        """Consume until cancelled; on the way out, commit what is handled and leave the group."""
        consumer = await self._start_consumer()
        self._consumer = consumer
        workers = [asyncio.create_task(self._worker()) for _ in range(self.source.concurrency)]
        try:
            await self._fetch_loop(consumer)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for timer in self._retry_timers:
                timer.cancel()
            # Shielded: this runs while the precacher itself is being cancelled.
            await asyncio.shield(self._stop(consumer))

    async def _start_consumer(self) -> AIOKafkaConsumer:
        delay = self.source.retry_initial_s
        while True:
            consumer = AIOKafkaConsumer(
                group_id=self.source.group,
                enable_auto_commit=False,
                auto_offset_reset=self.source.start_from,
                session_timeout_ms=self.source.session_timeout_ms,
                heartbeat_interval_ms=self.source.heartbeat_interval_ms,
                fetch_max_bytes=self.source.fetch_max_bytes,
                max_partition_fetch_bytes=self.source.max_partition_fetch_bytes,
                client_id="revertrisk-precache",
                **self.source.connection.client_options(),
            )
            consumer.subscribe(list(self.source.topics), listener=_Rebalance(self))
            # Known before the group is joined: the first assignment pins start positions.
            self._consumer = consumer
            try:
                await consumer.start()
                log.info(
                    "Consuming %s as group %s from %s",
                    ",".join(self.source.topics),
                    self.source.group,
                    ",".join(self.source.connection.bootstrap),
                )
                return consumer
            except KafkaError as exc:
                # Kafka down at start-up: wait for it rather than exit (and crash-loop).
                await consumer.stop()
                log.warning("Kafka unreachable (%s); retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.source.retry_max_s)

    async def _fetch_loop(self, consumer: AIOKafkaConsumer) -> None:
        last_commit = last_lag = time.monotonic()
        while True:
            room = self.source.max_in_flight - self.book.uncommitted()
            if room <= 0:
                # Scoring is behind: stop fetching (bounded memory) until commits catch up.
                # getmany is still called, so this member keeps polling and stays in the group.
                consumer.pause(*consumer.assignment())
                kafka_metrics.PAUSED.set(1)
                await self.commit()
            elif consumer.paused():
                consumer.resume(*consumer.paused())
                kafka_metrics.PAUSED.set(0)
            batches = await consumer.getmany(timeout_ms=200, max_records=max(1, min(room, 500)))
            for tp, records in batches.items():
                for record in records:
                    if self.observer is not None:
                        await self.observer.observe(record.value)
                    self._accept(tp, record)
            kafka_metrics.IN_FLIGHT.set(self.book.uncommitted())
            now = time.monotonic()
            if now - last_commit >= self.source.commit_interval_s:
                last_commit = now
                await self.commit()
            if now - last_lag >= self.source.lag_interval_s:
                last_lag = now
                await self._update_lag(consumer)
            if batches:
                # A burst arrives without any await in between: let the workers take work.
                await asyncio.sleep(0)

    def _accept(self, tp: TopicPartition, record: ConsumerRecord) -> None:
        progress = self.book[tp]
        seq = progress.fetched(record.offset)
        self.stats.seen += 1
        metrics.EVENTS_SEEN.inc()
        try:
            revision = parse_event(json.loads(record.value))
        except IrrelevantEvent:
            self._skip(progress, seq, "irrelevant")
            return
        except (InvalidEvent, ValueError, TypeError) as exc:
            # Poison: counted, logged and committed with the rest; it never blocks the partition.
            self.stats.invalid += 1
            metrics.EVENTS_INVALID.inc()
            self._log(
                "Skipping an invalid record at %s[%d]@%d (%s): %.200r",
                tp.topic, tp.partition, record.offset, exc, record.value,
            )
            progress.done(seq)
            return
        reason = self.filter.reject_reason(revision, self.supports)
        if reason is not None:
            self._skip(progress, seq, reason)
            return
        self.stats.matched += 1
        metrics.EVENTS_MATCHED.inc()
        self._queue.put_nowait(_Work(tp, progress, seq, revision))
        metrics.QUEUE_DEPTH.set(self._queue.qsize())

    def _skip(self, progress: PartitionProgress, seq: int, reason: str) -> None:
        self.stats.filtered[reason] = self.stats.filtered.get(reason, 0) + 1
        metrics.EVENTS_FILTERED.labels(reason=reason).inc()
        progress.done(seq)

    # -- scoring --------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.source.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            metrics.QUEUE_DEPTH.set(self._queue.qsize())
            # A revoked partition's records belong to its next owner now.
            batch = [work for work in batch if not work.progress.revoked]
            if not batch:
                continue
            try:
                # The one call into scoring: the same entry point as SSE mode.
                results = list(await self.score_fn([work.revision for work in batch]))
            except Exception as exc:  # noqa: BLE001 - a failing batch is retried, never fatal
                results = [exc] * len(batch)
            for work, result in zip(batch, results + [None] * len(batch), strict=False):
                self._settle(work, result)

    def _settle(self, work: _Work, result: Any) -> None:
        if result is not None and not is_error_result(result):
            self.stats.scored += 1
            metrics.SCORED.inc()
            work.progress.done(work.seq)
            return
        if is_transient(result) and work.attempts + 1 < self.source.max_attempts:
            self._retry_later(replace(work, attempts=work.attempts + 1))
            return
        self.stats.errors += 1
        metrics.SCORE_ERRORS.inc()
        self._log(
            "Precaching %s:%d failed (%d attempts): %.300s",
            work.revision.wiki.dbname, work.revision.rev_id, work.attempts + 1, result,
        )
        work.progress.done(work.seq)

    def _retry_later(self, work: _Work) -> None:
        self.retries += 1
        kafka_metrics.RETRIES.inc()
        delay = min(
            self.source.retry_initial_s * 2 ** (work.attempts - 1), self.source.retry_max_s
        )
        loop = asyncio.get_running_loop()

        def requeue() -> None:
            self._retry_timers.discard(timer)
            if not work.progress.revoked:
                self._queue.put_nowait(work)

        timer = loop.call_later(delay, requeue)
        self._retry_timers.add(timer)

    # -- offsets --------------------------------------------------------------------------------

    async def commit(self, partitions: set[TopicPartition] | None = None) -> None:
        """Commit every partition's handled prefix that moved since the last commit."""
        consumer = self._consumer
        if consumer is None:
            return
        async with self._commit_lock:
            offsets = self.book.to_commit(partitions)
            if not offsets:
                return
            # The outcomes of the records up to here are written first, or the offsets stay.
            if self.observer is not None and not await self.observer.flush():
                return
            try:
                await consumer.commit(offsets)
            except KafkaError as exc:
                # A rebalance or a broker outage: the next commit supersedes this one.
                kafka_metrics.COMMITS.labels("failed").inc()
                self._log("Offset commit failed (%s); will commit again", exc)
                return
            kafka_metrics.COMMITS.labels("ok").inc()
            self.book.committed(offsets)

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        assigned = consumer.assignment()
        if not assigned:
            return
        try:
            ends = await consumer.end_offsets(list(assigned))
        except KafkaError:
            return
        for tp, end in ends.items():
            progress = self.book.partitions.get(tp)
            committed = progress.committed if progress is not None else None
            if committed is None:
                committed = await self._committed(consumer, tp)
            if committed is not None:
                kafka_metrics.LAG.labels(tp.topic, str(tp.partition)).set(max(end - committed, 0))

    @staticmethod
    async def _committed(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
        with contextlib.suppress(KafkaError):
            return await consumer.committed(tp)
        return None

    # -- rebalances -----------------------------------------------------------------------------

    async def on_revoked(self, revoked: set[TopicPartition]) -> None:
        """Let in-flight edits finish (briefly), commit them, then hand the partitions over."""
        deadline = time.monotonic() + self.source.revoke_grace_s
        while self.book.pending(revoked) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await self.commit(revoked)
        self.book.revoke(revoked)
        for tp in revoked:
            with contextlib.suppress(KeyError):
                kafka_metrics.LAG.remove(tp.topic, str(tp.partition))

    def on_assigned(self, assigned: set[TopicPartition]) -> None:
        self.rebalances += 1
        kafka_metrics.REBALANCES.inc()
        kafka_metrics.ASSIGNED.set(len(assigned))
        self.book.assign(assigned)
        log.info(
            "Assigned %d partitions: %s",
            len(assigned),
            ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(assigned)),
        )

    async def pin_start_positions(self, assigned: set[TopicPartition]) -> None:
        """Commit where a partition with no committed offset starts, as soon as it is assigned.

        Otherwise a group starting at "latest" whose member dies before its first record has
        committed nothing, and the member that replaces it starts at "latest" again: the edits
        produced in between are never scored. Committed at assignment, the start position holds
        for whoever owns the partition next, so at least once holds from the first second.
        """
        consumer = self._consumer
        if consumer is None or not assigned:
            return
        try:
            fresh = [tp for tp in assigned if await consumer.committed(tp) is None]
            if not fresh:
                return
            find = (consumer.end_offsets if self.source.start_from == "latest"
                    else consumer.beginning_offsets)
            starts = await find(fresh)
            await consumer.commit({tp: starts[tp] for tp in fresh})
        except KafkaError as exc:
            # The member then starts as before; the next assignment tries again.
            self._log("Could not pin the start of new partitions (%s)", exc)
            return
        log.info("Pinned the start of %d new partitions at the %s offsets", len(fresh),
                 self.source.start_from)

    async def _stop(self, consumer: AIOKafkaConsumer) -> None:
        await self.commit()
        # Leaving the group starts the rebalance now rather than after the session timeout.
        await consumer.stop()
        kafka_metrics.ASSIGNED.set(0)

    def _log(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last_log >= self.source.log_interval_s:
            self._last_log = now
            log.warning(message, *args)


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, precacher: KafkaPrecacher) -> None:
        self.precacher = precacher

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.precacher.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.precacher.pin_start_positions(set(assigned))
        self.precacher.on_assigned(set(assigned))
