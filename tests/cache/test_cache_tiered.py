"""The local copy in front of Redis: scores are served from memory, negative entries are not."""

from __future__ import annotations

import asyncio

from revertrisk_service.cache.memory import MemoryScoreCache
from revertrisk_service.cache.tiered import TieredScoreCache

SCORE = {"output": {"prediction": False}}
NEGATIVE = {"error": {"code": "revision_not_found", "status": 404, "message": "gone"}}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_scores_are_kept_locally_for_the_local_ttl_and_negatives_stay_shared() -> None:
    clock = Clock()
    shared = MemoryScoreCache(100, clock=clock)
    tiered = TieredScoreCache(MemoryScoreCache(100, clock=clock), shared, local_ttl_s=5)

    async def scenario() -> None:
        await shared.set_many([("a", SCORE, 600), ("n", NEGATIVE, 60)])
        assert await tiered.get_many(["a", "n", "x"]) == [SCORE, NEGATIVE, None]
        await shared.delete("a")
        await shared.delete("n")
        # "a" is still served from the local copy; the negative entry was never copied.
        assert await tiered.get_many(["a", "n"]) == [SCORE, None]
        clock.now = 6
        assert await tiered.get_many(["a"]) == [None]
        await tiered.set_many([("b", SCORE, 600)])
        assert await shared.get_many(["b"]) == [SCORE]
        await shared.delete("b")
        assert await tiered.get_many(["b"]) == [SCORE]

    asyncio.run(scenario())
