"""Pure functions that read MediaWiki Action API responses (formatversion=2) into the shared types.

Nothing here does I/O, so every quirk of the API's JSON (hidden fields, missing slots, temporary
accounts, `badrevids`) is unit-testable on hand-written payloads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revertrisk_service.mediawiki.types import Page, Revision, User

# Wikimedia names temporary accounts "~2025-12345-67" ($wgAutoCreateTempUser genPattern "~$1").
# Older MediaWiki versions do not flag them in API output, so the name is the fallback signal;
# requiring the year keeps a historic registered name such as "~Foo" a registered user.
_TEMP_ACCOUNT_NAME = re.compile(r"^~\d{4}-")


class ApiResponseError(ValueError):
    """The response is JSON but not shaped like an Action API query answer."""


@dataclass(frozen=True)
class FetchedRevision:
    """One revision as returned by `prop=revisions`, with what error mapping needs to know."""

    revision: Revision
    page: Page
    # The editor as far as the revision itself tells (no groups or edit count yet).
    user: User
    # True when the main slot's text is deleted, suppressed or absent from storage: such a
    # revision cannot be scored, because every model reads the text.
    text_unavailable: bool


@dataclass(frozen=True)
class RevisionsAnswer:
    revisions: dict[int, FetchedRevision]
    missing: frozenset[int]


@dataclass(frozen=True)
class UserInfo:
    """What `list=users` says about one account."""

    name: str
    user_id: int
    groups: tuple[str, ...]
    editcount: int | None
    registration: datetime | None
    is_temporary: bool
    # The account does not exist (renamed or never existed) or the name is not a valid user name.
    missing: bool


def api_error(payload: Any) -> tuple[str, str] | None:
    """The (code, info) of an API error response, or None for a normal answer."""
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if not isinstance(error, dict):
        return None
    return str(error.get("code", "unknown")), str(error.get("info", ""))


def continuation(payload: dict[str, Any]) -> dict[str, str] | None:
    """The parameters to send back to get the rest of a truncated answer, if it was truncated."""
    cont = payload.get("continue")
    if not isinstance(cont, dict) or not cont:
        return None
    return {str(k): str(v) for k, v in cont.items()}


def parse_timestamp(value: Any) -> datetime | None:
    """MediaWiki ISO 8601 timestamps ("2024-05-01T12:00:00Z") as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def is_temporary_account(name: str | None, flagged: Any = False) -> bool:
    return bool(flagged) or (name is not None and bool(_TEMP_ACCOUNT_NAME.match(name)))


def _query(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ApiResponseError("MediaWiki answered with JSON that is not an object.")
    query = payload.get("query", {})
    if not isinstance(query, dict):
        raise ApiResponseError("MediaWiki's 'query' member is not an object.")
    return query


def _bad_revids(query: dict[str, Any]) -> frozenset[int]:
    # formatversion=2 keeps badrevids as an object keyed by revid; accept a list too, as a
    # MediaWiki with a different result formatter may send one.
    raw = query.get("badrevids", {})
    entries = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return frozenset(int(e["revid"]) for e in entries if isinstance(e, dict) and "revid" in e)


def _revision_user(rev: dict[str, Any]) -> User:
    # A hidden user (revision deletion) comes without name or id: score it as an anonymous editor
    # rather than refusing, since the text is what the models mostly read.
    if rev.get("userhidden") and "user" not in rev:
        return User(name=None, user_id=0, is_anonymous=True, is_temporary=False)
    name = rev.get("user")
    user_id = int(rev.get("userid", 0) or 0)
    temporary = is_temporary_account(name, rev.get("temp"))
    anonymous = bool(rev.get("anon")) or user_id == 0 or temporary
    return User(name=name, user_id=user_id, is_anonymous=anonymous, is_temporary=temporary)


def _main_slot(rev: dict[str, Any]) -> dict[str, Any]:
    slots = rev.get("slots")
    if isinstance(slots, dict) and isinstance(slots.get("main"), dict):
        return slots["main"]
    # Without rvslots MediaWiki puts the main slot's fields on the revision itself.
    if "content" in rev or "contentmodel" in rev:
        return rev
    return {"missing": True}


def _parse_revision(rev: dict[str, Any], page: Page) -> FetchedRevision:
    slot = _main_slot(rev)
    text_unavailable = bool(
        slot.get("texthidden")
        or slot.get("textmissing")
        or slot.get("missing")
        or rev.get("texthidden")
        or rev.get("textmissing")
        or not isinstance(slot.get("content"), str)
    )
    user = _revision_user(rev)
    timestamp = parse_timestamp(rev.get("timestamp"))
    if timestamp is None:
        raise ApiResponseError(f"Revision {rev.get('revid')} has no valid timestamp.")
    tags = rev.get("tags") or []
    revision = Revision(
        rev_id=int(rev["revid"]),
        parent_id=int(rev.get("parentid", 0) or 0),
        page_id=page.page_id,
        page_title=page.title,
        namespace=page.namespace,
        timestamp=timestamp,
        user_text=user.name,
        user_id=user.user_id,
        # A hidden comment reads as an empty one: the edit can still be scored.
        comment=str(rev.get("comment", "") or ""),
        size=int(rev.get("size", 0) or 0),
        minor=bool(rev.get("minor", False)),
        tags=tuple(str(t) for t in tags),
        content=slot.get("content", "") if not text_unavailable else "",
        content_model=str(slot.get("contentmodel", rev.get("contentmodel", "")) or ""),
    )
    return FetchedRevision(
        revision=revision, page=page, user=user, text_unavailable=text_unavailable
    )


def parse_revisions(payload: Any) -> RevisionsAnswer:
    """Read a `prop=revisions&revids=...` answer into revisions by id plus the ids that are gone."""
    query = _query(payload)
    revisions: dict[int, FetchedRevision] = {}
    for raw_page in query.get("pages", []) or []:
        if not isinstance(raw_page, dict) or "pageid" not in raw_page:
            continue
        page = Page(
            page_id=int(raw_page["pageid"]),
            title=str(raw_page.get("title", "")),
            namespace=int(raw_page.get("ns", 0)),
            created_at=None,
        )
        for rev in raw_page.get("revisions", []) or []:
            if isinstance(rev, dict) and "revid" in rev:
                fetched = _parse_revision(rev, page)
                revisions[fetched.revision.rev_id] = fetched
    return RevisionsAnswer(revisions=revisions, missing=_bad_revids(query))


def parse_users(payload: Any) -> dict[str, UserInfo]:
    """Read a `list=users` answer, keyed by the user name as MediaWiki spells it."""
    query = _query(payload)
    users: dict[str, UserInfo] = {}
    for raw in query.get("users", []) or []:
        if not isinstance(raw, dict) or "name" not in raw:
            continue
        name = str(raw["name"])
        missing = bool(raw.get("missing") or raw.get("invalid"))
        editcount = raw.get("editcount")
        users[name] = UserInfo(
            name=name,
            user_id=int(raw.get("userid", 0) or 0),
            groups=tuple(str(g) for g in raw.get("groups", []) or []),
            editcount=int(editcount) if isinstance(editcount, int) else None,
            registration=parse_timestamp(raw.get("registration")),
            is_temporary=is_temporary_account(name, raw.get("temp")),
            missing=missing,
        )
    return users


def parse_page_creation(payload: Any, page_id: int) -> datetime | None:
    """The timestamp of a page's oldest visible revision, from a `rvdir=newer&rvlimit=1` answer."""
    query = _query(payload)
    for raw_page in query.get("pages", []) or []:
        if not isinstance(raw_page, dict) or int(raw_page.get("pageid", -1)) != page_id:
            continue
        revisions = raw_page.get("revisions") or []
        if revisions and isinstance(revisions[0], dict):
            return parse_timestamp(revisions[0].get("timestamp"))
    return None
