"""The async MediaWiki client: turns (wiki, rev_id) requests into EditContext objects.

Per wiki, the work takes two rounds of concurrent, batched Action API queries:
  1. the requested revisions, 50 revids per query (the anonymous API limit);
  2. at once: their parents (50 per query), their editors (`list=users`, 50 names per query, IP
     editors skipped) and each page's creation time. The API refuses `rvlimit` with several
     pages, so creation times take one query per page; they are cached per (wiki, page), since
     a page's first revision practically never changes.
Any failure is confined to the revisions it concerns: their result slot holds the ServiceError.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Self, TypeVar

import httpx

from revertrisk_service.errors import (
    ParentRevisionMissing,
    RevisionInfoDeleted,
    RevisionNotFound,
    ServiceError,
    UnsupportedContentModel,
    UpstreamUnavailable,
)
from revertrisk_service.mediawiki.api_caller import ApiCaller, ApiQuery, Deadline
from revertrisk_service.mediawiki.parsing import (
    ApiResponseError,
    FetchedRevision,
    UserInfo,
    continuation,
    parse_page_creation,
    parse_revisions,
    parse_users,
)
from revertrisk_service.mediawiki.types import EditContext, User
from revertrisk_service.wikis import Wiki

BATCH_SIZE = 50
REVISION_PROPS = "ids|timestamp|user|userid|comment|content|size|flags|tags|sha1|contentmodel"
USER_PROPS = "groups|editcount|registration"
SCORABLE_CONTENT_MODEL = "wikitext"
# A query for 50 large revisions can exceed the API's result size limit; MediaWiki then returns
# part of them with a `continue` block. Bounded so a misbehaving server cannot loop us forever.
MAX_CONTINUATIONS = 20
# Lag in seconds beyond which MediaWiki refuses with a maxlag error, as Wikimedia asks of bots.
MAXLAG_S = "5"

_T = TypeVar("_T")
_Result = EditContext | ServiceError


def _chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _unreadable_answer(wiki: Wiki, exc: Exception) -> UpstreamUnavailable:
    return UpstreamUnavailable(
        f"MediaWiki for {wiki.host} sent an answer that could not be read ({type(exc).__name__})."
    )


class MediaWikiClient:
    """Fetches revisions, parents, editors and pages from the Action API; one per process."""

    def __init__(
        self,
        wiki_url: str | None,
        user_agent: str,
        timeout_s: float = 5.0,
        total_deadline_s: float = 15.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        backoff_base_s: float = 0.25,
        backoff_max_s: float = 4.0,
        max_concurrency: int = 8,
        page_cache_size: int = 10_000,
    ) -> None:
        # None means each wiki is reached directly at https://{host}; otherwise every wiki goes
        # through one gateway that routes on the Host header (as Lift Wing uses api-ro).
        self._wiki_url = wiki_url.rstrip("/") if wiki_url is not None else None
        self._total_deadline_s = total_deadline_s
        self._http = httpx.AsyncClient(
            transport=transport,
            headers={"User-Agent": user_agent},
            timeout=timeout_s,
            limits=httpx.Limits(
                max_connections=max_concurrency * 2, max_keepalive_connections=max_concurrency
            ),
            follow_redirects=False,
        )
        self._caller = ApiCaller(
            self._http,
            timeout_s=timeout_s,
            max_retries=max_retries,
            backoff_base_s=backoff_base_s,
            backoff_max_s=backoff_max_s,
            max_concurrency=max_concurrency,
        )
        self._page_cache_size = page_cache_size
        self._page_created: OrderedDict[tuple[str, int], datetime | None] = OrderedDict()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def fetch_edits(self, requests: Sequence[tuple[Wiki, int]]) -> list[_Result]:
        """One result per request, in order: the edit's context or the error that prevents it."""
        deadline = Deadline.after(self._total_deadline_s)
        rev_ids_by_wiki: dict[Wiki, list[int]] = {}
        for wiki, rev_id in requests:
            ids = rev_ids_by_wiki.setdefault(wiki, [])
            if rev_id not in ids:
                ids.append(rev_id)
        per_wiki = await asyncio.gather(
            *(self._fetch_wiki(wiki, ids, deadline) for wiki, ids in rev_ids_by_wiki.items())
        )
        results = dict(zip(rev_ids_by_wiki, per_wiki))
        return [results[wiki][rev_id] for wiki, rev_id in requests]

    # -- one wiki --------------------------------------------------------------------------

    async def _fetch_wiki(
        self, wiki: Wiki, rev_ids: list[int], deadline: Deadline
    ) -> dict[int, _Result]:
        fetched = await self._fetch_revisions(wiki, rev_ids, deadline)
        results: dict[int, _Result] = {}
        scorable: dict[int, FetchedRevision] = {}
        for rev_id in rev_ids:
            found = fetched[rev_id]
            problem = found if isinstance(found, ServiceError) else _revision_problem(wiki, found)
            if problem is not None:
                results[rev_id] = problem
            else:
                assert isinstance(found, FetchedRevision)
                scorable[rev_id] = found
        if not scorable:
            return results

        parent_ids = list(dict.fromkeys(f.revision.parent_id for f in scorable.values()))
        user_names = list(
            dict.fromkeys(
                f.user.name for f in scorable.values() if f.user.name and f.user.user_id > 0
            )
        )
        page_ids = list(dict.fromkeys(f.page.page_id for f in scorable.values()))
        # Consecutive edits of one page often arrive together: a parent that was itself
        # requested is already here and need not be fetched again.
        known = {p: fetched[p] for p in parent_ids if isinstance(fetched.get(p), FetchedRevision)}
        fetched_parents, users, created = await asyncio.gather(
            self._fetch_revisions(wiki, [p for p in parent_ids if p not in known], deadline),
            self._fetch_users(wiki, user_names, deadline),
            self._fetch_page_creations(wiki, page_ids, deadline),
        )
        parents = {**known, **fetched_parents}
        for rev_id, found in scorable.items():
            results[rev_id] = _assemble(wiki, found, parents, users, created)
        return results

    def _endpoint(self, wiki: Wiki) -> tuple[str, dict[str, str]]:
        # Only the catalogue's host is used here, never text from the request.
        if self._wiki_url is None:
            return f"https://{wiki.host}/w/api.php", {}
        return f"{self._wiki_url}/w/api.php", {"Host": wiki.host}

    async def _query(
        self, wiki: Wiki, params: dict[str, str], deadline: Deadline, query_kind: str
    ) -> dict[str, Any]:
        url, headers = self._endpoint(wiki)
        full = {
            "action": "query",
            "format": "json",
            "formatversion": "2",
            "maxlag": MAXLAG_S,
            **params,
        }
        return await self._caller.get_json(
            ApiQuery(url, full, headers, kind=query_kind, host=wiki.host), deadline
        )

    # -- revisions -------------------------------------------------------------------------

    async def _fetch_revisions(
        self, wiki: Wiki, rev_ids: Sequence[int], deadline: Deadline
    ) -> dict[int, FetchedRevision | ServiceError]:
        batches = await asyncio.gather(
            *(
                self._fetch_revision_batch(wiki, batch, deadline)
                for batch in _chunks(rev_ids, BATCH_SIZE)
            )
        )
        merged: dict[int, FetchedRevision | ServiceError] = {}
        for batch in batches:
            merged.update(batch)
        return merged

    async def _fetch_revision_batch(
        self, wiki: Wiki, rev_ids: Sequence[int], deadline: Deadline
    ) -> dict[int, FetchedRevision | ServiceError]:
        base = {
            "prop": "revisions",
            "revids": "|".join(str(r) for r in rev_ids),
            "rvprop": REVISION_PROPS,
            "rvslots": "main",
        }
        found: dict[int, FetchedRevision] = {}
        missing: set[int] = set()
        params = base
        try:
            for _ in range(MAX_CONTINUATIONS):
                payload = await self._query(wiki, params, deadline, "revisions")
                answer = parse_revisions(payload)
                found.update(answer.revisions)
                missing |= answer.missing
                more = continuation(payload)
                if more is None:
                    break
                params = {**base, **more}
        except ServiceError as error:
            return {rev_id: error for rev_id in rev_ids}
        except (ApiResponseError, KeyError, TypeError, ValueError) as exc:
            error = _unreadable_answer(wiki, exc)
            return {rev_id: error for rev_id in rev_ids}
        return {
            rev_id: found[rev_id]
            if rev_id in found
            else RevisionNotFound(
                f"Revision {rev_id} does not exist on {wiki.dbname} (or has been deleted).",
                rev_id=rev_id,
            )
            for rev_id in rev_ids
        }

    # -- users and pages -------------------------------------------------------------------

    async def _fetch_users(
        self, wiki: Wiki, names: Sequence[str], deadline: Deadline
    ) -> dict[str, UserInfo | ServiceError]:
        async def batch(chunk: Sequence[str]) -> dict[str, UserInfo | ServiceError]:
            params = {"list": "users", "ususers": "|".join(chunk), "usprop": USER_PROPS}
            try:
                payload = await self._query(wiki, params, deadline, "users")
                infos = parse_users(payload)
            except ServiceError as error:
                return {name: error for name in chunk}
            except (ApiResponseError, KeyError, TypeError, ValueError) as exc:
                error = _unreadable_answer(wiki, exc)
                return {name: error for name in chunk}
            return dict(infos)

        merged: dict[str, UserInfo | ServiceError] = {}
        for part in await asyncio.gather(*(batch(c) for c in _chunks(names, BATCH_SIZE))):
            merged.update(part)
        return merged

    async def _fetch_page_creations(
        self, wiki: Wiki, page_ids: Iterable[int], deadline: Deadline
    ) -> dict[int, datetime | None | ServiceError]:
        async def one(page_id: int) -> datetime | None | ServiceError:
            key = (wiki.dbname, page_id)
            if key in self._page_created:
                self._page_created.move_to_end(key)
                return self._page_created[key]
            params = {
                "prop": "revisions",
                "pageids": str(page_id),
                "rvdir": "newer",
                "rvlimit": "1",
                "rvprop": "timestamp",
            }
            try:
                payload = await self._query(wiki, params, deadline, "page_creation")
                created = parse_page_creation(payload, page_id)
            except ServiceError as error:
                return error
            except (ApiResponseError, KeyError, TypeError, ValueError) as exc:
                return _unreadable_answer(wiki, exc)
            self._remember_page(key, created)
            return created

        ids = list(page_ids)
        return dict(zip(ids, await asyncio.gather(*(one(p) for p in ids))))

    def _remember_page(self, key: tuple[str, int], created: datetime | None) -> None:
        if created is None:
            return
        self._page_created[key] = created
        while len(self._page_created) > self._page_cache_size:
            self._page_created.popitem(last=False)


# -- assembling results (pure) -----------------------------------------------------------------


def _revision_problem(
    wiki: Wiki, fetched: FetchedRevision, child_of: int | None = None
) -> ServiceError | None:
    """Why a revision (or, with child_of, the parent of that revision) cannot be scored."""
    rev = fetched.revision
    which = (
        f"revision {rev.rev_id}"
        if child_of is None
        else (f"revision {rev.rev_id} (the parent of revision {child_of})")
    )
    rev_id = child_of if child_of is not None else rev.rev_id
    if fetched.text_unavailable:
        return RevisionInfoDeleted(
            f"The text of {which} on {wiki.dbname} has been deleted or suppressed.",
            rev_id=rev_id,
        )
    if rev.content_model != SCORABLE_CONTENT_MODEL:
        return UnsupportedContentModel(
            f"The content model of {which} on {wiki.dbname} is {rev.content_model!r}; only "
            f"{SCORABLE_CONTENT_MODEL!r} can be scored.",
            rev_id=rev_id,
        )
    if child_of is None and rev.parent_id == 0:
        return ParentRevisionMissing(
            f"Revision {rev.rev_id} on {wiki.dbname} created its page, so it has no parent "
            "revision to compare with.",
            rev_id=rev_id,
        )
    return None


def _assemble(
    wiki: Wiki,
    fetched: FetchedRevision,
    parents: dict[int, FetchedRevision | ServiceError],
    users: dict[str, UserInfo | ServiceError],
    created: dict[int, datetime | None | ServiceError],
) -> _Result:
    rev_id = fetched.revision.rev_id
    parent = parents.get(fetched.revision.parent_id)
    if isinstance(parent, RevisionNotFound) or parent is None:
        return ParentRevisionMissing(
            f"The parent revision {fetched.revision.parent_id} of revision {rev_id} on "
            f"{wiki.dbname} does not exist or has been deleted.",
            rev_id=rev_id,
        )
    if isinstance(parent, ServiceError):
        return parent
    problem = _revision_problem(wiki, parent, child_of=rev_id)
    if problem is not None:
        return problem

    user = fetched.user
    info = users.get(user.name) if user.name and user.user_id > 0 else None
    if isinstance(info, ServiceError):
        return info
    if info is not None and not info.missing:
        temporary = user.is_temporary or info.is_temporary
        user = User(
            name=user.name,
            user_id=user.user_id,
            is_anonymous=user.is_anonymous or temporary,
            is_temporary=temporary,
            groups=info.groups,
            editcount=info.editcount,
            registration=info.registration,
        )

    page_created = created.get(fetched.page.page_id)
    if isinstance(page_created, ServiceError):
        return page_created
    return EditContext(
        wiki=wiki,
        revision=fetched.revision,
        parent=parent.revision,
        user=user,
        page=replace(fetched.page, created_at=page_created),
    )
