"""The facts of one edit, each computed from the root `edit_context` (an `EditContext`).

The root is the only thing that differs between serving (an EditContext fetched from the
MediaWiki API), the dataset builder (an EditContext built from a dump row, with what a dump cannot
know left None) and tests. The offline training CSVs have no EditContext: their readers
(training.datasets) give these facts' values directly (`given_facts`), and every signal above them
is computed the same way as in serving.

The revision pair is parsed once per edit, and only when a requested signal needs it:
`outline_trees` (the changed sections' outlines, parsed) feeds both the mwedittypes diff and the
wikitext statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from revertrisk_service.edits.edit_types import EditDiff, diff_outlines
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import changed_sections
from revertrisk_service.edits.texts import EditTexts, extract_texts
from revertrisk_service.edits.wikitext import outline_delta
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.signals.core import Signal, root, signal
from revertrisk_service.signals.groups import EDIT_DATA, EDIT_STRUCTURE, USER

EDIT_CONTEXT = "edit_context"  # the root, declared below

# The editor-interface flags, as `Catalogue.names(family=...)` finds them: MediaWiki change tags
# that the Data Lake turns into is_<interface> flags (the training CSV's columns, in its order).
INTERFACE_FLAG_FAMILY = "is_{interface}"
_INTERFACE_TAGS: dict[str, tuple[str, ...]] = {
    "mobile_edit": ("mobile edit",),
    "mobile_web_edit": ("mobile web edit",),
    "visualeditor": ("visualeditor", "visualeditor-wikitext", "visualeditor-switched"),
    "wikieditor": ("wikieditor",),
    "mobile_app_edit": ("mobile app edit",),
    "android_app_edit": ("android app edit",),
    "ios_app_edit": ("ios app edit",),
}


def _seconds_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def _texts(diff: EditDiff | None, page_title: str) -> EditTexts | None:
    return None if diff is None else extract_texts(diff.tree_diff, page_title)


def _tagged(tags: tuple[str, ...]) -> Callable[[EditContext], bool]:
    def compute(ctx: EditContext) -> bool:
        return any(tag in ctx.revision.tags for tag in tags)

    return compute


def _user_age(ctx: EditContext) -> float | None:
    if ctx.user.is_anonymous:
        return None
    return _seconds_between(ctx.revision.timestamp, ctx.user.registration)


# One declaration per signal, each in the same shape.
FACT_SIGNALS: tuple[Signal, ...] = (
    root("edit_context", "The edit as fetched: the revision, its parent, its editor and its page.",
         EDIT_DATA),
    # --- the edit's identity
    signal("wiki_db", "The wiki the edit was made on (its database name, such as enwiki).",
           EDIT_STRUCTURE, [EDIT_CONTEXT], lambda c: c.wiki.dbname, "category"),
    signal("lang", "Language code of the wiki (en).", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: c.wiki.lang, "category"),
    signal("rev_id", "Revision id.", EDIT_DATA, [EDIT_CONTEXT], lambda c: c.revision.rev_id,
           "data"),
    signal("page_title", "Page title as MediaWiki reports it.", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: c.revision.page_title, "data"),
    signal("timestamp", "When the revision was saved.", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: c.revision.timestamp, "data"),
    # --- the revision pair, parsed once
    signal("current_chars", "Length of the revision's wikitext, characters.", EDIT_DATA,
           [EDIT_CONTEXT], lambda c: len(c.revision.content), "count"),
    signal("parent_chars", "Length of the parent revision's wikitext, characters.", EDIT_DATA,
           [EDIT_CONTEXT], lambda c: len(c.parent.content), "count"),
    signal("changed_sections", "The sections the edit changed, with an outline of the rest "
           "(edits.sections).", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: changed_sections(c.parent.content, c.revision.content), "data"),
    signal("outline_trees", "Both outlines of the changed sections parsed once, for the diff and "
           "the structure counts (edits.outline_trees; missing: too large or unparseable).",
           EDIT_DATA, ["changed_sections"], parse_outlines, "data"),
    signal("edit_diff", "The structured mwedittypes diff of the changed sections (missing: too "
           "large or unparseable).", EDIT_DATA, ["outline_trees", "lang"], diff_outlines, "data"),
    signal("edit_types", "mwedittypes counts keyed '<action>_<Category>' (edits.edit_types, "
           "the one counter).", EDIT_DATA, ["edit_diff"],
           lambda d: None if d is None else d.counts, "data"),
    signal("texts", "Inserted, removed and changed sentences and the title (edits.texts).",
           EDIT_DATA, ["edit_diff", "page_title"], _texts, "data"),
    signal("wikitext_delta", "Structure counts of the revision minus its parent, over the "
           "changed sections (edits.wikitext).", EDIT_DATA, ["outline_trees", "lang"],
           outline_delta, "data"),
    # --- the revision's metadata
    signal("bytes_diff", "Size of the page after the edit minus before, bytes.", EDIT_STRUCTURE,
           [EDIT_CONTEXT], lambda c: c.revision.size - c.parent.size, "count"),
    signal("comment", "The edit summary ('' when empty).", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: c.revision.comment or "", "data"),
    signal("is_minor", "Marked as a minor edit.", EDIT_STRUCTURE, [EDIT_CONTEXT],
           lambda c: c.revision.minor, "flag"),
    *(signal(f"is_{interface}", f"Tagged {tags[0]!r}.", EDIT_STRUCTURE, [EDIT_CONTEXT],
             _tagged(tags), "flag", family=INTERFACE_FLAG_FAMILY)
      for interface, tags in _INTERFACE_TAGS.items()),
    signal("seconds_since_parent_revision", "Time since the page's previous revision, seconds.",
           EDIT_STRUCTURE, [EDIT_CONTEXT],
           lambda c: _seconds_between(c.revision.timestamp, c.parent.timestamp)),
    signal("page_age_seconds", "Page age at edit time, seconds.", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: _seconds_between(c.revision.timestamp, c.page.created_at)),
    # --- the editor
    signal("user_is_anonymous", "IP editor or temporary account.", USER, [EDIT_CONTEXT],
           lambda c: c.user.is_anonymous, "flag"),
    signal("user_is_temporary", "Temporary account.", USER, [EDIT_CONTEXT],
           lambda c: c.user.is_temporary, "flag"),
    signal("user_age_seconds", "Account age at edit time, seconds (missing for IPs).", EDIT_DATA,
           [EDIT_CONTEXT], _user_age),
    signal("user_editcount", "The editor's edit count (missing for IPs).", EDIT_DATA,
           [EDIT_CONTEXT], lambda c: None if c.user.is_anonymous else c.user.editcount, "count"),
    signal("user_groups", "Explicit and implicit group names as MediaWiki reports them ('sysop', "
           "'autoconfirmed').", EDIT_DATA, [EDIT_CONTEXT],
           lambda c: frozenset(c.user.groups), "data"),
)  # fmt: skip

# What a source without an EditContext (the offline CSVs) gives instead: every signal that is
# computed from the root alone, except the intermediate parse products.
FACTS: tuple[str, ...] = tuple(
    s.name for s in FACT_SIGNALS
    if s.depends_on == (EDIT_CONTEXT,) and s.name != "changed_sections"
) + ("edit_types", "texts", "wikitext_delta")  # fmt: skip


def given_facts(**values: Any) -> dict[str, Any]:
    """The facts of an edit from a source without an EditContext; the ones it cannot know are
    None (missing), never zero or false. An unknown name is a programming error."""
    unknown = sorted(set(values) - set(FACTS))
    if unknown:
        raise ValueError(f"not facts of an edit: {unknown}")
    return {name: values.get(name) for name in FACTS}
