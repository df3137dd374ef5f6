"""The editor as of each edit, from the whole history (every page and namespace): how many
edits they had saved before it, and when their first edit was. IP editors get neither (serving
has no edit count or registration for them either).

One function for one editor's edits; Spark applies it per (wiki_db, user_text) group, the plain
loop per editor in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from revertrisk_service.dataset.columns import USER_EDITS_BEFORE, USER_FIRST_EDIT

KEY_COLUMNS = ("wiki_db", "revision_id")
INPUT_COLUMNS = ("wiki_db", "user_text", "user_id", "revision_id", "revision_timestamp")


def one_editor(edits: pd.DataFrame) -> pd.DataFrame:
    """Edits of one editor on one wiki (INPUT_COLUMNS) -> KEY_COLUMNS + the two facts."""
    ordered = edits.assign(_ts=pd.to_datetime(edits["revision_timestamp"], utc=True))
    ordered = ordered.sort_values(["_ts", "revision_id"], kind="stable")
    anonymous = ordered["user_id"].isna()
    before = pd.Series(range(len(ordered)), index=ordered.index, dtype="Int64")
    first = pd.Series(ordered["revision_timestamp"].iloc[0], index=ordered.index, dtype=object)
    return pd.DataFrame({
        "wiki_db": ordered["wiki_db"],
        "revision_id": ordered["revision_id"],
        USER_EDITS_BEFORE: before.mask(anonymous),
        USER_FIRST_EDIT: first.mask(anonymous),
    }).reset_index(drop=True)  # fmt: skip


def user_facts_in_memory(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], dict]:
    """(wiki_db, revision_id) -> the two facts, for a history that fits in memory."""
    frame = pd.DataFrame([{c: r.get(c) for c in INPUT_COLUMNS} for r in rows])
    facts: dict[tuple[str, int], dict] = {}
    for _, edits in frame.groupby(["wiki_db", "user_text"], dropna=False, sort=False):
        for row in one_editor(edits).to_dict("records"):
            facts[(row["wiki_db"], int(row["revision_id"]))] = {
                USER_EDITS_BEFORE: row[USER_EDITS_BEFORE], USER_FIRST_EDIT: row[USER_FIRST_EDIT],
            }  # fmt: skip
    return facts
