"""Pre-save scoring: an edit described in the request (Lift Wing's `revision_data` shape).

The edit is not saved yet, so nothing is fetched from MediaWiki: the body carries the texts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from revertrisk_service.errors import InvalidRequest
from revertrisk_service.mediawiki.types import MAX_REV_ID, EditContext, Page, Revision, User
from revertrisk_service.wikis import resolve_lang


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=False)


class PresaveUser(_Strict):
    id: int = Field(ge=0, description="0 for an unregistered editor")
    name: str | None = None
    groups: list[str] = []
    editcount: int | None = Field(default=None, ge=0)
    registration_timestamp: datetime | None = None
    is_temporary: bool = False


class PresavePage(_Strict):
    id: int = Field(ge=0)
    title: str
    namespace: int = 0
    first_edit_timestamp: datetime | None = None


class PresaveParent(_Strict):
    id: int = Field(gt=0, le=MAX_REV_ID)
    bytes: int = Field(ge=0)
    comment: str = ""
    text: str
    timestamp: datetime
    tags: list[str] = []


class PresaveRevision(_Strict):
    id: int = Field(default=-1, le=MAX_REV_ID)
    bytes: int = Field(ge=0)
    comment: str = ""
    text: str
    timestamp: datetime
    tags: list[str] = []
    minor: bool = False
    user: PresaveUser
    page: PresavePage
    lang: str
    parent: PresaveParent


def context_from_revision_data(data: dict[str, Any]) -> EditContext:
    try:
        rev = PresaveRevision.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
        )
        raise InvalidRequest(f"Invalid 'revision_data': {problems}", field="revision_data")
    wiki = resolve_lang(rev.lang)
    anonymous = rev.user.id == 0 or rev.user.is_temporary
    user = User(
        name=rev.user.name,
        user_id=rev.user.id,
        is_anonymous=anonymous,
        is_temporary=rev.user.is_temporary,
        groups=tuple(rev.user.groups),
        editcount=rev.user.editcount,
        registration=rev.user.registration_timestamp,
    )
    page = Page(
        page_id=rev.page.id,
        title=rev.page.title,
        namespace=rev.page.namespace,
        created_at=rev.page.first_edit_timestamp,
    )
    parent = Revision(
        rev_id=rev.parent.id,
        parent_id=0,
        page_id=rev.page.id,
        page_title=rev.page.title,
        namespace=rev.page.namespace,
        timestamp=rev.parent.timestamp,
        user_text=None,
        user_id=0,
        comment=rev.parent.comment,
        size=rev.parent.bytes,
        minor=False,
        tags=tuple(rev.parent.tags),
        content=rev.parent.text,
        content_model="wikitext",
    )
    revision = Revision(
        rev_id=rev.id,
        parent_id=rev.parent.id,
        page_id=rev.page.id,
        page_title=rev.page.title,
        namespace=rev.page.namespace,
        timestamp=rev.timestamp,
        user_text=rev.user.name,
        user_id=rev.user.id,
        comment=rev.comment,
        size=rev.bytes,
        minor=rev.minor,
        tags=tuple(rev.tags),
        content=rev.text,
        content_model="wikitext",
    )
    return EditContext(wiki=wiki, revision=revision, parent=parent, user=user, page=page)
