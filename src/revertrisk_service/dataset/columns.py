"""Column names of the history builder: its input (the Data Lake's wikitext-history shape, which
the dump reader also produces) and its output (docs/training-data-contract.md: identity, label, signals).
"""

from __future__ import annotations

# Input: the columns of wmf.mediawiki_wikitext_history (analytics-refinery,
# hql/mediawiki/wikitext/create_mediawiki_wikitext_history_table.hql) that the builder reads.
# `wiki_db` is a partition column there; an export may carry it or take it from --wiki-db.
# The dump reader writes exactly these columns, so dumps and table exports share one path.
TABLE_COLUMNS: tuple[str, ...] = (
    "wiki_db",  # string
    "page_id",  # bigint
    "page_namespace",  # int
    "page_title",  # string
    "user_id",  # bigint, null for IP editors
    "user_text",  # string: user name or IP
    "revision_id",  # bigint
    "revision_parent_id",  # bigint, null for the first revision of a page
    "revision_timestamp",  # string, ISO 8601
    "revision_minor_edit",  # boolean
    "revision_comment",  # string
    "revision_text_bytes",  # bigint
    "revision_text_sha1",  # string (base 36 in dumps; any identity hash works)
    "revision_text",  # string
    "revision_content_model",  # string
)

# Added by the builder to every input row: which file it came from and its page chunk.
SOURCE = "source"
CHUNK = "chunk"
# User facts from the whole history as of each edit (a window over the editor's edits).
USER_EDITS_BEFORE = "user_edits_before"
USER_FIRST_EDIT = "user_first_edit"

# Output identity and label columns (docs/training-data-contract.md).
IDENTITY_COLUMNS: tuple[str, ...] = (
    "wiki_db", "rev_id", "parent_rev_id", "page_id", "page_title", "user_text", "is_anonymous",
    "rev_timestamp",
)  # fmt: skip
LABEL_COLUMNS: tuple[str, ...] = (
    "revision_is_identity_reverted", "reverting_rev_id", "seconds_to_revert", "label",
)  # fmt: skip
# The edit's texts as the multilingual text classifiers read them (the KI sample's column names),
# so that `train multilingual` can fit its text models from a built dataset.
TEXT_COLUMNS: tuple[str, ...] = ("texts_insert", "texts_removed", "texts_change")
