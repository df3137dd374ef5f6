"""The dump reader against mwxml (mediawiki-utilities), the field's reader of MediaWiki XML: the
same revisions, field for field, text for text, on every shipped real history, on the edge cases
of test_dump_formats (hidden text and editors, redirects, JSON pages, a blank revision) and on an
old schema whose titles carry their namespace as a prefix. The reader parses the XML itself for
speed; mwxml stays the reference for what a dump says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mwxml
import pytest

from dataset.test_dump_formats import EDGE_DUMP, HISTORIES
from revertrisk_service.dataset.dump_reader import (
    TEXT_HIDDEN,
    USER_HIDDEN,
    iter_revisions,
    mediawiki_sha1,
)
from revertrisk_service.dataset.dump_source import DumpError, open_xml, read_head


def _reference(path: Path, wiki_db: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """What mwxml reads of each revision, in the reader's columns."""
    wiki = read_head(path, wiki_db).wiki_db
    with open_xml(path) as (stream, _):
        for page in mwxml.Dump.from_file(stream):
            for rev in page:
                deleted, user, text = rev.deleted, rev.user, rev.text
                text_hidden = text is None and bool(deleted and deleted.text)
                user_hidden = user is None or bool(deleted and deleted.user)
                sha1 = f"hidden:{rev.id}" if text_hidden else rev.sha1 or mediawiki_sha1(text or "")
                yield {
                    "wiki_db": wiki, "page_id": int(page.id), "page_namespace": int(page.namespace),
                    "page_title": str(page.title),
                    "user_id": None if user_hidden or user.id is None else int(user.id),
                    "user_text": None if user_hidden else user.text,
                    "revision_id": int(rev.id),
                    "revision_parent_id": None if rev.parent_id is None else int(rev.parent_id),
                    "revision_timestamp": rev.timestamp.long_format(),
                    "revision_minor_edit": bool(rev.minor), "revision_comment": rev.comment or "",
                    "revision_text_bytes": int(rev.bytes) if rev.bytes is not None
                    else len((text or "").encode("utf-8")),
                    "revision_text_sha1": sha1, "revision_content_model": rev.model or "wikitext",
                    TEXT_HIDDEN: text_hidden, USER_HIDDEN: user_hidden,
                }, text  # fmt: skip


def _assert_same_as_mwxml(path: Path, wiki_db: str | None = None) -> int:
    read = iter_revisions(path, wiki_db)
    count = 0
    for expected, got in zip(_reference(path, wiki_db), read, strict=True):
        assert got.meta == expected[0]
        assert got.text == expected[1], f"revision {got.meta['revision_id']}"
        count += 1
    return count


# A schema 0.3 export: no <ns>, so each title's prefix names its namespace (or does not).
OLD_SCHEMA_DUMP = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.3/" version="0.3" xml:lang="it">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <base>http://it.wikipedia.org/wiki/Pagina_principale</base>
    <namespaces>
      <namespace key="0" />
      <namespace key="1">Discussione</namespace>
      <namespace key="2">Utente</namespace>
    </namespaces>
  </siteinfo>
  <page>
    <title>Discussione:Amen_e_basta</title>
    <id>7</id>
    <revision><id>70</id><timestamp>2005-03-09T11:13:08Z</timestamp><contributor><ip>82.91.74.31</ip></contributor><minor/><comment>primo</comment><text xml:space="preserve">Ciao</text></revision>
    <revision><id>71</id><timestamp>2005-03-09T12:13:08Z</timestamp><contributor><username>Anna</username><id>5</id></contributor><comment deleted="deleted"/><text xml:space="preserve"></text></revision>
  </page>
  <page>
    <title>Non un namespace: titolo</title>
    <id>8</id>
    <revision><id>80</id><timestamp>2005-03-10T11:13:08Z</timestamp><contributor><username>Anna</username><id>5</id></contributor><text xml:space="preserve">Testo</text></revision>
  </page>
  <page>
    <title>Utente: spazio</title>
    <id>9</id>
    <revision><id>90</id><timestamp>2005-03-11T11:13:08Z</timestamp><contributor><username>Anna</username><id>5</id></contributor><text xml:space="preserve">Altro</text></revision>
  </page>
</mediawiki>
"""


def test_edge_cases_read_as_mwxml_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "edge.xml"
    path.write_text(EDGE_DUMP)
    assert _assert_same_as_mwxml(path) == 9


def test_old_schema_titles_take_their_namespace_from_the_prefix(tmp_path: Path) -> None:
    path = tmp_path / "old.xml"
    path.write_text(OLD_SCHEMA_DUMP)
    assert _assert_same_as_mwxml(path) == 4
    first, blank, plain, spaced = iter_revisions(path)
    assert (first.meta["page_namespace"], first.meta["page_title"]) == (1, "Amen e basta")
    assert blank.text is None and blank.meta["revision_comment"] == ""
    assert blank.meta["revision_text_sha1"] == mediawiki_sha1("")
    assert (plain.meta["page_namespace"], spaced.meta["page_namespace"]) == (0, 0)


SMALL = ["aawiki-20260101-pages-meta-history.xml.7z", "enwiki-Rio_Grande-pages-meta-history.xml.bz2",
         "enwiki-20140102-tiny-pages-meta-history.xml.gz", "itwiki-Amen-pages-meta-history.xml.gz"]  # fmt: skip


@pytest.mark.parametrize("name", SMALL)
def test_small_shipped_histories_read_as_mwxml_reads_them(name: str) -> None:
    assert _assert_same_as_mwxml(HISTORIES / name) > 40


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("name", "wiki_db", "revisions"), [
    ("acewiki-pages-meta-history.xml.bz2", None, 86_274),
    ("enwiki-Anarchism-2001-2010-pages-meta-history.xml.7z", "enwiki", 15_180),
])  # fmt: skip
def test_large_shipped_histories_read_as_mwxml_reads_them(name: str, wiki_db: str | None,
                                                          revisions: int) -> None:
    assert _assert_same_as_mwxml(HISTORIES / name, wiki_db) == revisions


def test_other_timestamp_forms_are_written_long_and_a_non_time_is_one_line(tmp_path: Path) -> None:
    short = OLD_SCHEMA_DUMP.replace("2005-03-09T11:13:08Z", "20050309111308")
    path = tmp_path / "short.xml"
    path.write_text(short)
    assert next(iter_revisions(path)).meta["revision_timestamp"] == "2005-03-09T11:13:08Z"
    broken = tmp_path / "broken.xml"
    broken.write_text(OLD_SCHEMA_DUMP.replace("2005-03-10T11:13:08Z", "yesterday"))
    with pytest.raises(DumpError) as caught:
        list(iter_revisions(broken))
    assert caught.value.code == "dump_truncated"
    assert "after 2 complete revisions" in caught.value.line() and "\n" not in caught.value.line()
