"""`EditFacts`: the flat description of one edit that both training and serving produce.

Training reads facts out of offline CSVs (which lack wikitext); serving reads them out of an
`EditContext` fetched from MediaWiki. Features are computed from facts only, so the two paths
cannot drift apart. A fact a source cannot provide stays None and becomes NaN in the features.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from revertrisk_service.edits.sections import edit_actions
from revertrisk_service.mediawiki.types import EditContext

# MediaWiki change tags that the Data Lake turns into the `is_*_edit` interface flags.
TAG_MOBILE_EDIT = "mobile edit"
TAG_MOBILE_WEB_EDIT = "mobile web edit"
TAG_MOBILE_APP_EDIT = "mobile app edit"
TAG_VISUALEDITOR = "visualeditor"
TAG_WIKIEDITOR = "wikieditor"

# Optional facts that need an extra MediaWiki request; the fetcher may put them in ctx.extra.
EXTRA_USER_SECONDS_SINCE_PREVIOUS_EDIT = "user_seconds_since_previous_edit"
EXTRA_PAGE_REVISION_COUNT = "page_revision_count"


@dataclass(frozen=True)
class EditFacts:
    """What is known about one edit. None means "unknown", never "zero" or "false"."""

    wiki_db: str | None = None
    lang: str | None = None
    rev_id: int | None = None
    page_title: str | None = None
    timestamp: datetime | None = None
    # Wikitext of the revision and of its parent (the offline data has neither).
    current_wikitext: str | None = None
    parent_wikitext: str | None = None
    # mwedittypes SimpleEditTypes counts keyed "<action>_<NodeType>", e.g. "insert_Reference".
    edit_actions: Mapping[str, int] | None = None
    bytes_diff: int | None = None
    comment: str | None = None
    is_minor: bool | None = None
    is_mobile_edit: bool | None = None
    is_mobile_web_edit: bool | None = None
    is_mobile_app_edit: bool | None = None
    is_visualeditor: bool | None = None
    is_wikieditor: bool | None = None
    # Time since the page's previous revision (the parent), not the editor's previous edit.
    seconds_since_parent_revision: float | None = None
    # Time since this editor's own previous edit anywhere on the wiki.
    user_seconds_since_previous_edit: float | None = None
    page_age_seconds: float | None = None
    page_revision_count: int | None = None
    # IP editors and temporary accounts.
    user_is_anonymous: bool | None = None
    user_is_temporary: bool | None = None
    user_age_seconds: float | None = None
    user_editcount: int | None = None
    # Explicit and implicit group names as MediaWiki reports them ("sysop", "autoconfirmed"...).
    user_groups: frozenset[str] | None = None


def _seconds_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def _optional_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def facts_from_context(ctx: EditContext, *, with_edit_actions: bool = True) -> EditFacts:
    """The serving path: everything the fetcher learned about an edit, as `EditFacts`."""
    rev, parent, user, page = ctx.revision, ctx.parent, ctx.user, ctx.page
    tags = set(rev.tags)
    revision_count = _optional_number(ctx.extra.get(EXTRA_PAGE_REVISION_COUNT))
    return EditFacts(
        wiki_db=ctx.wiki.dbname,
        lang=ctx.wiki.lang,
        rev_id=rev.rev_id,
        page_title=rev.page_title,
        timestamp=rev.timestamp,
        current_wikitext=rev.content,
        parent_wikitext=parent.content,
        edit_actions=(
            edit_actions(parent.content, rev.content, ctx.wiki.lang) if with_edit_actions else None
        ),
        bytes_diff=rev.size - parent.size,
        comment=rev.comment or "",
        is_minor=rev.minor,
        is_mobile_edit=TAG_MOBILE_EDIT in tags,
        is_mobile_web_edit=TAG_MOBILE_WEB_EDIT in tags,
        is_mobile_app_edit=TAG_MOBILE_APP_EDIT in tags,
        is_visualeditor=TAG_VISUALEDITOR in tags,
        is_wikieditor=TAG_WIKIEDITOR in tags,
        seconds_since_parent_revision=_seconds_between(rev.timestamp, parent.timestamp),
        user_seconds_since_previous_edit=_optional_number(
            ctx.extra.get(EXTRA_USER_SECONDS_SINCE_PREVIOUS_EDIT)
        ),
        page_age_seconds=_seconds_between(rev.timestamp, page.created_at),
        page_revision_count=int(revision_count) if revision_count is not None else None,
        user_is_anonymous=user.is_anonymous,
        user_is_temporary=user.is_temporary,
        user_age_seconds=(
            None if user.is_anonymous else _seconds_between(rev.timestamp, user.registration)
        ),
        user_editcount=None if user.is_anonymous else user.editcount,
        user_groups=frozenset(user.groups),
    )
