"""The editor as of each edit, from the whole history (every page and namespace): how many
edits they had saved before it, and when their first edit was. IP editors get neither (serving
has no edit count or registration for them either).

One function for one editor's edits defines them, for histories read in memory; the Spark
build computes the same with a window per editor (spark_job), checked equal by a test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from revertrisk_service.dataset.columns import USER_EDITS_BEFORE, USER_FIRST_EDIT
from revertrisk_service.dataset.revision import parse_timestamp


def _order(timestamp: Any, revision_id: Any) -> tuple[datetime, int]:
    return parse_timestamp(timestamp), int(revision_id)


def editor_facts(edits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One editor's edits on one wiki (wiki_db, user_text, user_id, revision_id,
    revision_timestamp) -> wiki_db, revision_id and the two facts, for each edit."""
    ordered = sorted(edits, key=lambda e: _order(e["revision_timestamp"], e["revision_id"]))
    first = ordered[0]["revision_timestamp"] if ordered else None
    facts = []
    for before, edit in enumerate(ordered):
        anonymous = edit["user_id"] is None or edit["user_id"] != edit["user_id"]  # None / NaN
        facts.append({
            "wiki_db": edit["wiki_db"],
            "revision_id": int(edit["revision_id"]),
            USER_EDITS_BEFORE: None if anonymous else before,
            USER_FIRST_EDIT: None if anonymous else str(first),
        })  # fmt: skip
    return facts


def user_facts_in_memory(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], dict]:
    """(wiki_db, revision_id) -> the two facts, for a history that fits in memory."""
    by_editor: dict[tuple[Any, Any], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_editor[(row.get("wiki_db"), row.get("user_text"))].append(row)
    facts: dict[tuple[str, int], dict] = {}
    for edits in by_editor.values():
        for one in editor_facts(edits):
            facts[(one["wiki_db"], one["revision_id"])] = {
                USER_EDITS_BEFORE: one[USER_EDITS_BEFORE], USER_FIRST_EDIT: one[USER_FIRST_EDIT],
            }  # fmt: skip
    return facts
