"""`EditFacts`: everything known about one edit, computed once per revision and shared by every
model, in training and in serving.

Serving builds facts from an `EditContext` fetched from MediaWiki (`facts_from_context`, the only
place each fact is computed from the revision pair); training reads them out of the offline CSVs
(training.datasets), which lack wikitext. Models compute their features from facts only, so the
two paths cannot drift apart. A fact a source cannot provide stays None, never "zero" or "false".
Each fact is declared once below, with its description (`describe_facts()` lists them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from revertrisk_service.edits.edit_types import diff_edit
from revertrisk_service.edits.sections import ChangedSections, changed_sections
from revertrisk_service.edits.texts import EditTexts, extract_texts
from revertrisk_service.edits.user import interface_flags
from revertrisk_service.edits.wikitext import WikitextStats, wikitext_stats
from revertrisk_service.mediawiki.types import EditContext


def doc(description: str) -> dict[str, Any]:
    return {"description": description}


# The fields repeat one shape on purpose (a duplicates-tool pair): one declaration per fact.
@dataclass(frozen=True)
class EditFacts:
    """What is known about one edit. None means "unknown"."""

    wiki_db: str | None = field(default=None, metadata=doc("Database name of the wiki (enwiki)."))
    lang: str | None = field(default=None, metadata=doc("Language code of the wiki (en)."))
    rev_id: int | None = field(default=None, metadata=doc("Revision id."))
    page_title: str | None = field(
        default=None, metadata=doc("Page title as MediaWiki reports it.")
    )
    timestamp: datetime | None = field(default=None, metadata=doc("When the revision was saved."))
    current_chars: int | None = field(
        default=None, metadata=doc("Length of the revision's wikitext, characters.")
    )
    parent_chars: int | None = field(
        default=None, metadata=doc("Length of the parent revision's wikitext, characters.")
    )
    edit_types: Mapping[str, int] | None = field(
        default=None,
        metadata=doc(
            "mwedittypes counts keyed '<action>_<Category>' (edits.edit_types, the one counter)."
        ),
    )
    texts: EditTexts | None = field(
        default=None,
        metadata=doc("Inserted, removed and changed sentences and the title (edits.texts)."),
    )
    wikitext_delta: WikitextStats | None = field(
        default=None,
        metadata=doc(
            "Structure counts of the revision minus its parent, over the changed sections "
            "(edits.wikitext)."
        ),
    )
    bytes_diff: int | None = field(
        default=None, metadata=doc("Revision size minus parent size, bytes.")
    )
    comment: str | None = field(default=None, metadata=doc("Edit summary ('' when empty)."))
    is_minor: bool | None = field(default=None, metadata=doc("Marked as a minor edit."))
    is_mobile_edit: bool | None = field(
        default=None, metadata=doc("Tagged 'mobile edit' (edits.user.INTERFACE_TAGS).")
    )
    is_mobile_web_edit: bool | None = field(default=None, metadata=doc("Tagged 'mobile web edit'."))
    is_visualeditor: bool | None = field(
        default=None, metadata=doc("Tagged with a VisualEditor tag.")
    )
    is_wikieditor: bool | None = field(default=None, metadata=doc("Tagged 'wikieditor'."))
    is_mobile_app_edit: bool | None = field(default=None, metadata=doc("Tagged 'mobile app edit'."))
    is_android_app_edit: bool | None = field(
        default=None, metadata=doc("Tagged 'android app edit'.")
    )
    is_ios_app_edit: bool | None = field(default=None, metadata=doc("Tagged 'ios app edit'."))
    seconds_since_parent_revision: float | None = field(
        default=None,
        metadata=doc(
            "Time since the page's previous revision (the parent), not the editor's previous edit."
        ),
    )
    page_age_seconds: float | None = field(
        default=None, metadata=doc("Page age at edit time, seconds.")
    )
    user_is_anonymous: bool | None = field(
        default=None, metadata=doc("IP editor or temporary account.")
    )
    user_is_temporary: bool | None = field(default=None, metadata=doc("Temporary account."))
    user_age_seconds: float | None = field(
        default=None, metadata=doc("Account age at edit time, seconds (None for IPs).")
    )
    user_editcount: int | None = field(
        default=None, metadata=doc("The editor's edit count (None for IPs).")
    )
    user_groups: frozenset[str] | None = field(
        default=None,
        metadata=doc(
            "Explicit and implicit group names as MediaWiki reports them ('sysop', 'autoconfirmed')."
        ),
    )


def describe_facts() -> dict[str, str]:
    return {f.name: f.metadata["description"] for f in fields(EditFacts)}


def _seconds_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def _delta(changed: ChangedSections, lang: str) -> WikitextStats | None:
    if not changed.parseable:
        return None
    return wikitext_stats(changed.current, lang).minus(wikitext_stats(changed.parent, lang))


def facts_from_context(ctx: EditContext) -> EditFacts:
    """The serving path: one fetched edit, parsed once (changed sections, diff, texts, stats)."""
    rev, parent, user, page = ctx.revision, ctx.parent, ctx.user, ctx.page
    lang = ctx.wiki.lang
    changed = changed_sections(parent.content, rev.content)
    diff = diff_edit(changed, lang)
    return EditFacts(
        wiki_db=ctx.wiki.dbname,
        lang=lang,
        rev_id=rev.rev_id,
        page_title=rev.page_title,
        timestamp=rev.timestamp,
        current_chars=len(rev.content),
        parent_chars=len(parent.content),
        edit_types=None if diff is None else diff.counts,
        texts=None if diff is None else extract_texts(diff.tree_diff, rev.page_title),
        wikitext_delta=_delta(changed, lang),
        bytes_diff=rev.size - parent.size,
        comment=rev.comment or "",
        is_minor=rev.minor,
        **interface_flags(rev.tags),
        seconds_since_parent_revision=_seconds_between(rev.timestamp, parent.timestamp),
        page_age_seconds=_seconds_between(rev.timestamp, page.created_at),
        user_is_anonymous=user.is_anonymous,
        user_is_temporary=user.is_temporary,
        user_age_seconds=(
            None if user.is_anonymous else _seconds_between(rev.timestamp, user.registration)
        ),
        user_editcount=None if user.is_anonymous else user.editcount,
        user_groups=frozenset(user.groups),
    )
