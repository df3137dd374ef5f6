"""One partition of the history (whole pages) -> dataset rows and the counts of every filter.

Pure Python over the rows of one chunk, so it runs the same in a Spark task, a plain loop and a
test. Labels use each page's whole history; the filters and samples only decide which rows are
written.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import pandas as pd

from revertrisk_service.dataset.history_edit import (
    IDENTITY_SIGNALS,
    HistoryRevision,
    UserAsOfEdit,
    edit_context,
    signal_values,
    texts_of,
)
from revertrisk_service.dataset.labels import RevertLabel, label_page
from revertrisk_service.dataset.options import BuildOptions, is_bot
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.wikis import wiki_by_dbname

# Filters in the order they are applied; a row is counted under the first one that drops it.
FILTERS: tuple[str, ...] = (
    "not_content_namespace", "page_creation", "bot", "edit_war",
    "outside_time_range", "not_anonymous", "sampled_out",
)  # fmt: skip
COUNTS: tuple[str, ...] = ("revisions", "rows", "reverted", *(f"filtered_{f}" for f in FILTERS))


class UnknownWiki(ValueError):
    pass


def parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    # A timestamp without an offset (Spark's string of a timestamp column) is UTC, as MediaWiki's.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _optional_int(value: Any) -> int | None:
    return None if _missing(value) or value is pd.NA else int(value)


def history_revision(row: Mapping[str, Any]) -> HistoryRevision:
    return HistoryRevision(
        rev_id=int(row["revision_id"]),
        parent_id=_optional_int(row.get("revision_parent_id")),
        page_id=int(row["page_id"]),
        page_title=str(row["page_title"]),
        namespace=int(row["page_namespace"]),
        timestamp=parse_timestamp(row["revision_timestamp"]),
        user_text=row.get("user_text"),
        user_id=_optional_int(row.get("user_id")),
        comment=row.get("revision_comment") or "",
        minor=bool(row.get("revision_minor_edit")),
        size=int(row["revision_text_bytes"]),
        sha1=str(row["revision_text_sha1"]),
        text=row.get("revision_text") or "",
        content_model=row.get("revision_content_model") or "wikitext",
    )


def keeps_unreverted(wiki_db: str, rev_id: int, options: BuildOptions) -> bool:
    """A fixed pseudo-random share per wiki: the same rows on every run and on resume."""
    if options.keep_unreverted >= 1.0:
        return True
    digest = hashlib.sha256(f"{options.seed}:{wiki_db}:{rev_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < options.keep_unreverted


def _dropped_by(rev: HistoryRevision, parent: HistoryRevision | None, reverted: bool,
                edit_war: bool, options: BuildOptions, wiki_db: str) -> str | None:
    if rev.namespace not in options.namespaces:
        return "not_content_namespace"
    if parent is None:
        return "page_creation"
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


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))  # pandas' NaN


def _user(row: Mapping[str, Any]) -> UserAsOfEdit:
    first = row.get("user_first_edit")
    return UserAsOfEdit(
        edits_before=_optional_int(row.get("user_edits_before")),
        first_edit=None if _missing(first) else parse_timestamp(first),
    )


def page_dataset_rows(
    rows: Iterable[Mapping[str, Any]], options: BuildOptions
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Dataset rows of whole pages' histories, and counts. Rows of one page may come in any
    order; each page is put in save order (timestamp, then revision id)."""
    counts: Counter[str] = Counter({name: 0 for name in COUNTS})
    out: list[dict[str, Any]] = []
    kept: list[tuple[EditContext, RevertLabel]] = []
    parsed = sorted(
        ((history_revision(r), r) for r in rows),
        key=lambda pair: (str(pair[1].get("wiki_db")), pair[0].page_id, pair[0].timestamp,
                          pair[0].rev_id),
    )
    page_key = lambda pair: (str(pair[1].get("wiki_db")), pair[0].page_id)
    for (wiki_db_in, _), group in groupby(parsed, key=page_key):
        page = list(group)
        wiki_db = options.wiki_db or wiki_db_in
        wiki = wiki_by_dbname(wiki_db)
        if wiki is None:
            raise UnknownWiki(
                f"wiki_db {wiki_db!r} is not a known Wikipedia: pass --wiki-db (e.g. enwiki)"
            )
        history = [rev for rev, _ in page]
        labels = label_page(history, options.radius, options.window)
        by_id = {rev.rev_id: rev for rev in history}
        created_at = history[0].timestamp
        for index, (rev, raw) in enumerate(page):
            counts["revisions"] += 1
            # The parent: the revision the dump names, else the one saved just before.
            parent = by_id.get(rev.parent_id or -1) or (history[index - 1] if index else None)
            label = labels.labels[rev.rev_id]
            dropped = _dropped_by(rev, parent, label.reverted, rev.rev_id in labels.edit_war,
                                  options, wiki_db)
            if dropped is not None:
                counts[f"filtered_{dropped}"] += 1
                continue
            assert parent is not None
            kept.append((edit_context(wiki, rev, parent, _user(raw), created_at), label))
    for (ctx, label), (signals, solved) in zip(kept, signal_values([c for c, _ in kept]),
                                              strict=True):
        rev = ctx.revision
        counts["rows"] += 1
        counts["reverted"] += int(label.reverted)
        out.append({
            "wiki_db": ctx.wiki.dbname,
            "rev_id": rev.rev_id,
            "parent_rev_id": ctx.parent.rev_id,
            "page_id": rev.page_id,
            "page_title": rev.page_title,
            "user_text": rev.user_text,
            "is_anonymous": ctx.user.is_anonymous,
            "rev_timestamp": rev.timestamp,
            "revision_is_identity_reverted": label.reverted,
            "reverting_rev_id": label.reverting_rev_id,
            "seconds_to_revert": label.seconds_to_revert,
            "label": label.reverted,
            **{n: v for n, v in signals.items() if n not in IDENTITY_SIGNALS},
            **texts_of(solved),
        })  # fmt: skip
    return out, counts
