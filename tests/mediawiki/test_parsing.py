"""Reading Action API answers (formatversion=2), on payloads shaped like what MediaWiki sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from revertrisk_service.mediawiki.api_caller import parse_retry_after
from revertrisk_service.mediawiki.parsing import (
    ApiResponseError,
    api_error,
    continuation,
    is_temporary_account,
    parse_page_creation,
    parse_revisions,
    parse_users,
)

# prop=revisions&revids=1186040107|1186040000|5&rvprop=ids|timestamp|user|userid|comment|content|
# size|flags|tags|sha1|contentmodel&rvslots=main&formatversion=2
REVISIONS_ANSWER = {
    "batchcomplete": True,
    "query": {
        "badrevids": {"5": {"revid": 5, "missing": True}},
        "pages": [
            {
                "pageid": 736,
                "ns": 0,
                "title": "Albert Einstein",
                "revisions": [
                    {
                        "revid": 1186040107,
                        "parentid": 1186040000,
                        "minor": True,
                        "user": "Example editor",
                        "userid": 123456,
                        "timestamp": "2023-11-21T08:15:30Z",
                        "size": 210345,
                        "sha1": "d3b07384d113edec49eaa6238ad5ff00d3b07384",
                        "comment": "/* Early life */ fix typo",
                        "tags": ["visualeditor", "mobile edit"],
                        "slots": {
                            "main": {
                                "contentmodel": "wikitext",
                                "contentformat": "text/x-wiki",
                                "content": "'''Albert Einstein''' was a physicist.",
                            }
                        },
                    },
                    {
                        "revid": 1186040000,
                        "parentid": 1185000000,
                        "minor": False,
                        "user": "198.51.100.23",
                        "userid": 0,
                        "anon": True,
                        "timestamp": "2023-11-21T08:00:00Z",
                        "size": 210346,
                        "sha1": "c157a79031e1c40f85931829bc5fc552c157a790",
                        "comment": "",
                        "tags": [],
                        "slots": {
                            "main": {
                                "contentmodel": "wikitext",
                                "contentformat": "text/x-wiki",
                                "content": "'''Albert Einstein''' was a phisicist.",
                            }
                        },
                    },
                ],
            }
        ],
    },
}


def _single(revision: dict) -> dict:
    return {"query": {"pages": [{"pageid": 1, "ns": 0, "title": "P", "revisions": [revision]}]}}


def _revision(**fields: object) -> dict:
    base = {
        "revid": 10,
        "parentid": 9,
        "minor": False,
        "user": "Someone",
        "userid": 7,
        "timestamp": "2024-01-01T00:00:00Z",
        "size": 3,
        "comment": "c",
        "tags": [],
        "slots": {"main": {"contentmodel": "wikitext", "content": "abc"}},
    }
    base.update(fields)
    return base


def test_revisions_answer_is_read_field_by_field():
    answer = parse_revisions(REVISIONS_ANSWER)

    assert answer.missing == frozenset({5})
    assert set(answer.revisions) == {1186040107, 1186040000}
    edit = answer.revisions[1186040107]
    rev = edit.revision
    assert rev.parent_id == 1186040000 and rev.page_id == 736
    assert rev.page_title == "Albert Einstein" and rev.namespace == 0
    assert rev.timestamp == datetime(2023, 11, 21, 8, 15, 30, tzinfo=UTC)
    assert rev.user_text == "Example editor" and rev.user_id == 123456
    assert rev.minor is True and rev.size == 210345
    assert rev.tags == ("visualeditor", "mobile edit")
    assert rev.comment == "/* Early life */ fix typo"
    assert rev.content.startswith("'''Albert Einstein'''") and rev.content_model == "wikitext"
    assert not edit.text_unavailable
    assert not edit.user.is_anonymous and not edit.user.is_temporary
    assert edit.page.page_id == 736 and edit.page.created_at is None


def test_ip_editor_is_anonymous():
    edit = parse_revisions(REVISIONS_ANSWER).revisions[1186040000]

    assert edit.user.is_anonymous and not edit.user.is_temporary
    assert edit.user.name == "198.51.100.23" and edit.user.user_id == 0


def test_badrevids_as_a_list_is_accepted_too():
    answer = parse_revisions({"query": {"badrevids": [{"revid": 8, "missing": True}]}})
    assert answer.missing == frozenset({8}) and answer.revisions == {}


@pytest.mark.parametrize(
    "slots",
    [
        {"main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki", "texthidden": True}},
        {"main": {"contentmodel": "wikitext", "textmissing": True}},
        {"main": {"missing": True}},
        {},
    ],
    ids=["texthidden", "textmissing", "slot-missing", "no-main-slot"],
)
def test_deleted_or_missing_text_is_flagged(slots: dict):
    edit = parse_revisions(_single(_revision(slots=slots))).revisions[10]
    assert edit.text_unavailable and edit.revision.content == ""


def test_empty_page_text_is_still_text():
    slots = {"main": {"contentmodel": "wikitext", "content": ""}}
    edit = parse_revisions(_single(_revision(slots=slots))).revisions[10]
    assert not edit.text_unavailable


def test_hidden_user_and_comment_read_as_anonymous_and_empty():
    rev = _revision(userhidden=True, commenthidden=True)
    for hidden in ("user", "userid", "comment"):
        del rev[hidden]

    edit = parse_revisions(_single(rev)).revisions[10]

    assert edit.user.is_anonymous and edit.user.name is None and edit.user.user_id == 0
    assert edit.revision.comment == "" and edit.revision.user_text is None


def test_page_creation_has_parent_zero():
    edit = parse_revisions(_single(_revision(parentid=0))).revisions[10]
    assert edit.revision.parent_id == 0


def test_other_content_models_are_reported():
    slots = {"main": {"contentmodel": "json", "content": "{}"}}
    edit = parse_revisions(_single(_revision(slots=slots))).revisions[10]
    assert edit.revision.content_model == "json"


def test_temporary_accounts_by_flag_or_by_name():
    flagged = parse_revisions(_single(_revision(user="Tmp", temp=True))).revisions[10]
    named = parse_revisions(_single(_revision(user="~2025-31337-2", userid=99))).revisions[10]

    for edit in (flagged, named):
        assert edit.user.is_temporary and edit.user.is_anonymous
    assert not is_temporary_account("~Tilde fan")
    assert not is_temporary_account(None)


def test_not_an_object_is_refused():
    with pytest.raises(ApiResponseError):
        parse_revisions(["query"])


def test_users_answer():
    users = parse_users(
        {
            "batchcomplete": True,
            "query": {
                "users": [
                    {
                        "userid": 123456,
                        "name": "Example editor",
                        "editcount": 5321,
                        "registration": "2010-02-03T04:05:06Z",
                        "groups": ["extendedconfirmed", "*", "user", "autoconfirmed"],
                    },
                    {
                        "userid": 1,
                        "name": "Ancient",
                        "editcount": 9,
                        "registration": None,
                        "groups": ["*", "user"],
                    },
                    {"name": "Renamed user", "missing": True},
                    {"name": "198.51.100.23", "invalid": True},
                    {
                        "userid": 900,
                        "name": "~2025-10000-1",
                        "editcount": 2,
                        "groups": ["*"],
                        "registration": "2025-01-01T00:00:00Z",
                        "temp": True,
                    },
                ]
            },
        }
    )

    editor = users["Example editor"]
    assert editor.user_id == 123456 and editor.editcount == 5321
    assert editor.registration == datetime(2010, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert "extendedconfirmed" in editor.groups and not editor.missing
    assert users["Ancient"].registration is None
    assert users["Renamed user"].missing and users["Renamed user"].editcount is None
    assert users["198.51.100.23"].missing
    assert users["~2025-10000-1"].is_temporary


def test_page_creation_time():
    payload = {
        "continue": {"rvcontinue": "20010115192713|2", "continue": "||"},
        "query": {
            "pages": [
                {
                    "pageid": 736,
                    "ns": 0,
                    "title": "Albert Einstein",
                    "revisions": [{"timestamp": "2001-01-15T19:27:13Z"}],
                }
            ]
        },
    }
    assert parse_page_creation(payload, 736) == datetime(2001, 1, 15, 19, 27, 13, tzinfo=UTC)
    assert parse_page_creation(payload, 737) is None
    assert (
        parse_page_creation({"query": {"pages": [{"pageid": 736, "missing": True}]}}, 736) is None
    )


def test_api_errors_and_continuation():
    lagged = {"error": {"code": "maxlag", "info": "Waiting for a replica: 7 seconds lagged."}}
    assert api_error(lagged) == ("maxlag", "Waiting for a replica: 7 seconds lagged.")
    assert api_error(REVISIONS_ANSWER) is None
    assert continuation(REVISIONS_ANSWER) is None
    truncated = {"continue": {"rvcontinue": "1186040000", "continue": "||"}, "query": {}}
    assert continuation(truncated) == {"rvcontinue": "1186040000", "continue": "||"}


def test_retry_after_header_forms():
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
