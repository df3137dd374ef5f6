"""A fetched edit built by hand, for tests of what happens after the fetch."""

from __future__ import annotations

from datetime import UTC, datetime

from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.wikis import resolve_lang

WHEN = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _revision(rev_id: int, content: str) -> Revision:
    return Revision(
        rev_id=rev_id, parent_id=rev_id - 1, page_id=7, page_title="Alpha", namespace=0,
        timestamp=WHEN, user_text="Mallory", user_id=12, comment="", size=len(content),
        minor=False, tags=(), content=content, content_model="wikitext",
    )


def context(rev_id: int, content: str = "Some text.", lang: str = "en") -> EditContext:
    return EditContext(
        wiki=resolve_lang(lang),
        revision=_revision(rev_id, content),
        parent=_revision(rev_id - 1, "Some text"),
        user=User(name="Mallory", user_id=12, is_anonymous=False, is_temporary=False),
        page=Page(page_id=7, title="Alpha", namespace=0, created_at=WHEN),
    )
