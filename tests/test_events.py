"""parse_event against hand-written events in the shapes EventStreams publishes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from revertrisk_service.errors import InvalidEvent
from revertrisk_service.events import IrrelevantEvent, parse_event

PAGE_CHANGE_EDIT = {
    "$schema": "/mediawiki/page/change/1.1.0",
    "meta": {
        "stream": "mediawiki.page_change.v1",
        "domain": "de.wikipedia.org",
        "uri": "https://de.wikipedia.org/wiki/Berlin",
        "id": "1f0e2c8a-6a2b-4b1e-9d38-0c8a1c1e4b7a",
        "dt": "2024-05-02T10:15:31.123Z",
        "request_id": "d1b7c1c6-5a0a-4b6b-b8a4-3a4c1f8f2b21",
    },
    "dt": "2024-05-02T10:15:30Z",
    "wiki_id": "dewiki",
    "page_change_kind": "edit",
    "changelog_kind": "update",
    "page": {
        "page_id": 2467,
        "page_title": "Berlin",
        "namespace_id": 0,
        "is_redirect": False,
    },
    "performer": {
        "user_text": "Beispielnutzer",
        "groups": ["*", "user", "autoconfirmed"],
        "user_is_bot": False,
        "user_id": 123456,
        "user_edit_count": 4321,
    },
    "revision": {
        "rev_id": 244455001,
        "rev_parent_id": 244454990,
        "rev_dt": "2024-05-02T10:15:30Z",
        "comment": "Tippfehler",
        "rev_size": 301234,
        "is_minor_edit": True,
    },
    "prior_state": {"revision": {"rev_id": 244454990}},
}

REVISION_CREATE = {
    "$schema": "/mediawiki/revision/create/1.1.0",
    "meta": {
        "stream": "mediawiki.revision-create",
        "domain": "fr.wikipedia.org",
        "dt": "2024-05-02T10:16:00Z",
        "uri": "https://fr.wikipedia.org/wiki/Paris",
    },
    "database": "frwiki",
    "page_id": 681159,
    "page_title": "Paris",
    "page_namespace": 0,
    "rev_id": 214000001,
    "rev_timestamp": "2024-05-02T10:15:59Z",
    "rev_parent_id": 213999000,
    "rev_minor_edit": False,
    "rev_content_changed": True,
    "performer": {
        "user_text": "ExempleBot",
        "user_groups": ["*", "user", "bot"],
        "user_is_bot": False,
        "user_id": 42,
    },
}

RECENTCHANGE_EDIT = {
    "$schema": "/mediawiki/recentchange/1.0.0",
    "meta": {
        "stream": "mediawiki.recentchange",
        "domain": "en.wikipedia.org",
        "dt": "2024-05-02T10:17:05Z",
        "uri": "https://en.wikipedia.org/wiki/Talk:Example",
    },
    "id": 1750000000,
    "type": "edit",
    "namespace": 1,
    "title": "Talk:Example",
    "comment": "reply",
    "timestamp": 1714645025,
    "user": "203.0.113.5",
    "bot": False,
    "minor": False,
    "length": {"old": 1200, "new": 1260},
    "revision": {"old": 1221000000, "new": 1221000123},
    "server_url": "https://en.wikipedia.org",
    "server_name": "en.wikipedia.org",
    "wiki": "enwiki",
}


def test_page_change_edit() -> None:
    rev = parse_event(PAGE_CHANGE_EDIT)
    assert rev.wiki.lang == "de"
    assert (rev.rev_id, rev.parent_id, rev.namespace) == (244455001, 244454990, 0)
    assert not rev.is_bot and not rev.is_page_creation and not rev.is_canary
    assert rev.stream == "mediawiki.page_change.v1"
    assert rev.change_kind == "edit"
    assert rev.event_time == datetime(2024, 5, 2, 10, 15, 30, tzinfo=UTC)


def test_page_change_create_bot_and_canary() -> None:
    event = copy.deepcopy(PAGE_CHANGE_EDIT)
    event["page_change_kind"] = "create"
    del event["revision"]["rev_parent_id"]
    event["performer"]["groups"].append("bot")
    event["meta"]["domain"] = "canary"
    rev = parse_event(event)
    assert rev.is_page_creation and rev.parent_id == 0
    assert rev.is_bot
    assert rev.is_canary
    assert rev.change_kind == "create"


def test_page_change_without_performer_is_not_a_bot() -> None:
    event = copy.deepcopy(PAGE_CHANGE_EDIT)
    del event["performer"]
    assert parse_event(event).is_bot is False


def test_page_change_move_keeps_its_kind() -> None:
    event = copy.deepcopy(PAGE_CHANGE_EDIT)
    event["page_change_kind"] = "move"
    assert parse_event(event).change_kind == "move"


def test_revision_create_bot_by_group() -> None:
    rev = parse_event(REVISION_CREATE)
    assert rev.wiki.dbname == "frwiki"
    assert (rev.rev_id, rev.parent_id, rev.namespace) == (214000001, 213999000, 0)
    assert rev.is_bot
    assert not rev.is_page_creation
    assert rev.stream == "mediawiki.revision-create"
    assert rev.event_time == datetime(2024, 5, 2, 10, 16, tzinfo=UTC)


def test_revision_create_without_parent_is_a_creation() -> None:
    event = copy.deepcopy(REVISION_CREATE)
    del event["rev_parent_id"]
    rev = parse_event(event)
    assert rev.is_page_creation and rev.parent_id == 0


def test_recentchange_edit_and_new() -> None:
    rev = parse_event(RECENTCHANGE_EDIT)
    assert rev.wiki.lang == "en"
    assert (rev.rev_id, rev.parent_id, rev.namespace) == (1221000123, 1221000000, 1)
    assert not rev.is_bot and not rev.is_page_creation
    assert rev.event_time == datetime.fromtimestamp(1714645025, UTC)

    new = copy.deepcopy(RECENTCHANGE_EDIT)
    new["type"] = "new"
    new["revision"] = {"new": 1221000124}
    new["bot"] = True
    rev = parse_event(new)
    assert rev.is_page_creation and rev.is_bot and rev.parent_id == 0


@pytest.mark.parametrize("change_type", ["log", "categorize", "external"])
def test_recentchange_without_revision_is_irrelevant(change_type: str) -> None:
    event = copy.deepcopy(RECENTCHANGE_EDIT)
    event["type"] = change_type
    with pytest.raises(IrrelevantEvent):
        parse_event(event)


@pytest.mark.parametrize("dbname", ["wikidatawiki", "commonswiki", "enwiktionary", "nosuchwiki"])
def test_non_wikipedia_is_irrelevant(dbname: str) -> None:
    event = copy.deepcopy(PAGE_CHANGE_EDIT)
    event["wiki_id"] = dbname
    with pytest.raises(IrrelevantEvent, match="not a known Wikipedia"):
        parse_event(event)


def _without(path: tuple[str, ...]) -> dict:
    event = copy.deepcopy(PAGE_CHANGE_EDIT)
    target = event
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return event


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([1, 2], "JSON object"),
        ({"hello": "world"}, "Unrecognised event"),
        ({**PAGE_CHANGE_EDIT, "page_change_kind": "explode"}, "page_change_kind"),
        (_without(("wiki_id",)), "wiki_id"),
        (_without(("revision", "rev_id")), "revision.rev_id"),
        (_without(("page",)), "'page'"),
        ({**PAGE_CHANGE_EDIT, "revision": {"rev_id": "12"}}, "non-negative integer"),
        ({**PAGE_CHANGE_EDIT, "revision": {"rev_id": True}}, "non-negative integer"),
        ({**PAGE_CHANGE_EDIT, "meta": "nope"}, "'meta'"),
    ],
)
def test_bad_events_raise_invalid_event(event: object, message: str) -> None:
    with pytest.raises(InvalidEvent, match=message) as raised:
        parse_event(event)
    assert raised.value.code == "invalid_event"
    assert not isinstance(raised.value, IrrelevantEvent)
