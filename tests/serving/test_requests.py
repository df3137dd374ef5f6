"""Validation of the predict body: every bad input gets its stable error code."""

from __future__ import annotations

import pytest

from revertrisk_service.errors import (
    FeatureDisabled,
    InvalidLang,
    InvalidRequest,
    InvalidRevId,
    TooManyInstances,
)
from revertrisk_service.serving.requests import RejectedInstance, RevisionRef, parse_request
from revertrisk_service.wikis import resolve_lang


def parse(body: object, **kw: object):
    return parse_request(body, max_batch_size=kw.get("limit", 50), presave_enabled=kw.get("presave", False))


def test_single_request() -> None:
    parsed = parse({"lang": "en", "rev_id": 123})
    assert parsed.kind == "single"
    assert parsed.items == [RevisionRef(resolve_lang("en"), 123)]


def test_special_host_mapping() -> None:
    (ref,) = parse({"lang": "be-x-old", "rev_id": 5}).items
    assert isinstance(ref, RevisionRef)
    assert ref.wiki.host == "be-tarask.wikipedia.org"
    assert ref.wiki.dbname == "be_x_oldwiki"


@pytest.mark.parametrize(
    ("body", "error", "code"),
    [
        ({"lang": "enwiki", "rev_id": 1}, InvalidLang, "invalid_lang"),
        ({"lang": "xx-notalang", "rev_id": 1}, InvalidLang, "invalid_lang"),
        ({"lang": "evil.example.org/", "rev_id": 1}, InvalidLang, "invalid_lang"),
        ({"lang": 7, "rev_id": 1}, InvalidLang, "invalid_lang"),
        ({"lang": "en", "rev_id": "123"}, InvalidRevId, "invalid_rev_id"),
        ({"lang": "en", "rev_id": 1.5}, InvalidRevId, "invalid_rev_id"),
        ({"lang": "en", "rev_id": 0}, InvalidRevId, "invalid_rev_id"),
        ({"lang": "en", "rev_id": -4}, InvalidRevId, "invalid_rev_id"),
        ({"lang": "en", "rev_id": True}, InvalidRevId, "invalid_rev_id"),
        ({"lang": "en"}, InvalidRequest, "invalid_request"),
        ([1, 2], InvalidRequest, "invalid_request"),
        ("en", InvalidRequest, "invalid_request"),
        ({"instances": "nope"}, InvalidRequest, "invalid_request"),
        ({"instances": []}, InvalidRequest, "invalid_request"),
        ({"revision_data": {}}, FeatureDisabled, "feature_disabled"),
    ],
)
def test_rejected_inputs(body: object, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as caught:
        parse(body)
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.status == 400  # type: ignore[attr-defined]


def test_dbname_hint_names_the_language_code() -> None:
    with pytest.raises(InvalidLang, match='use "en" instead of "enwiki"'):
        parse({"lang": "enwiki", "rev_id": 1})


def test_batch_limit() -> None:
    instances = [{"lang": "en", "rev_id": i + 1} for i in range(51)]
    with pytest.raises(TooManyInstances) as caught:
        parse({"instances": instances})
    assert caught.value.details["limit"] == 50
    assert len(parse({"instances": instances}, limit=60).items) == 51


def test_batch_mixes_languages_and_keeps_bad_instances_as_errors() -> None:
    parsed = parse(
        {"instances": [{"lang": "en", "rev_id": 1}, {"lang": "de", "rev_id": 2}, {"lang": "enwiki", "rev_id": 3}, 5]}
    )
    assert parsed.kind == "batch"
    first, second, bad, worse = parsed.items
    assert isinstance(first, RevisionRef) and first.wiki.dbname == "enwiki"
    assert isinstance(second, RevisionRef) and second.wiki.dbname == "dewiki"
    assert isinstance(bad, RejectedInstance) and bad.error.code == "invalid_lang"
    assert isinstance(worse, RejectedInstance) and worse.error.code == "invalid_request"


def test_presave_when_enabled() -> None:
    parsed = parse({"revision_data": {"lang": "en"}}, presave=True)
    assert parsed.kind == "presave"
