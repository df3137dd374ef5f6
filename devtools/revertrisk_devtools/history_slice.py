"""Slices of a MediaWiki XML history dump, as small dumps of their own: its first pages
(`slice_history`), or `count` revisions after skipping `skip` (`slice_revisions`, for tests and
benches that cannot afford a whole real history).

`make try-history` trains on a real history in minutes rather than hours: the shipped Acehnese
history has 86,274 revisions, its first 120 pages 6,481. The export's header (siteinfo,
namespaces, database name) is kept and the file is closed as MediaWiki closes it, so the slice
is a valid dump for `revertrisk dataset build`. Streams: memory stays that of one line.
    python -m revertrisk_devtools.history_slice DUMP --pages 120 --out slice.xml.gz
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import sys
from pathlib import Path
from typing import IO

from revertrisk_service.dataset.dump_source import open_xml


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".bz2":
        return bz2.open(path, "rt", encoding="utf-8")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def slice_history(source: Path, out: Path, pages: int) -> tuple[int, int]:
    """Writes the header and the first `pages` pages of `source` to `out` (gzip); returns the
    pages and revisions written."""
    written = revisions = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with _open_text(source) as lines, gzip.open(out, "wt", encoding="utf-8") as sink:
        for line in lines:
            stripped = line.strip()
            if stripped == "<page>" and written == pages:
                break
            if stripped == "</mediawiki>":
                break
            sink.write(line)
            if stripped == "<revision>":
                revisions += 1
            elif stripped == "</page>":
                written += 1
        sink.write("</mediawiki>\n")
    if written == 0:
        raise ValueError(f"{source}: no <page> found (not a MediaWiki XML export?)")
    return written, revisions



def _lines(stream):
    pending = b""
    while True:
        block = stream.read(1 << 20)
        if not block:
            break
        pending += block
        *whole, pending = pending.split(b"\n")
        for line in whole:
            yield line + b"\n"
    if pending:
        yield pending


def slice_revisions(source: Path, target: Path, count: int, skip: int = 0) -> int:
    """Any format the builder reads (7z included). Write `count` revisions of `source` (after the first `skip`) to `target` (gzip when its
    name ends in .gz); returns how many were written."""
    def opener(path: Path, mode: str):
        # Fast gzip: a slice is a test input, written once and read once.
        return gzip.open(path, mode, compresslevel=1) if path.name.endswith(".gz") else open(path, mode)
    seen = written = 0
    page_head: list[bytes] = []  # <page> .. up to its first revision, kept until one is taken
    in_page = in_revision = page_open = False
    revision: list[bytes] = []
    with open_xml(Path(source)) as (stream, _), opener(target, "wb") as out:
        for line in _lines(stream):
            tag = line.strip()
            if not in_page:
                if tag == b"<page>":
                    in_page, page_head, page_open = True, [line], False
                elif tag != b"</mediawiki>":
                    out.write(line)
                continue
            if in_revision:
                revision.append(line)
                if tag == b"</revision>":
                    in_revision = False
                    seen += 1
                    if seen > skip:
                        if not page_open:
                            out.writelines(page_head)
                            page_open = True
                        out.writelines(revision)
                        written += 1
                        if written >= count:
                            break
                continue
            if tag == b"<revision>":
                in_revision, revision = True, [line]
            elif tag == b"</page>":
                if page_open:
                    out.write(line)
                in_page = False
            elif not page_open:
                page_head.append(line)
        if in_page and page_open:
            out.write(b"  </page>\n")
        out.write(b"</mediawiki>\n")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="a history dump: .xml, .xml.bz2 or .xml.gz")
    parser.add_argument("--pages", type=int, default=50, help="how many pages to keep")
    parser.add_argument("--out", type=Path, required=True, help="the slice (.xml.gz)")
    args = parser.parse_args(argv)
    try:
        pages, revisions = slice_history(args.dump, args.out, args.pages)
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as error:
        sys.exit(f"error: {error}")
    print(f"{args.out}: the first {pages} pages of {args.dump.name}, {revisions} revisions")


if __name__ == "__main__":
    main()
