"""Dumps as Wikimedia publishes them, without Spark: every compression read alike, export schemas
0.3 to 0.11 (no <sha1>, no <dbname>), hidden text and editors, redirects, other content models,
and files that are not history dumps, each refused in one line with its stable code."""

from __future__ import annotations

import bz2
import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from revertrisk_devtools.history_dump import write_history_dump
from revertrisk_service.dataset.dump_reader import iter_revisions, mediawiki_sha1
from revertrisk_service.dataset.dump_source import DumpError, read_head
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.page_rows import label_page_rows
from revertrisk_service.dataset.staging import STAGING, stage_dump

HISTORIES = Path(os.environ.get("DATA_DIR", Path(__file__).resolve().parents[2] / ".." / "shared" / "data")) / "histories"
if not HISTORIES.is_dir():
    HISTORIES = Path("/work/shared/data/histories")
needs_7z = pytest.mark.skipif(shutil.which("7z") is None, reason="p7zip not installed: make system-deps")


def _seven_zip(plain: Path) -> Path:
    packed = plain.with_name(plain.name + ".7z")
    subprocess.run(["7z", "a", "-bd", "-mx=1", str(packed), str(plain)], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    return packed


@needs_7z
def test_every_compression_reads_the_same_revisions(tmp_path: Path) -> None:
    plain = write_history_dump(tmp_path / "h.xml", pages=3, revisions_per_page=5)
    packed = {
        "bz2": tmp_path / "h.xml.bz2", "gz": tmp_path / "h.xml.gz", "7z": _seven_zip(plain),
        # The format comes from the bytes, not the name.
        "misnamed": tmp_path / "h.dump",
    }  # fmt: skip
    packed["bz2"].write_bytes(bz2.compress(plain.read_bytes()))
    packed["gz"].write_bytes(gzip.compress(plain.read_bytes()))
    packed["misnamed"].write_bytes(bz2.compress(plain.read_bytes()))
    want = list(iter_revisions(plain))
    assert len(want) == 15
    for kind, path in packed.items():
        assert list(iter_revisions(path)) == want, kind


def test_a_computed_sha1_is_mediawikis(tmp_path: Path) -> None:
    """The generator writes MediaWiki's base-36 sha1: a dump without <sha1> gets the same."""
    plain = write_history_dump(tmp_path / "h.xml", pages=1, revisions_per_page=3)
    for rev in iter_revisions(plain):
        assert rev.meta["revision_text_sha1"] == mediawiki_sha1(rev.text)


@pytest.mark.parametrize(("name", "wiki_db", "version", "revisions"), [
    ("enwiki-Rio_Grande-pages-meta-history.xml.bz2", "enwiki", "0.3", 247),
    ("itwiki-Amen-pages-meta-history.xml.gz", "itwiki", "0.3", 49),
    ("enwiki-20140102-tiny-pages-meta-history.xml.gz", "enwiki", "0.8", 106),
    pytest.param("aawiki-20260101-pages-meta-history.xml.7z", "aawiki", "0.11", 1307,
                 marks=needs_7z),
])  # fmt: skip
def test_shipped_old_schemas_read_with_their_wiki(name, wiki_db, version, revisions) -> None:
    path = HISTORIES / name
    if not path.is_file():
        pytest.skip(f"{path} missing: the shared histories lie beside the repository")
    head = read_head(path)
    assert (head.wiki_db, head.version) == (wiki_db, version)
    read = list(iter_revisions(path))
    assert len(read) == revisions
    assert all(r.meta["wiki_db"] == wiki_db for r in read)
    # Schema 0.3 has no <sha1>: computed from the text, MediaWiki's way.
    for rev in read[:20]:
        if rev.text is not None and version == "0.3":
            assert rev.meta["revision_text_sha1"] == mediawiki_sha1(rev.text)


EDGE_DUMP = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <base>https://en.wikipedia.org/wiki/Main_Page</base>
    <generator>MediaWiki 1.29</generator>
    <case>first-letter</case>
    <namespaces><namespace key="0" case="first-letter" /></namespaces>
  </siteinfo>
  <page>
    <title>Edge</title>
    <ns>0</ns>
    <id>1</id>
    <revision><id>11</id><timestamp>2020-01-01T00:00:00Z</timestamp><contributor><username>A</username><id>1</id></contributor><model>wikitext</model><format>text/x-wiki</format><text xml:space="preserve" bytes="5">Hello</text></revision>
    <revision><id>12</id><parentid>11</parentid><timestamp>2020-01-01T01:00:00Z</timestamp><contributor deleted="deleted" /><model>wikitext</model><format>text/x-wiki</format><text xml:space="preserve" bytes="11">Hello there</text></revision>
    <revision><id>13</id><parentid>12</parentid><timestamp>2020-01-01T02:00:00Z</timestamp><contributor><ip>192.0.2.1</ip></contributor><model>wikitext</model><format>text/x-wiki</format><text bytes="20" deleted="deleted" /><sha1 /></revision>
    <revision><id>14</id><parentid>13</parentid><timestamp>2020-01-01T03:00:00Z</timestamp><contributor><username>B</username><id>2</id></contributor><model>wikitext</model><format>text/x-wiki</format><text xml:space="preserve" bytes="14">Hello there!!!</text></revision>
    <revision><id>15</id><parentid>14</parentid><timestamp>2020-01-01T04:00:00Z</timestamp><contributor><username>C</username><id>3</id></contributor><model>wikitext</model><format>text/x-wiki</format><text xml:space="preserve" bytes="11">Hello there</text></revision>
  </page>
  <page>
    <title>Old name</title>
    <ns>0</ns>
    <id>2</id>
    <redirect title="Edge" />
    <revision><id>21</id><timestamp>2020-01-02T00:00:00Z</timestamp><contributor><username>A</username><id>1</id></contributor><model>wikitext</model><format>text/x-wiki</format><text xml:space="preserve" bytes="16">#REDIRECT [[Edge]]</text></revision>
    <revision><id>22</id><parentid>21</parentid><timestamp>2020-01-02T01:00:00Z</timestamp><contributor><username>B</username><id>2</id></contributor><model>wikitext</model><format>text/x-wiki</format><text xml:space="preserve" bytes="18">#REDIRECT [[Edge 2]]</text></revision>
  </page>
  <page>
    <title>Data.json</title>
    <ns>0</ns>
    <id>3</id>
    <revision><id>31</id><timestamp>2020-01-03T00:00:00Z</timestamp><contributor><username>A</username><id>1</id></contributor><model>json</model><format>application/json</format><text xml:space="preserve" bytes="2">{}</text></revision>
    <revision><id>32</id><parentid>31</parentid><timestamp>2020-01-03T01:00:00Z</timestamp><contributor><username>B</username><id>2</id></contributor><model>json</model><format>application/json</format><text xml:space="preserve" bytes="8">{"a": 1}</text></revision>
  </page>
</mediawiki>
"""


def test_hidden_parts_redirects_and_other_content_models(tmp_path: Path) -> None:
    path = tmp_path / "edge.xml"
    path.write_text(EDGE_DUMP)
    revisions = {r.meta["revision_id"]: r for r in iter_revisions(path)}
    assert read_head(path).wiki_db == "enwiki"  # from <base>: export 0.10 without <dbname>
    hidden_user, hidden_text = revisions[12], revisions[13]
    assert hidden_user.meta["user_hidden"] and hidden_user.meta["user_text"] is None
    assert hidden_user.meta["user_id"] is None and hidden_user.text == "Hello there"
    assert hidden_text.meta["text_hidden"] and hidden_text.text is None
    assert revisions[22].text == "#REDIRECT [[Edge 2]]"
    assert revisions[32].meta["revision_content_model"] == "json"

    options = BuildOptions()
    dropped = {}
    for page in (1, 2, 3):
        rows = [r.meta for r in revisions.values() if r.meta["page_id"] == page]
        dropped |= {r["revision_id"]: r["dropped"] for r in label_page_rows(rows, options)}
    assert dropped == {
        11: "page_creation", 12: "hidden", 13: "hidden", 14: "hidden", 15: None,
        21: "page_creation", 22: None, 31: "page_creation", 32: "not_wikitext",
    }  # fmt: skip
    # A hidden text restores nothing: 15 restores 12's text, so 13 and 14 are reverted by it.
    labels = {r["revision_id"]: r for r in label_page_rows(
        [r.meta for r in revisions.values() if r.meta["page_id"] == 1], options)}
    assert labels[14]["revision_is_identity_reverted"] and labels[14]["reverting_rev_id"] == 15
    assert not labels[12]["revision_is_identity_reverted"]


def _not_dumps(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    noise = tmp_path / "noise.xml.bz2"
    noise.write_bytes(os.urandom(4096))
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    page_export = tmp_path / "export.xml"
    page_export.write_text('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" '
                           'version="0.11"><page><title>A</title></page></mediawiki>')
    api = tmp_path / "api.xml"
    api.write_text('<?xml version="1.0"?><api><query><pages/></query></api>')
    future = tmp_path / "future.xml"
    future.write_text('<mediawiki version="0.99"><siteinfo><dbname>enwiki</dbname></siteinfo>')
    nowhere = tmp_path / "nowhere.xml"
    nowhere.write_text('<mediawiki version="0.4"><siteinfo><base>https://wiki.example.org/</base>'
                       "</siteinfo><page></page></mediawiki>")
    gz_text = tmp_path / "notes.txt.gz"
    gz_text.write_bytes(gzip.compress(b"just some notes\n" * 100))
    return {
        "png": (png, "dump_not_history"),
        "random bytes": (noise, "dump_not_history"),
        "empty": (empty, "dump_empty"),
        "page export without siteinfo": (page_export, "dump_not_history"),
        "api answer": (api, "dump_not_history"),
        "unknown schema": (future, "dump_schema_unsupported"),
        "no wiki known": (nowhere, "dump_unknown_wiki"),
        "compressed text": (gz_text, "dump_not_history"),
    }  # fmt: skip


def test_files_that_are_not_history_dumps_get_one_line_each(tmp_path: Path) -> None:
    for what, (path, code) in _not_dumps(tmp_path).items():
        with pytest.raises(DumpError) as caught:
            read_head(path)
        assert caught.value.code == code, what
        line = caught.value.line()
        assert "\n" not in line and str(path) in line and "truncated" not in line, what
        assert line.isprintable(), what


def test_the_wiki_option_names_a_wiki_the_dump_does_not(tmp_path: Path) -> None:
    _, (nowhere, _) = next(iter({k: v for k, v in _not_dumps(tmp_path).items()
                                 if k == "no wiki known"}.items()))  # fmt: skip
    assert read_head(nowhere, wiki_db="dewiki").wiki_db == "dewiki"
    with pytest.raises(DumpError) as caught:
        read_head(nowhere, wiki_db="notawiki")
    assert caught.value.code == "dump_unknown_wiki" and "notawiki" in str(caught.value)


@needs_7z
def test_a_broken_7z_archive_is_one_line_and_leaves_no_staging(tmp_path: Path) -> None:
    plain = write_history_dump(tmp_path / "h.xml", pages=20, revisions_per_page=5)
    packed = _seven_zip(plain)
    data = packed.read_bytes()
    broken = tmp_path / "broken.xml.7z"
    broken.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    staged = stage_dump(str(broken), str(out), 100)
    assert staged.error is not None and "\n" not in staged.error
    assert staged.error.startswith("[dump_") and "broken.xml.7z" in staged.error
    assert not (out / STAGING).exists()
