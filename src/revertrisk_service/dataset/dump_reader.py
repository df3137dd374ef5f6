"""Read a MediaWiki XML history dump (plain, .bz2 or .gz) with mwxml into rows of the Data Lake's
wikitext-history shape (columns.TABLE_COLUMNS), one page's whole history at a time.

A truncated or corrupt dump raises DumpError naming the file and the position: the XML line and
column where parsing stopped, the compressed byte offset reached, and the pages read whole.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import mwxml


class DumpError(Exception):
    """One clear line: which dump, where it broke, why."""


@dataclass(frozen=True)
class DumpPage:
    wiki_db: str | None
    rows: list[dict[str, Any]]


def open_dump(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(decompressed stream, raw file): the raw file's offset tells how far a broken read got."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through iter_pages
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.BZ2File(raw), raw
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw), raw
    return raw, raw


def _sha1(text: str) -> str:
    # Dumps carry MediaWiki's base-36 sha1; a missing one (hidden text) is computed from the text.
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _row(wiki_db: str | None, page: Any, rev: Any) -> dict[str, Any]:
    text = rev.text or ""
    user = rev.user
    return {
        "wiki_db": wiki_db,
        "page_id": int(page.id),
        "page_namespace": int(page.namespace),
        "page_title": str(page.title),
        "user_id": None if user is None or user.id is None else int(user.id),
        "user_text": None if user is None else user.text,
        "revision_id": int(rev.id),
        "revision_parent_id": None if rev.parent_id is None else int(rev.parent_id),
        "revision_timestamp": rev.timestamp.long_format(),
        "revision_minor_edit": bool(rev.minor),
        "revision_comment": rev.comment or "",
        "revision_text_bytes": int(rev.bytes) if rev.bytes is not None else len(text.encode()),
        "revision_text_sha1": rev.sha1 or _sha1(text),
        "revision_text": text,
        "revision_content_model": rev.model or "wikitext",
    }


def _where(path: Path, raw: IO[bytes], pages: int, error: BaseException) -> str:
    position = getattr(error, "position", None)
    at = f"line {position[0]}, column {position[1]}, " if position else ""
    try:
        offset = raw.tell()
    except (OSError, ValueError):
        offset = -1
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (
        f"dump {path} is truncated or corrupt at {at}byte {offset} of the file, after "
        f"{pages} complete pages: {reason}"
    )


def iter_pages(path: Path) -> Iterator[DumpPage]:
    """Every page of the dump with its whole history, in dump order."""
    path = Path(path)
    stream, raw = open_dump(path)
    pages = 0
    try:
        try:
            dump = mwxml.Dump.from_file(stream)
            wiki_db = dump.site_info.dbname if dump.site_info else None
            for page in dump:
                rows = [_row(wiki_db, page, rev) for rev in page]
                pages += 1
                yield DumpPage(wiki_db, rows)
        except (ParseError, mwxml.errors.MalformedXML, EOFError, OSError, ValueError,
                KeyError, AttributeError, TypeError) as error:  # fmt: skip
            # Anything the parser raises on broken input; the message says where.
            raise DumpError(_where(path, raw, pages, error)) from error
    finally:
        stream.close()
        raw.close()
