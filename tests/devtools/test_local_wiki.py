"""The local MediaWiki harness serves the fixture history through the real Action API.

The ``local_wiki`` fixture comes from tests/support/mediawiki.py, which tests/conftest.py
registers for every test module.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from revertrisk_devtools.local_wiki import (
    FIRST_FIXTURE_REVISION_ID,
    LocalWiki,
    build_dump_xml,
    load_history,
)

# The service sends the Host header of the wiki it means, as Lift Wing does.
WIKIPEDIA_HOST = {"Host": "en.wikipedia.org"}
REVISION_PROPS = "ids|timestamp|user|userid|comment|content|size|flags|tags|sha1"


def api(wiki: LocalWiki, **params: Any) -> dict[str, Any]:
    query = {"format": "json", "formatversion": 2, "maxlag": 5, **params}
    response = httpx.get(wiki.api_url, params=query, headers=WIKIPEDIA_HOST, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "error" not in body, body
    return body


def revisions_by_id(
    wiki: LocalWiki, keys: list[str]
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    body = api(
        wiki,
        action="query",
        prop="revisions",
        revids="|".join(str(wiki.revs[key]) for key in keys),
        rvprop=REVISION_PROPS,
        rvslots="main",
    )
    found = {}
    for page in body["query"]["pages"]:
        for revision in page["revisions"]:
            found[revision["revid"]] = revision | {"page": page}
    return found, body["query"]


# --- fast checks of the fixture itself (no PHP needed) -----------------------------------


def test_history_names_every_revision_the_tests_rely_on() -> None:
    history = load_history()
    keys = {r.key for page in history.pages for r in page.revisions}
    assert {
        "page_creation",
        "registered_edit",
        "anonymous_edit",
        "bot_edit",
        "sysop_edit",
        "text_hidden",
        "non_wikitext",
    } <= keys
    _, hidden = history.revision("text_hidden")
    hidden_page = next(p for p in history.pages if hidden in p.revisions)
    # MediaWiki only hides text of revisions that are not the page's current one.
    assert hidden_page.revisions[-1] is not hidden


def test_dump_is_well_formed_export_xml_with_non_latin_text() -> None:
    root = ET.fromstring(build_dump_xml(load_history()))
    ns = {"mw": "http://www.mediawiki.org/xml/export-0.11/"}
    titles = [t.text for t in root.findall("mw:page/mw:title", ns)]
    assert "Фотосинтез" in titles
    assert "التمثيل الضوئي" in titles
    assert root.find("mw:page/mw:revision/mw:contributor/mw:ip", ns) is not None


# --- the running wiki -------------------------------------------------------------------


@pytest.mark.e2e
def test_revision_ids_are_the_real_ones_and_match_the_fixture(local_wiki: LocalWiki) -> None:
    keys = [key for key in local_wiki.revs if key != "missing"]
    found, _ = revisions_by_id(local_wiki, keys)
    assert len(found) == len(keys)
    for key in keys:
        page, expected = local_wiki.history.revision(key)
        revision = found[local_wiki.revs[key]]
        assert revision["page"]["title"] == page.title, key
        assert revision["page"]["pageid"] == local_wiki.page_ids[page.name], key
        assert revision["timestamp"] == expected.timestamp, key
        assert revision["user"] == expected.user, key
        assert revision["comment"] == expected.comment, key
        assert revision["minor"] is expected.minor, key
    # Revision ids live far from page ids, like on a real wiki.
    assert min(local_wiki.revs.values()) >= FIRST_FIXTURE_REVISION_ID
    assert not set(local_wiki.revs.values()) & set(local_wiki.page_ids.values())


@pytest.mark.e2e
def test_ordinary_edits_have_parents_and_real_content(local_wiki: LocalWiki) -> None:
    keys = [
        "registered_edit",
        "anonymous_edit",
        "bot_edit",
        "sysop_edit",
        "cyrillic_edit",
        "arabic_edit",
    ]
    found, _ = revisions_by_id(local_wiki, keys)
    for key in keys:
        revision = found[local_wiki.revs[key]]
        assert revision["parentid"] > 0, key
        assert revision["slots"]["main"]["contentmodel"] == "wikitext", key
        assert revision["slots"]["main"]["content"] == local_wiki.text_of(key), key
        assert revision["size"] == len(local_wiki.text_of(key).encode("utf-8")), key
    anonymous = found[local_wiki.revs["anonymous_edit"]]
    assert anonymous["anon"] is True and anonymous["userid"] == 0
    assert anonymous["user"] == local_wiki.users["anonymous"]
    assert found[local_wiki.revs["registered_edit"]]["userid"] == local_wiki.user_ids["Alice"]
    assert found[local_wiki.revs["registered_edit"]]["parentid"] == local_wiki.revs["page_creation"]


@pytest.mark.e2e
def test_page_creation_has_no_parent(local_wiki: LocalWiki) -> None:
    found, _ = revisions_by_id(local_wiki, ["page_creation"])
    assert found[local_wiki.revs["page_creation"]]["parentid"] == 0


@pytest.mark.e2e
def test_identity_revert_restores_the_earlier_sha1(local_wiki: LocalWiki) -> None:
    found, _ = revisions_by_id(local_wiki, ["registered_edit", "identity_revert"])
    restored = found[local_wiki.revs["identity_revert"]]["sha1"]
    assert restored == found[local_wiki.revs["registered_edit"]]["sha1"]


@pytest.mark.e2e
def test_hidden_revision_reports_texthidden(local_wiki: LocalWiki) -> None:
    found, _ = revisions_by_id(local_wiki, ["text_hidden", "after_text_hidden"])
    hidden = found[local_wiki.revs["text_hidden"]]
    assert hidden["slots"]["main"].get("texthidden") is True
    assert "content" not in hidden["slots"]["main"]
    # The page's later revision is untouched.
    assert "texthidden" not in found[local_wiki.revs["after_text_hidden"]]["slots"]["main"]


@pytest.mark.e2e
def test_non_wikitext_revision_reports_its_content_model(local_wiki: LocalWiki) -> None:
    found, _ = revisions_by_id(local_wiki, ["non_wikitext"])
    revision = found[local_wiki.revs["non_wikitext"]]
    assert revision["slots"]["main"]["contentmodel"] == "json"
    assert revision["parentid"] == local_wiki.revs["non_wikitext_creation"]
    assert revision["page"]["ns"] == 8


@pytest.mark.e2e
def test_missing_revision_is_reported_as_bad(local_wiki: LocalWiki) -> None:
    body = api(
        local_wiki,
        action="query",
        prop="revisions",
        revids=local_wiki.revs["missing"],
        rvprop="ids",
    )
    assert body["query"]["badrevids"][str(local_wiki.revs["missing"])]["missing"] is True


@pytest.mark.e2e
def test_user_query_reports_groups_editcount_and_registration(local_wiki: LocalWiki) -> None:
    names = [local_wiki.users[role] for role in ("registered", "sysop", "bot", "anonymous")]
    body = api(
        local_wiki,
        action="query",
        list="users",
        ususers="|".join(names),
        usprop="groups|editcount|registration",
    )
    users = {u["name"]: u for u in body["query"]["users"]}
    assert "sysop" in users["Bob"]["groups"]
    assert "bot" in users["CleanupBot"]["groups"]
    assert users["Alice"]["editcount"] >= 3
    assert users["Alice"]["registration"] == "2023-01-15T09:00:00Z"
    # IP editors are not accounts: MediaWiki marks them invalid in list=users.
    assert users["192.0.2.44"].get("invalid") is True


@pytest.mark.e2e
def test_first_revision_of_a_page_gives_its_creation_time(local_wiki: LocalWiki) -> None:
    body = api(
        local_wiki,
        action="query",
        prop="revisions",
        pageids=local_wiki.page_ids["photosynthesis"],
        rvdir="newer",
        rvlimit=1,
        rvprop="ids|timestamp",
    )
    (first,) = body["query"]["pages"][0]["revisions"]
    assert first["revid"] == local_wiki.revs["page_creation"]
    assert first["timestamp"] == local_wiki.history.revision("page_creation")[1].timestamp


@pytest.mark.e2e
def test_concurrent_requests_are_all_answered(local_wiki: LocalWiki) -> None:
    keys = [key for key in local_wiki.revs if key != "missing"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda key: revisions_by_id(local_wiki, [key])[0], keys))
    assert [next(iter(r)) for r in results] == [local_wiki.revs[key] for key in keys]
