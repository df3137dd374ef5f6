from __future__ import annotations

import pytest

from revertrisk_service.errors import InvalidLang
from revertrisk_service.wikis import all_wikis, resolve_lang, wiki_by_dbname


def test_catalogue_is_large_and_consistent() -> None:
    wikis = all_wikis()
    assert len(wikis) > 300
    for wiki in wikis:
        assert wiki.host.endswith(".wikipedia.org")
        assert wiki.dbname.endswith("wiki")
        assert wiki_by_dbname(wiki.dbname) == wiki


@pytest.mark.parametrize(
    ("lang", "dbname", "host"),
    [
        ("en", "enwiki", "en.wikipedia.org"),
        ("zh-min-nan", "zh_min_nanwiki", "zh-min-nan.wikipedia.org"),
        ("be-tarask", "be_x_oldwiki", "be-tarask.wikipedia.org"),
        ("simple", "simplewiki", "simple.wikipedia.org"),
        ("nb", "nowiki", "no.wikipedia.org"),
    ],
)
def test_known_mappings(lang: str, dbname: str, host: str) -> None:
    wiki = resolve_lang(lang)
    assert (wiki.dbname, wiki.host) == (dbname, host)


@pytest.mark.parametrize("lang", ["", "en.evil.com", "../en", "en wiki", "commons", "xx"])
def test_hostile_or_unknown_langs_are_rejected(lang: str) -> None:
    with pytest.raises(InvalidLang):
        resolve_lang(lang)
