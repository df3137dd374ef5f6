"""The history slicer of `make try-history`: the first pages of a real dump, as a valid dump."""

from __future__ import annotations

import gzip
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from revertrisk_devtools.history_slice import slice_history
from revertrisk_service.locations import default_data_dir

HISTORIES = default_data_dir() / "histories"
TINY = HISTORIES / "enwiki-20140102-tiny-pages-meta-history.xml.gz"
RIO = HISTORIES / "enwiki-Rio_Grande-pages-meta-history.xml.bz2"

pytestmark = pytest.mark.skipif(not TINY.exists(), reason="shared/data/histories is not present")


def pages_and_revisions(path: Path) -> tuple[list[str], int, str | None]:
    titles, revisions, dbname = [], 0, None
    with gzip.open(path) as dump:
        for _, element in ET.iterparse(dump):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "title":
                titles.append(element.text)
            elif tag == "revision":
                revisions += 1
            elif tag == "dbname":
                dbname = element.text
    return titles, revisions, dbname


def test_the_first_page_of_a_two_page_dump(tmp_path: Path) -> None:
    out = tmp_path / "slice.xml.gz"
    assert slice_history(TINY, out, pages=1) == (1, pages_and_revisions(out)[1])
    titles, revisions, _ = pages_and_revisions(out)
    assert titles == ["AccessibleComputing"] and revisions >= 1


def test_asking_for_more_pages_than_there_are_keeps_them_all(tmp_path: Path) -> None:
    out = tmp_path / "slice.xml.gz"
    pages, revisions = slice_history(RIO, out, pages=10)
    assert (pages, revisions) == (1, 247)  # the README's count of the Rio Grande history
    assert pages_and_revisions(out)[:2] == (["Rio Grande"], 247)


def test_not_a_dump_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml.gz"
    junk.write_bytes(gzip.compress(b"just text\n"))
    result = subprocess.run([sys.executable, "-m", "revertrisk_devtools.history_slice", str(junk),
                             "--out", str(tmp_path / "out.xml.gz")],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {junk}: no <page> found (not a MediaWiki XML export?)"
