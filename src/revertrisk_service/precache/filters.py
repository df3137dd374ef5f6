"""Which stream events are worth precaching: edits that patrollers will ask about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from revertrisk_service.events import EventRevision
from revertrisk_service.wikis import Wiki


@dataclass(frozen=True)
class PrecacheFilter:
    # Article edits only by default: that is what patrolling tools score.
    namespaces: frozenset[int] | None = frozenset({0})
    include_page_creations: bool = False
    include_bots: bool = False
    include_canary: bool = False
    # Restrict to some wikis (dbnames); None means every wiki the model supports.
    wikis: frozenset[str] | None = None
    # (index, count): keep only the pages of this shard, so that `count` precache processes
    # share one stream, each scoring its own pages (by page id, else revision id).
    shard: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.shard is not None and not 0 <= self.shard[0] < self.shard[1]:
            raise ValueError(f"shard {self.shard[0]}/{self.shard[1]}: need 0 <= index < count")

    def reject_reason(self, rev: EventRevision, supports: Callable[[Wiki], bool]) -> str | None:
        """None when the revision should be scored, else a short label for the metrics."""
        if rev.is_canary and not self.include_canary:
            return "canary"
        if self.wikis is not None and rev.wiki.dbname not in self.wikis:
            return "wiki_not_selected"
        if not supports(rev.wiki):
            return "wiki_unsupported"
        if self.namespaces is not None and rev.namespace not in self.namespaces:
            return "namespace"
        if rev.change_kind not in ("edit", "create"):
            # move/delete/undelete/visibility_change re-announce an existing revision.
            return "not_a_new_revision"
        if rev.is_page_creation and not self.include_page_creations:
            return "page_creation"
        if rev.is_bot and not self.include_bots:
            return "bot"
        if self.shard is not None:
            index, count = self.shard
            if (rev.page_id or rev.rev_id) % count != index:
                return "other_shard"
        return None
