"""One page's revision metadata (no text) -> each revision labelled, its parent resolved, and
the first filter that drops it (or none).

Labels need only ids, sha1s, timestamps and editors, so a page of 50,000 revisions is a few MB
here whatever its texts weigh. Pure Python, so it runs the same in a Spark task, a plain loop
and a test. Labels use the page's whole history; the filters only decide which rows are written.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from revertrisk_service.dataset.dump_reader import TEXT_HIDDEN, USER_HIDDEN
from revertrisk_service.dataset.labels import label_page
from revertrisk_service.dataset.options import BuildOptions, is_bot
from revertrisk_service.dataset.revision import HistoryRevision, parse_timestamp

# Filters in the order they are applied; a row is counted under the first one that drops it.
FILTERS: tuple[str, ...] = (
    "not_content_namespace", "page_creation", "hidden", "not_wikitext", "bot", "edit_war",
    "outside_time_range", "not_anonymous", "sampled_out",
)  # fmt: skip
COUNTS: tuple[str, ...] = ("revisions", "rows", "reverted", *(f"filtered_{f}" for f in FILTERS))
WIKITEXT = "wikitext"

# The revision's own columns, and the same of its parent under PARENT (what the signals read).
REVISION_COLUMNS: tuple[str, ...] = (
    "user_id", "user_text", "revision_id", "revision_timestamp", "revision_minor_edit",
    "revision_comment", "revision_text_bytes", "revision_text_sha1", "revision_content_model",
)  # fmt: skip
PARENT = "parent_"
LABELLED_SCHEMA = (
    "source string, chunk long, wiki_db string, page_id long, page_namespace long, "
    "page_title string, user_id long, user_text string, revision_id long, "
    "revision_timestamp string, revision_minor_edit boolean, revision_comment string, "
    "revision_text_bytes long, revision_text_sha1 string, revision_content_model string, "
    "user_edits_before long, user_first_edit string, "
    "parent_user_id long, parent_user_text string, parent_revision_id long, "
    "parent_revision_timestamp string, parent_revision_minor_edit boolean, "
    "parent_revision_comment string, parent_revision_text_bytes long, "
    "parent_revision_text_sha1 string, parent_revision_content_model string, "
    "page_created_at string, revision_is_identity_reverted boolean, reverting_rev_id long, "
    "seconds_to_revert double, dropped string"
)
LABELLED_COLUMNS: tuple[str, ...] = tuple(f.split()[0] for f in LABELLED_SCHEMA.split(", "))
_INT_COLUMNS = tuple(f.split()[0] for f in LABELLED_SCHEMA.split(", ") if f.endswith(" long"))


def missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def optional_int(value: Any) -> int | None:
    return None if missing(value) else int(value)


def history_revision(row: Mapping[str, Any], prefix: str = "", text: str | None = "") -> HistoryRevision:
    """The revision (or, with prefix PARENT, its parent) of a row, with `text` as its text."""
    return HistoryRevision(
        rev_id=int(row[prefix + "revision_id"]),
        parent_id=None if prefix else optional_int(row.get("revision_parent_id")),
        page_id=int(row["page_id"]),
        page_title=str(row["page_title"]),
        namespace=int(row["page_namespace"]),
        timestamp=parse_timestamp(row[prefix + "revision_timestamp"]),
        user_text=None if missing(row.get(prefix + "user_text")) else row[prefix + "user_text"],
        user_id=optional_int(row.get(prefix + "user_id")),
        comment=row.get(prefix + "revision_comment") or "",
        minor=bool(row.get(prefix + "revision_minor_edit")),
        size=int(row[prefix + "revision_text_bytes"]),
        sha1=str(row[prefix + "revision_text_sha1"]),
        text=text or "",
        content_model=row.get(prefix + "revision_content_model") or WIKITEXT,
    )


def keeps_unreverted(wiki_db: str, rev_id: int, options: BuildOptions) -> bool:
    """A fixed pseudo-random share per wiki: the same rows on every run and on resume."""
    if options.keep_unreverted >= 1.0:
        return True
    digest = hashlib.sha256(f"{options.seed}:{wiki_db}:{rev_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < options.keep_unreverted


def _hidden(row: Mapping[str, Any]) -> bool:
    return bool(row.get(TEXT_HIDDEN)) or bool(row.get(USER_HIDDEN))


def _dropped_by(rev: HistoryRevision, row: Mapping[str, Any], parent: Mapping[str, Any] | None,
                reverted: bool, edit_war: bool, options: BuildOptions, wiki_db: str) -> str | None:
    if rev.namespace not in options.namespaces:
        return "not_content_namespace"
    if parent is None:
        return "page_creation"
    # A hidden text or editor leaves nothing to compare or to know the editor by.
    if _hidden(row) or bool(parent.get(TEXT_HIDDEN)):
        return "hidden"
    # The edit signals parse wikitext; JSON, CSS, Lua... pages are other kinds of edit.
    if rev.content_model != WIKITEXT or (parent.get("revision_content_model") or WIKITEXT) != WIKITEXT:
        return "not_wikitext"
    if is_bot(rev.user_text, options):
        return "bot"
    if edit_war:
        return "edit_war"
    if (options.since and rev.timestamp < options.since) or (
        options.until and rev.timestamp >= options.until
    ):
        return "outside_time_range"
    if options.anonymous_only and not rev.is_anonymous:
        return "not_anonymous"
    if not reverted and not keeps_unreverted(wiki_db, rev.rev_id, options):
        return "sampled_out"
    return None


def label_page_rows(rows: Iterable[Mapping[str, Any]], options: BuildOptions) -> list[dict[str, Any]]:
    """One page's revisions (metadata, any order) -> LABELLED_COLUMNS per revision: its label,
    its parent's columns (the revision the dump names, else the one saved just before), and
    `dropped`, the first filter that drops it (None: it becomes a dataset row)."""
    page = sorted(
        ((history_revision(r), r) for r in rows), key=lambda p: (p[0].timestamp, p[0].rev_id)
    )
    if not page:
        return []
    history = [rev for rev, _ in page]
    labels = label_page(history, options.radius, options.window)
    by_id = {rev.rev_id: row for rev, row in page}
    created_at = page[0][1]["revision_timestamp"]
    out = []
    for index, (rev, row) in enumerate(page):
        wiki_db = options.wiki_db or str(row["wiki_db"])
        parent = by_id.get(rev.parent_id or -1) or (page[index - 1][1] if index else None)
        label = labels.labels[rev.rev_id]
        dropped = _dropped_by(rev, row, parent, label.reverted, rev.rev_id in labels.edit_war,
                              options, wiki_db)  # fmt: skip
        out.append({
            **{c: row.get(c) for c in LABELLED_COLUMNS[:17]},
            "wiki_db": wiki_db,
            **{PARENT + c: (parent or {}).get(c) for c in REVISION_COLUMNS},
            "page_created_at": str(created_at),
            "revision_is_identity_reverted": label.reverted,
            "reverting_rev_id": label.reverting_rev_id,
            "seconds_to_revert": label.seconds_to_revert,
            "dropped": dropped,
        })  # fmt: skip
    return out


def labelled_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """LABELLED_COLUMNS as a frame Spark's Arrow conversion takes (nullable integers)."""
    frame = pd.DataFrame(rows, columns=list(LABELLED_COLUMNS))
    for column in _INT_COLUMNS:
        frame[column] = pd.array([optional_int(v) for v in frame[column]], dtype="Int64")
    return frame
