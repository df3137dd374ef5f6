"""What the service knows about one edit, as fetched from MediaWiki: shared by every model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from revertrisk_service.wikis import Wiki

# MediaWiki 1.39 declares revision.rev_id (and rev_parent_id, page_id) as unsigned 32-bit integers
# (maintenance/tables.json: "integer", unsigned), so no id is larger; a bigger one is rejected
# before anything is sent to MediaWiki.
MAX_REV_ID = 2**32 - 1


@dataclass(frozen=True)
class Revision:
    rev_id: int
    parent_id: int
    page_id: int
    page_title: str
    namespace: int
    timestamp: datetime
    user_text: str | None
    user_id: int
    comment: str
    size: int
    minor: bool
    tags: tuple[str, ...]
    content: str
    content_model: str


@dataclass(frozen=True)
class User:
    """The editor of a revision. Anonymous covers IP editors and temporary accounts."""

    name: str | None
    user_id: int
    is_anonymous: bool
    is_temporary: bool
    groups: tuple[str, ...] = ()
    editcount: int | None = None
    registration: datetime | None = None


@dataclass(frozen=True)
class Page:
    page_id: int
    title: str
    namespace: int
    created_at: datetime | None


@dataclass(frozen=True)
class EditContext:
    """A revision with its parent, its editor and its page: the input of every model."""

    wiki: Wiki
    revision: Revision
    parent: Revision
    user: User
    page: Page
