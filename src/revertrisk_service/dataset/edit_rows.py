"""(revision, parent) pairs -> dataset rows: the labelled revision (page_rows.LABELLED_COLUMNS)
with its text and its parent's text becomes the serving root object and gets every signal.

A pair is all one edit's signals need, so any number of pairs of the same page can be computed
in different tasks, and a batch holds only its own pairs' texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from revertrisk_service.dataset.history_edit import (
    IDENTITY_SIGNALS,
    UserAsOfEdit,
    edit_context,
    signal_values,
    texts_of,
)
from revertrisk_service.dataset.page_rows import (
    PARENT,
    history_revision,
    missing,
    optional_int,
)
from revertrisk_service.dataset.revision import parse_timestamp
from revertrisk_service.wikis import wiki_by_dbname

REVISION_TEXT = "revision_text"
PARENT_TEXT = PARENT + "revision_text"


def _user(row: Mapping[str, Any]) -> UserAsOfEdit:
    first = row.get("user_first_edit")
    return UserAsOfEdit(
        edits_before=optional_int(row.get("user_edits_before")),
        first_edit=None if missing(first) else parse_timestamp(first),
    )


def edit_rows(pairs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Dataset rows (parquet_out.SCHEMA) of labelled revisions with REVISION_TEXT and
    PARENT_TEXT."""
    contexts, labelled = [], []
    for row in pairs:
        wiki = wiki_by_dbname(str(row["wiki_db"]))
        assert wiki is not None, "wikis are checked before any work"
        rev = history_revision(row, text=row.get(REVISION_TEXT))
        parent = history_revision(row, PARENT, text=row.get(PARENT_TEXT))
        created_at = parse_timestamp(row["page_created_at"])
        contexts.append(edit_context(wiki, rev, parent, _user(row), created_at))
        labelled.append(row)
    out = []
    for ctx, row, (signals, solved) in zip(contexts, labelled, signal_values(contexts), strict=True):
        rev = ctx.revision
        reverted = bool(row["revision_is_identity_reverted"])
        out.append({
            "wiki_db": ctx.wiki.dbname,
            "rev_id": rev.rev_id,
            "parent_rev_id": ctx.parent.rev_id,
            "page_id": rev.page_id,
            "page_title": rev.page_title,
            "user_text": rev.user_text,
            "is_anonymous": ctx.user.is_anonymous,
            "rev_timestamp": rev.timestamp,
            "revision_is_identity_reverted": reverted,
            "reverting_rev_id": optional_int(row.get("reverting_rev_id")),
            "seconds_to_revert": None if missing(row.get("seconds_to_revert"))
            else float(row["seconds_to_revert"]),
            "label": reverted,
            **{n: v for n, v in signals.items() if n not in IDENTITY_SIGNALS},
            **texts_of(solved),
        })  # fmt: skip
    return out
