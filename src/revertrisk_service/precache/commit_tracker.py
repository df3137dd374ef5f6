"""Which stream position is safe to checkpoint.

Events finish out of order (several workers, batches, drops). The checkpoint may only move to
the newest event whose predecessors are all handled: resuming after it then neither skips an
unhandled event nor re-scores a handled one at or before it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

# An SSE event id (str) for the stream runner; the next Kafka offset (int) for the consumer.
Position = TypeVar("Position")


class CommitTracker(Generic[Position]):
    def __init__(self) -> None:
        self._next_seq = 0
        # seq -> [event id, handled], in stream order; only the not-yet-committable tail.
        self._pending: OrderedDict[int, list] = OrderedDict()
        self.committable_id: Position | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, event_id: Position | None) -> int:
        """Register the next event in stream order; returns its sequence number."""
        seq = self._next_seq
        self._next_seq += 1
        self._pending[seq] = [event_id, False]
        return seq

    def done(self, seq: int) -> None:
        entry = self._pending.get(seq)
        if entry is None:
            return
        entry[1] = True
        while self._pending:
            first_seq, (event_id, handled) = next(iter(self._pending.items()))
            if not handled:
                break
            del self._pending[first_seq]
            # Events without an id (rare) leave the position where it was.
            if event_id is not None:
                self.committable_id = event_id
