"""The editor as of each edit, from the whole history (every page and namespace): how many
edits they had saved before it, and when their first edit was. IP editors get neither (serving
has no edit count or registration for them either).

One function for one editor's edits; Spark applies it to groups of whole editors (a hash of
wiki_db and user_text), the plain loop per editor in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from revertrisk_service.dataset.columns import USER_EDITS_BEFORE, USER_FIRST_EDIT

KEY_COLUMNS = ("wiki_db", "revision_id")
INPUT_COLUMNS = ("wiki_db", "user_text", "user_id", "revision_id", "revision_timestamp")


def _order(timestamp: Any, revision_id: Any) -> tuple[datetime, int]:
    when = datetime.fromisoformat(str(timestamp))
    return (when if when.tzinfo else when.replace(tzinfo=UTC)), int(revision_id)


def editor_facts(edits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One editor's edits on one wiki (INPUT_COLUMNS) -> KEY_COLUMNS + the two facts each.
    Pure Python: pandas per small group costs more than the work."""
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


def many_editors(edits: pd.DataFrame) -> pd.DataFrame:
    """editor_facts of every editor in a group of whole editors, for Spark's applyInPandas.
    A group holds many editors: a pandas frame per editor cost more than the work (an
    Acehnese history has thousands of editors, most with one edit)."""
    by_editor: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for edit in edits.to_dict("records"):
        by_editor[(edit["wiki_db"], edit["user_text"])].append(edit)
    facts = [one for group in by_editor.values() for one in editor_facts(group)]
    frame = pd.DataFrame(facts, columns=[*KEY_COLUMNS, USER_EDITS_BEFORE, USER_FIRST_EDIT])
    frame[USER_EDITS_BEFORE] = frame[USER_EDITS_BEFORE].astype("Int64")
    return frame


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
