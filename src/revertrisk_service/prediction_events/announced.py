"""The scores this replica has posted a prediction event for, most recent first, bounded.

An edit can reach the service more than once (the stream, then changeprop's event; two models'
requests; a retried batch): each edit and model version gets one event per replica. Memory stays
bounded: past `capacity` keys the oldest is forgotten, and an edit seen again after that long
(days on a busy wiki) gets a second event rather than an unbounded set.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class RecentKeys:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Hashable) -> bool:
        """Remember `key`; False when it was already remembered (it becomes the newest)."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self.capacity:
            self._keys.popitem(last=False)
        return True
