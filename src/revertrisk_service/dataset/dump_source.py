"""Open a history dump as Wikimedia publishes it (7z, bzip2, gzip or plain XML) as one stream of
XML bytes, and say in one line what a file that is not a history dump is.

The format is read from the file's first bytes, not its name. Every compressed format is
decompressed by its own command in a separate process, through a pipe, so that decompression
runs beside the XML parser (single-threaded bzip2 takes as long as parsing what it gives;
lbzip2, which `make system-deps` installs, a third of that); Python's bz2 and gzip modules are
the fallback when no command is installed. A 7-Zip archive is streamed through p7zip
(`7z x -so`): Wikimedia's pages-meta-history .7z files hold one XML file of up to tens of GB,
and p7zip decompresses it as a pipe in constant memory on its own core, beside the parser.
py7zr (pure Python) was the other choice: it has no streaming read of an archive member (its
`read()` returns each file whole, in memory), so it would hold the whole history, and its LZMA
decoding in Python is several times slower. Nothing is unpacked to disk.

The XML's head says which wiki it is from: `<dbname>` (export 0.5 and later), else the host of
`<base>` mapped through the project's wiki table (export 0.3 and 0.4), unless --wiki-db says.
"""

from __future__ import annotations

import bz2
import gzip
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from revertrisk_service.dataset.errors import BuildError
from revertrisk_service.wikis import all_wikis, wiki_by_dbname

SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
BZIP2_MAGIC = b"BZh"
GZIP_MAGIC = b"\x1f\x8b"
# Enough decompressed bytes to hold <siteinfo> (a few KB even with many namespaces).
HEAD_BYTES = 256 * 1024
_VERSION = re.compile(rb"<mediawiki\b[^>]*\bversion=\"([0-9.]+)\"")
_DBNAME = re.compile(rb"<dbname>([^<]+)</dbname>")
_BASE = re.compile(rb"<base>([^<]+)</base>")
SUPPORTED_VERSIONS = ("0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "0.10", "0.11")


class DumpError(BuildError):
    """A dump that cannot be read, said in one line with its code."""


@dataclass(frozen=True)
class DumpHead:
    compression: str  # "7z", "bz2", "gz" or "none"
    version: str  # the export schema, e.g. "0.4"
    wiki_db: str


def compression_of(path: Path) -> str:
    with open(path, "rb") as raw:
        magic = raw.read(8)
    if magic.startswith(SEVEN_ZIP_MAGIC):
        return "7z"
    if magic.startswith(BZIP2_MAGIC):
        return "bz2"
    if magic.startswith(GZIP_MAGIC):
        return "gz"
    return "none"


# Decompressing commands, the first one installed is used (lbzip2 and pigz use several cores).
_COMMANDS = {
    "7z": (["7z", "x", "-so", "-bd"],),
    "bz2": (["lbzip2", "-dc"], ["bzip2", "-dc"]),
    "gz": (["pigz", "-dc"], ["gzip", "-dc"]),
}


def _command(kind: str) -> list[str] | None:
    return next((list(c) for c in _COMMANDS[kind] if shutil.which(c[0])), None)


class _PipeStream(IO[bytes]):
    """A compressed file as a readable byte stream: its decompressing command writing to a pipe."""

    def __init__(self, path: Path, command: list[str]) -> None:
        self.path = path
        self.process = subprocess.Popen(
            [*command, str(path)], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.stdout = self.process.stdout

    def read(self, size: int = -1) -> bytes:
        data = self.stdout.read(size)
        if not data and size != 0:
            self._check()
        return data

    def readable(self) -> bool:
        return True

    def _check(self) -> None:
        code = self.process.wait()
        if code != 0:
            assert self.process.stderr is not None
            said = self.process.stderr.read().decode("utf-8", "replace").splitlines()
            lines = [line.strip() for line in said if line.strip()]
            errors = [line for line in lines if line.upper().startswith("ERROR")]
            reason = (errors or lines or [f"exit status {code}"])[0].rstrip(";")
            raise OSError(f"{reason} (decompressing with {self.process.args[0]})")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stdout.close()
        if self.process.stderr is not None:
            self.process.stderr.close()


@contextmanager
def open_xml(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """(decompressed XML stream, raw file): the raw file's offset tells how far a read got
    (for a 7z archive, decompressed by a separate process, the XML stream's own offset)."""
    path = Path(path)
    kind = compression_of(path)
    command = _command(kind) if kind != "none" else None
    if kind == "7z" and command is None:
        raise DumpError("p7zip_missing", f"dump {path} is a 7-Zip archive and the `7z` command "
                        "is not installed: apt-get install p7zip-full")  # fmt: skip
    if command is not None:
        stream = _PipeStream(path, command)
        try:
            yield stream, stream
        finally:
            stream.close()
        return
    raw = open(path, "rb")  # noqa: SIM115 - closed below
    opened: IO[bytes] = raw
    if kind == "bz2":
        opened = bz2.BZ2File(raw)
    elif kind == "gz":
        opened = gzip.GzipFile(fileobj=raw)
    try:
        yield opened, raw
    finally:
        opened.close()
        raw.close()


def _read_head(path: Path) -> bytes:
    head = b""
    try:
        with open_xml(path) as (stream, _):
            while len(head) < HEAD_BYTES:
                more = stream.read(HEAD_BYTES - len(head))
                if not more:
                    break
                head += more
                if b"</siteinfo>" in head or b"<page>" in head:
                    break
    except (OSError, EOFError, ValueError) as error:
        if _VERSION.search(head):
            return head  # a dump that breaks later: reading it says where
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DumpError("dump_truncated", f"dump {path} is truncated or corrupt: its start "
                        f"cannot be decompressed: {reason}") from error  # fmt: skip
    return head


def wiki_from_base(base: str) -> str | None:
    """The dbname of the Wikipedia whose address `<base>` is (e.g. http://en.wikipedia.org/...)."""
    host = (urlsplit(base.strip()).hostname or "").lower().removeprefix("www.")
    host = host.replace(".m.wikipedia.org", ".wikipedia.org")
    return next((w.dbname for w in all_wikis() if w.host == host), None)


def read_head(path: Path, wiki_db: str | None = None) -> DumpHead:
    """Check that `path` is a MediaWiki XML export this builder reads, and which wiki it is
    from, before any work: a file that is not one gets one line saying what it is not."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise DumpError("dump_empty", f"dump {path} is an empty file, not a MediaWiki XML history "
                        "dump")  # fmt: skip
    compression = compression_of(path)
    head = _read_head(path)
    version = _VERSION.search(head)
    if version is None:
        what = "an empty archive" if not head else "not a MediaWiki XML export"
        raise DumpError("dump_not_history", f"dump {path} is {what} (no <mediawiki> root element"
                        " at its start): give a pages-meta-history XML dump (.xml, .xml.bz2, "
                        ".xml.gz or .xml.7z)")  # fmt: skip
    found = version.group(1).decode()
    if found not in SUPPORTED_VERSIONS:
        raise DumpError("dump_schema_unsupported", f"dump {path} is export schema {found}; the "
                        f"builder reads {SUPPORTED_VERSIONS[0]} to {SUPPORTED_VERSIONS[-1]}")
    if b"<siteinfo>" not in head:
        raise DumpError("dump_not_history", f"dump {path} is a MediaWiki XML export without "
                        "<siteinfo> (a page export, not a history dump): export it with "
                        "dumpBackup.php --full or Special:Export with the full history")
    resolved = wiki_db or _named_wiki(head)
    if resolved is None or wiki_by_dbname(resolved) is None:
        said = f"names the wiki {resolved!r}, which is" if resolved else "does not say which wiki it is from (no <dbname>, and its <base> is"
        raise DumpError("dump_unknown_wiki", f"dump {path} {said} not a known Wikipedia: pass "
                        "--wiki-db with the database name of its wiki (e.g. enwiki)")
    return DumpHead(compression, found, resolved)


def _named_wiki(head: bytes) -> str | None:
    dbname = _DBNAME.search(head)
    if dbname:
        return dbname.group(1).decode().strip()
    base = _BASE.search(head)
    return wiki_from_base(base.group(1).decode()) if base else None
