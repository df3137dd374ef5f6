"""Read a MediaWiki XML history dump (any format dump_source opens, export schema 0.3 to 0.11)
one revision at a time: its metadata in the Data Lake's wikitext-history columns
(columns.TABLE_COLUMNS without the text) and its text apart, so that no reader ever holds a
page's whole history (one English Wikipedia page can have 50,000 revisions of 100 KB).

The XML is read with the standard library's incremental parser (expat), each revision's element
dropped once read. It gives what mwxml (mediawiki-utilities) gives, field for field
(tests/dataset/test_dump_reader.py compares the two on every shipped history), at a third of the
cost: mwxml wraps every XML element in its own Python iterator, which made parsing two thirds of
reading a dump.

Old schemas have no `<sha1>` and no `<parentid>`: the sha1 is computed from the text as
MediaWiki does (base 36), and a missing parent is resolved later as the revision saved before.
Without `<ns>` (export 0.3 and 0.4), a title's namespace is its prefix among `<siteinfo>`'s
namespaces, as mwxml reads it. Hidden text or editors (`deleted="deleted"`) are kept, flagged,
with no text and no name.

A truncated or corrupt dump raises DumpError naming the file and the position: the XML line and
column where parsing stopped, the byte offset reached, and the revisions read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, iterparse

from revertrisk_service.dataset.dump_source import DumpError, open_xml, read_head
from revertrisk_service.dataset.revision import parse_timestamp

# Metadata columns of a staged revision: the table's columns but the text, and the two flags.
TEXT_HIDDEN = "text_hidden"
USER_HIDDEN = "user_hidden"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class DumpRevision:
    meta: dict[str, Any]
    text: str | None  # None when hidden


def mediawiki_sha1(text: str | bytes) -> str:
    """The sha1 MediaWiki stores and dumps write, of a text or its UTF-8 bytes: base 36, 31
    digits."""
    encoded = text.encode("utf-8") if isinstance(text, str) else text
    number = int(hashlib.sha1(encoded).hexdigest(), 16)
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(31, "0")


@dataclass(frozen=True)
class _Page:
    page_id: int
    namespace: int
    title: str


_LONG_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _local(tag: str) -> str:
    """An element's name without the export schema's XML namespace."""
    return tag.rpartition("}")[2]


def _timestamp(text: str | None) -> str:
    """The long format every schema writes; MediaWiki's short one (20050309111308) and other ISO
    8601 forms are rewritten to it, and what is not a time raises ValueError (a broken dump)."""
    text = (text or "").strip()
    if _LONG_TIMESTAMP.fullmatch(text):
        return text
    if text.isdigit() and len(text) == 14:
        when = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    else:
        when = parse_timestamp(text)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _page(element: Element, namespaces: dict[str, int]) -> _Page:
    """A page's id, namespace and title, from the elements before its first revision. A title's
    namespace, when the schema has no `<ns>`, is its prefix among the site's namespaces."""
    title, namespace, page_id = "", None, None
    for child in element:
        tag = _local(child.tag)
        if tag == "title":
            title = child.text or ""
        elif tag == "ns":
            namespace = int(child.text or "")
        elif tag == "id":
            page_id = int(child.text or "")
        elif tag == "revision":
            break
    if namespace is None:
        prefix, colon, rest = title.partition(":")
        if colon and not rest.startswith(" ") and prefix in namespaces:
            namespace, title = namespaces[prefix], rest
        else:
            namespace = 0
    if page_id is None:
        raise ValueError("a <page> without an <id>")
    return _Page(page_id, namespace, title.replace("_", " "))


def _revision(wiki_db: str, page: _Page, element: Element) -> DumpRevision:
    """One `<revision>` element as metadata columns and text."""
    rev_id = parent_id = timestamp = sha1 = text_sha1 = size = model = None
    comment: str | None = None
    text: str | None = None
    user_id: int | None = None
    user_text: str | None = None
    minor = user_deleted = text_deleted = False
    has_editor = False
    for child in element:
        tag = _local(child.tag)
        if tag == "id":
            rev_id = int(child.text or "")
        elif tag == "timestamp":
            timestamp = _timestamp(child.text)
        elif tag == "contributor":
            has_editor = True
            user_deleted = child.get("deleted") is not None
            for field in child:
                name = _local(field.tag)
                if name == "id":
                    user_id = int(field.text or "")
                elif name == "username" or (name == "ip" and user_text is None):
                    user_text = str(field.text)
        elif tag == "minor":
            minor = True
        elif tag == "sha1":
            sha1 = child.text
        elif tag == "parentid":
            parent_id = int(child.text) if child.text else None
        elif tag == "model":
            model = child.text
        elif tag == "comment":
            comment = None if child.get("deleted") is not None else child.text
        elif tag == "text":
            text_deleted = child.get("deleted") is not None
            text = child.text or None
            text_sha1 = child.get("sha1")
            size = child.get("bytes")
    if rev_id is None:
        raise ValueError("a <revision> without an <id>")
    if timestamp is None:
        raise ValueError(f"revision {rev_id} has no <timestamp>")
    # Since export 0.11 the text's own sha1 attribute is the main slot's; before, <sha1>.
    sha1 = text_sha1 if text_sha1 is not None else sha1
    text_hidden = text is None and text_deleted
    user_hidden = user_deleted or not has_editor
    # Old schemas give neither size nor sha1: both come from the text's UTF-8 bytes, encoded once.
    encoded = (text or "").encode("utf-8") if size is None or not sha1 else b""
    if text_hidden:
        # Nothing to compare: a hidden text restores nothing and is restored by nothing.
        sha1 = f"hidden:{rev_id}"
    elif not sha1:
        sha1 = mediawiki_sha1(encoded)
    meta = {
        "wiki_db": wiki_db,
        "page_id": page.page_id,
        "page_namespace": page.namespace,
        "page_title": page.title,
        "user_id": None if user_hidden else user_id,
        "user_text": None if user_hidden else user_text,
        "revision_id": rev_id,
        "revision_parent_id": parent_id,
        "revision_timestamp": timestamp,
        "revision_minor_edit": minor,
        "revision_comment": comment or "",
        "revision_text_bytes": int(size) if size is not None else len(encoded),
        "revision_text_sha1": sha1,
        "revision_content_model": model or "wikitext",
        TEXT_HIDDEN: text_hidden,
        USER_HIDDEN: user_hidden,
    }
    return DumpRevision(meta, text)


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


def _read(stream: IO[bytes], wiki_db: str) -> Iterator[DumpRevision]:
    """The revisions of an XML stream. Each revision's element is removed from its page once
    read, and each page from the root, so memory holds one revision (and a page's few header
    elements) whatever the page's history weighs."""
    namespaces: dict[str, int] = {}
    root: Element | None = None
    page_element: Element | None = None
    page: _Page | None = None
    for event, element in iterparse(stream, events=("start", "end")):
        if event == "start":
            if root is None:
                root = element
            elif _local(element.tag) == "page":
                page_element, page = element, None
            continue
        tag = _local(element.tag)
        if tag == "revision" and page_element is not None:
            if page is None:
                page = _page(page_element, namespaces)
            yield _revision(wiki_db, page, element)
            page_element.remove(element)
        elif tag == "page" and root is not None:
            root.remove(element)
            page_element = page = None
        elif tag == "namespace":
            namespaces[element.text or ""] = int(element.get("key") or 0)
        elif tag == "siteinfo" and root is not None:
            root.remove(element)


def iter_revisions(path: Path, wiki_db: str | None = None) -> Iterator[DumpRevision]:
    """Every revision of the dump in dump order (a page's revisions together), one at a time."""
    path = Path(path)
    head = read_head(path, wiki_db)
    revisions = 0
    with open_xml(path) as (stream, raw):
        try:
            for revision in _read(stream, head.wiki_db):
                yield revision
                revisions += 1
        except (ParseError, EOFError, OSError, ValueError, KeyError, TypeError) as error:
            # Anything the parser raises on broken input; the message says where.
            raise DumpError("dump_truncated", _where(path, raw, revisions, error)) from error
