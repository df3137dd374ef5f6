"""What the revert detector reads from a stream event: the new revision's page, content hash,
time and user, and the revisions the event itself says it reverts.

`mediawiki.revision-create` events carry `rev_sha1`, `rev_is_revert` and `rev_revert_details`
(`rev_reverted_revs`: the revisions MediaWiki's undo, rollback or manual-revert detection names);
`mediawiki.page_change.v1` events carry the hash (`revision.rev_sha1`) but no revert details.
`recentchange` events carry no hash, so the detector cannot use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from revertrisk_service.events import parse_time
from revertrisk_service.outcomes.records import PageRevision


@dataclass(frozen=True)
class ObservedRevision:
    revision: PageRevision
    # Revisions the event names as reverted by this one (empty when it names none).
    reverted_rev_ids: tuple[int, ...] = ()


def observed_revision(event: Mapping[str, Any]) -> ObservedRevision | None:
    """The new revision an event announces, or None when it announces none with a content hash
    (a recentchange event, a page move or deletion, a suppressed hash)."""
    if isinstance(event.get("revision"), Mapping) and "wiki_id" in event:
        if event.get("page_change_kind") not in ("edit", "create"):
            return None
        page = event.get("page") if isinstance(event.get("page"), Mapping) else {}
        return _revision(
            event.get("wiki_id"), page.get("page_id"), event["revision"], "rev_dt", event
        )
    if "database" in event and "rev_id" in event:
        return _revision(event.get("database"), event.get("page_id"), event, "rev_timestamp",
                         event)
    return None


def _revision(
    wiki_db: object, page_id: object, revision: Mapping[str, Any], time_key: str,
    event: Mapping[str, Any],
) -> ObservedRevision | None:
    rev_id, sha1 = revision.get("rev_id"), revision.get("rev_sha1")
    timestamp = parse_time(revision.get(time_key))
    if not (isinstance(wiki_db, str) and _is_id(page_id) and _is_id(rev_id)
            and isinstance(sha1, str) and sha1 and timestamp is not None):
        return None
    performer = event.get("performer")
    user = performer.get("user_text") if isinstance(performer, Mapping) else None
    saved = PageRevision(
        wiki_db=wiki_db,
        page_id=int(page_id),  # type: ignore[arg-type]
        rev_id=int(rev_id),  # type: ignore[arg-type]
        sha1=sha1,
        timestamp=timestamp,
        user_text=user if isinstance(user, str) else None,
    )
    return ObservedRevision(saved, _reverted(revision))


def _reverted(revision: Mapping[str, Any]) -> tuple[int, ...]:
    details = revision.get("rev_revert_details")
    if not revision.get("rev_is_revert", True) or not isinstance(details, Mapping):
        return ()
    named = details.get("rev_reverted_revs")
    return tuple(int(r) for r in named if _is_id(r)) if isinstance(named, list) else ()


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
