"""A slice of a real history dump: its head (siteinfo) and `count` revisions after skipping
`skip`, as a well-formed dump of the same schema, for tests and benches that cannot afford the
whole file. Streams the input (any format the builder reads) and never holds more than a line.

Dumps write one tag per line around revisions (`<page>`, `<revision>`, `</revision>`,
`</page>`), which is all this relies on; the text inside a revision is copied as is.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from revertrisk_service.dataset.dump_source import open_xml


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


def slice_history(source: Path, target: Path, count: int, skip: int = 0) -> int:
    """Write `count` revisions of `source` (after the first `skip`) to `target` (gzip when its
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
