"""Which Kafka offsets the precache consumer may commit, partition by partition.

Kafka commits "the next offset to read" per partition. Records of one partition finish out of
order (several workers, batches, retries), so the committable offset is the one after the
newest record whose predecessors in that partition are all handled (stored, or counted as
invalid, filtered out or unscorable). A consumer that dies then leaves behind at most its
*uncommitted* records, which the partition's next owner reads again: the fetch loop keeps that
number at or under `max_in_flight` (see consumer.py), which is the documented bound.
"""

from __future__ import annotations

from aiokafka import TopicPartition

from revertrisk_service.precache.commit_tracker import CommitTracker


class PartitionProgress:
    """One assigned partition, from its assignment until it is revoked."""

    def __init__(self) -> None:
        self.tracker: CommitTracker[int] = CommitTracker()
        # The offset committed by this member (or where it started reading); None before the
        # first record: nothing before that is ours to count.
        self.committed: int | None = None
        self.fetched_next: int | None = None
        self.revoked = False

    def fetched(self, offset: int) -> int:
        """Register a record handed to us; returns its sequence number for `done`."""
        if self.committed is None:
            self.committed = offset
        self.fetched_next = offset + 1
        return self.tracker.add(offset + 1)

    def done(self, seq: int) -> None:
        self.tracker.done(seq)

    @property
    def uncommitted(self) -> int:
        """Records fetched and not yet committed (an over-count across offset gaps)."""
        if self.committed is None or self.fetched_next is None:
            return 0
        return self.fetched_next - self.committed

    @property
    def to_commit(self) -> int | None:
        offset = self.tracker.committable_id
        if offset is None or (self.committed is not None and offset <= self.committed):
            return None
        return offset


class OffsetBook:
    """Every partition currently assigned to this consumer."""

    def __init__(self) -> None:
        self.partitions: dict[TopicPartition, PartitionProgress] = {}

    def assign(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            self.partitions.setdefault(tp, PartitionProgress())

    def revoke(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            progress = self.partitions.pop(tp, None)
            if progress is not None:
                # Work still queued for it is skipped: the next owner reads it again.
                progress.revoked = True

    def __getitem__(self, tp: TopicPartition) -> PartitionProgress:
        progress = self.partitions.get(tp)
        if progress is None:
            # Records can arrive for a partition just assigned, before the listener ran.
            progress = self.partitions[tp] = PartitionProgress()
        return progress

    def uncommitted(self) -> int:
        return sum(p.uncommitted for p in self.partitions.values())

    def pending(self, partitions: set[TopicPartition]) -> int:
        """Records of these partitions fetched and not yet handled."""
        return sum(len(p.tracker) for tp, p in self.partitions.items() if tp in partitions)

    def to_commit(self, partitions: set[TopicPartition] | None = None) -> dict[TopicPartition, int]:
        chosen = self.partitions if partitions is None else partitions
        offsets = {}
        for tp in chosen:
            progress = self.partitions.get(tp)
            offset = progress.to_commit if progress is not None else None
            if offset is not None:
                offsets[tp] = offset
        return offsets

    def committed(self, offsets: dict[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            progress = self.partitions.get(tp)
            if progress is not None:
                progress.committed = offset
