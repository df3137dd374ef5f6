"""Read a MediaWiki XML history dump (any format dump_source opens, export schema 0.3 to 0.11)
with mwxml, one revision at a time: its metadata in the Data Lake's wikitext-history columns
(columns.TABLE_COLUMNS without the text) and its text apart, so that no reader ever holds a
page's whole history (one English Wikipedia page can have 50,000 revisions of 100 KB).

Old schemas have no `<sha1>` and no `<parentid>`: the sha1 is computed from the text as
MediaWiki does (base 36), and a missing parent is resolved later as the revision saved before.
Hidden text or editors (`deleted="deleted"`) are kept, flagged, with no text and no name.

A truncated or corrupt dump raises DumpError naming the file and the position: the XML line and
column where parsing stopped, the byte offset reached, and the revisions read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import mwxml

from revertrisk_service.dataset.dump_source import DumpError, open_xml, read_head

# Metadata columns of a staged revision: the table's columns but the text, and the two flags.
TEXT_HIDDEN = "text_hidden"
USER_HIDDEN = "user_hidden"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class DumpRevision:
    meta: dict[str, Any]
    text: str | None  # None when hidden


def mediawiki_sha1(text: str) -> str:
    """The sha1 MediaWiki stores and dumps write: base 36, 31 digits."""
    number = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(31, "0")


def _meta(wiki_db: str, page: Any, rev: Any, text: str | None) -> dict[str, Any]:
    user = rev.user
    deleted = rev.deleted
    text_hidden = text is None and bool(deleted and deleted.text)
    user_hidden = user is None or bool(deleted and deleted.user)
    if text_hidden:
        # Nothing to compare: a hidden text restores nothing and is restored by nothing.
        sha1 = f"hidden:{int(rev.id)}"
    else:
        sha1 = rev.sha1 or mediawiki_sha1(text or "")
    size = int(rev.bytes) if rev.bytes is not None else len((text or "").encode("utf-8"))
    return {
        "wiki_db": wiki_db,
        "page_id": int(page.id),
        "page_namespace": int(page.namespace),
        "page_title": str(page.title),
        "user_id": None if user_hidden or user.id is None else int(user.id),
        "user_text": None if user_hidden else user.text,
        "revision_id": int(rev.id),
        "revision_parent_id": None if rev.parent_id is None else int(rev.parent_id),
        "revision_timestamp": rev.timestamp.long_format(),
        "revision_minor_edit": bool(rev.minor),
        "revision_comment": rev.comment or "",
        "revision_text_bytes": size,
        "revision_text_sha1": sha1,
        "revision_content_model": rev.model or "wikitext",
        TEXT_HIDDEN: text_hidden,
        USER_HIDDEN: user_hidden,
    }


def _where(path: Path, raw: IO[bytes], revisions: int, error: BaseException) -> str:
    position = getattr(error, "position", None)
    at = f"line {position[0]}, column {position[1]}, " if position else ""
    try:
        offset = raw.tell()
    except (OSError, ValueError, AttributeError):
        offset = -1
    where = f"byte {offset} of the file, " if offset >= 0 else ""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (f"dump {path} is truncated or corrupt at {at}{where}after {revisions} complete "
            f"revisions: {reason}")  # fmt: skip


def iter_revisions(path: Path, wiki_db: str | None = None) -> Iterator[DumpRevision]:
    """Every revision of the dump in dump order (a page's revisions together), one at a time."""
    path = Path(path)
    head = read_head(path, wiki_db)
    revisions = 0
    with open_xml(path) as (stream, raw):
        try:
            for page in mwxml.Dump.from_file(stream):
                for rev in page:
                    text = rev.text
                    yield DumpRevision(_meta(head.wiki_db, page, rev, text), text)
                    revisions += 1
        except (ParseError, mwxml.errors.MalformedXML, EOFError, OSError, ValueError,
                KeyError, AttributeError, TypeError) as error:  # fmt: skip
            # Anything the parser raises on broken input; the message says where.
            raise DumpError("dump_truncated", _where(path, raw, revisions, error)) from error
