"""Live edits on a local wiki through its action API, as an editor makes them (anonymous, or
logged in), including MediaWiki's own undo; and each revision as the EventStreams events that
announce it, with the revert details MediaWiki itself recorded for it.

The local wiki runs no EventBus, so `revision_create_event` builds the event EventBus would send:
`rev_revert_details` comes from the EditResult MediaWiki stored with the revision's revert tag
(mw-undo, mw-rollback, mw-manual-revert: change_tag.ct_params), and `rev_reverted_revs` lists the
page's revisions from the oldest to the newest reverted one, as EventBus does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import httpx

from revertrisk_devtools.local_wiki import DB_NAME, FIXTURE_PASSWORD, LocalWiki

# Each revert tag and the method EventBus names for it.
REVERT_TAGS = {"mw-undo": "undo", "mw-rollback": "rollback", "mw-manual-revert": "manual"}


class WikiEditor:
    """One editor's API session: anonymous until `login`."""

    def __init__(self, wiki: LocalWiki) -> None:
        self.wiki = wiki
        self.client = httpx.Client(timeout=60)

    def close(self) -> None:
        self.client.close()

    def _token(self, kind: str) -> str:
        answer = self._get({"action": "query", "meta": "tokens", "type": kind})
        return answer["query"]["tokens"][f"{kind}token"]

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        response = self.client.get(self.wiki.api_url, params={**params, "format": "json"})
        response.raise_for_status()
        return response.json()

    def _post(self, data: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(self.wiki.api_url, data={**data, "format": "json"})
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(f"MediaWiki refused {data.get('action')}: {body['error']}")
        return body

    def login(self, user: str) -> None:
        body = self._post({
            "action": "clientlogin", "username": user, "password": FIXTURE_PASSWORD,
            "loginreturnurl": self.wiki.base_url, "logintoken": self._token("login"),
        })
        if body["clientlogin"]["status"] != "PASS":
            raise RuntimeError(f"cannot log in as {user}: {body['clientlogin']}")

    def edit(self, title: str, text: str, summary: str = "") -> int:
        """Save `text` as the page's new content; returns the new revision id."""
        return self._save({"title": title, "text": text, "summary": summary})

    def undo(self, title: str, rev_id: int) -> int:
        """MediaWiki's undo of one revision (exact when it is the latest, partial otherwise)."""
        return self._save({"title": title, "undo": rev_id})

    def _save(self, fields: dict[str, Any]) -> int:
        body = self._post({"action": "edit", **fields, "token": self._token("csrf")})
        edit = body["edit"]
        if edit.get("result") != "Success" or "newrevid" not in edit:
            raise RuntimeError(f"edit not saved: {edit}")
        return int(edit["newrevid"])


@dataclass(frozen=True)
class WikiRevision:
    rev_id: int
    parent_id: int
    page_id: int
    title: str
    sha1: str
    timestamp: str
    user: str
    anonymous: bool


def revisions(wiki: LocalWiki, rev_ids: list[int]) -> list[WikiRevision]:
    """The revisions as the wiki's API reports them, in the order asked."""
    answer = httpx.get(wiki.api_url, params={
        "action": "query", "prop": "revisions", "revids": "|".join(map(str, rev_ids)),
        "rvprop": "ids|sha1|timestamp|user|flags", "format": "json", "formatversion": "2",
    }, timeout=60).json()
    found = {}
    for page in answer["query"]["pages"]:
        for rev in page["revisions"]:
            found[rev["revid"]] = WikiRevision(
                rev["revid"], rev["parentid"], page["pageid"], page["title"], rev["sha1"],
                rev["timestamp"], rev["user"], bool(rev.get("anon")))
    return [found[r] for r in rev_ids]


def revert_details(wiki: LocalWiki, rev_id: int) -> dict[str, Any] | None:
    """The revert details MediaWiki stored with the revision's revert tag, as EventBus sends
    them, or None when the revision reverts nothing."""
    with sqlite3.connect(wiki.workdir / "data" / f"{DB_NAME}.sqlite") as db:
        row = db.execute(
            "SELECT ctd_name, ct_params FROM change_tag JOIN change_tag_def ON ctd_id = ct_tag_id"
            f" WHERE ct_rev_id = ? AND ctd_name IN ({','.join('?' * len(REVERT_TAGS))})",
            (rev_id, *REVERT_TAGS),
        ).fetchone()
        if row is None or not row[1]:
            return None
        result = json.loads(row[1])
        oldest, newest = result["oldestRevertedRevId"], result["newestRevertedRevId"]
        page = db.execute("SELECT rev_page FROM revision WHERE rev_id = ?", (rev_id,)).fetchone()
        reverted = [r for (r,) in db.execute(
            "SELECT rev_id FROM revision WHERE rev_page = ? AND rev_id BETWEEN ? AND ?"
            " ORDER BY rev_id DESC", (page[0], oldest, newest))]
    return {
        "rev_revert_method": REVERT_TAGS[row[0]],
        "rev_is_exact_revert": bool(result.get("isExactRevert")),
        "rev_reverted_revs": reverted,
        "rev_original_rev_id": result.get("originalRevisionId") or None,
    }


def revision_create_event(wiki: LocalWiki, rev: WikiRevision, dbname: str = "enwiki") -> dict:
    """The mediawiki.revision-create event EventBus would send for this revision."""
    details = revert_details(wiki, rev.rev_id)
    event: dict[str, Any] = {
        "$schema": "/mediawiki/revision/create/2.0.0",
        "meta": {"stream": "mediawiki.revision-create", "domain": "en.wikipedia.org",
                 "dt": rev.timestamp},
        "database": dbname, "page_id": rev.page_id, "page_title": rev.title,
        "page_namespace": 0, "rev_id": rev.rev_id, "rev_parent_id": rev.parent_id or None,
        "rev_timestamp": rev.timestamp, "rev_sha1": rev.sha1,
        "performer": {"user_text": rev.user, "user_is_bot": False,
                      "user_groups": ["*"] if rev.anonymous else ["*", "user"]},
        "rev_is_revert": details is not None,
    }
    if details is not None:
        event["rev_revert_details"] = details
    return event


def page_change_event(rev: WikiRevision, dbname: str = "enwiki") -> dict:
    """The mediawiki.page_change.v1 event for this revision (it carries no revert details)."""
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org",
                 "dt": rev.timestamp},
        "dt": rev.timestamp, "wiki_id": dbname,
        "page_change_kind": "edit" if rev.parent_id else "create",
        "page": {"page_id": rev.page_id, "page_title": rev.title, "namespace_id": 0},
        "performer": {"user_text": rev.user, "user_is_bot": False, "groups": ["*"]},
        "revision": {"rev_id": rev.rev_id, "rev_parent_id": rev.parent_id or None,
                     "rev_dt": rev.timestamp, "rev_sha1": rev.sha1},
    }
