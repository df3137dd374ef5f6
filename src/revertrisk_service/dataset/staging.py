"""Stage 1 for a dump file: its revisions, streamed, into two Parquet files under
<out>/_staging/<source>/: `meta.parquet` (every column but the text, small: labels and user
facts read only this) and `text.parquet` (revision id and text, in small row groups), so every
later stage reads dumps and Data Lake exports alike and joins texts to revisions by id.

Memory is bounded by the row groups, never by a page: a buffer is written out when it holds
TEXT_GROUP_ROWS texts or TEXT_GROUP_BYTES of them. Each revision gets its output chunk from its
position in the dump (`revisions_per_chunk` consecutive revisions), so a rerun assigns the same
chunks and one long page spreads over many chunks, hence over every core.

One process per dump file (a dump is one compressed stream): a Spark task, or on a local
master a process started before Spark is (local_staging). The files are renamed into
place and `_COMPLETE.json` written only at the end, so a rerun skips a file staged to its end. A
broken dump returns its error (one line) instead of raising, so the other files go on, and its
partial staging is removed.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from revertrisk_service.dataset.columns import CHUNK, TABLE_COLUMNS
from revertrisk_service.dataset.dump_reader import TEXT_HIDDEN, USER_HIDDEN, iter_revisions
from revertrisk_service.dataset.dump_source import DumpError
from revertrisk_service.dataset.parquet_out import source_key

STAGING = "_staging"
COMPLETE = "_COMPLETE.json"
META_FILE = "meta.parquet"
TEXT_FILE = "text.parquet"
# A row group of texts: what Spark's Parquet reader and an Arrow batch hold at once.
TEXT_GROUP_ROWS = 64
TEXT_GROUP_BYTES = 16 * 2**20
META_GROUP_ROWS = 20_000

META_SCHEMA = pa.schema([
    ("wiki_db", pa.string()), ("page_id", pa.int64()), ("page_namespace", pa.int64()),
    ("page_title", pa.string()), ("user_id", pa.int64()), ("user_text", pa.string()),
    ("revision_id", pa.int64()), ("revision_parent_id", pa.int64()),
    ("revision_timestamp", pa.string()), ("revision_minor_edit", pa.bool_()),
    ("revision_comment", pa.string()), ("revision_text_bytes", pa.int64()),
    ("revision_text_sha1", pa.string()), ("revision_content_model", pa.string()),
    (TEXT_HIDDEN, pa.bool_()), (USER_HIDDEN, pa.bool_()), (CHUNK, pa.int64()),
])  # fmt: skip
META_COLUMNS: tuple[str, ...] = tuple(c for c in TABLE_COLUMNS if c != "revision_text")
assert tuple(META_SCHEMA.names[: len(META_COLUMNS)]) == META_COLUMNS
TEXT_SCHEMA = pa.schema([("revision_id", pa.int64()), ("revision_text", pa.string())])


@dataclass(frozen=True)
class Staged:
    source: str
    directory: str
    chunks: int
    revisions: int
    error: str | None = None


def staging_dir(out_dir: Path, dump: Path) -> Path:
    return Path(out_dir) / STAGING / source_key(Path(dump).name)


class _Buffered:
    """A Parquet file written a row group at a time."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int, max_bytes: int) -> None:
        self.path, self.schema, self.rows, self.max_bytes = path, schema, rows, max_bytes
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.pending: list[dict] = []
        self.bytes = 0

    def add(self, row: dict, size: int = 0) -> None:
        self.pending.append(row)
        self.bytes += size
        if len(self.pending) >= self.rows or self.bytes >= self.max_bytes:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.Table.from_pylist(self.pending, schema=self.schema))
            self.pending, self.bytes = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _remove_staging(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    try:
        directory.parent.rmdir()  # only when no other file's staging is there
    except OSError:
        pass


def remove_unfinished(out_dir: Path, dump: Path) -> None:
    """A dump's staging stopped before its end (a build that failed meanwhile): nothing of it is
    kept, and a rerun stages the file again. A finished staging stays, for the rerun to reuse."""
    directory = staging_dir(out_dir, dump)
    if directory.is_dir() and not (directory / COMPLETE).is_file():
        _remove_staging(directory)


def stage_dump(dump: str, out_dir: str, revisions_per_chunk: int,
               wiki_db: str | None = None) -> Staged:
    path = Path(dump)
    directory = staging_dir(Path(out_dir), path)
    marker = directory / COMPLETE
    size = path.stat().st_size
    if marker.is_file():
        done = json.loads(marker.read_text())
        if done.get("bytes") == size and done.get("revisions_per_chunk") == revisions_per_chunk:
            return Staged(done["source"], str(directory), done["chunks"], done["revisions"])
    directory.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    meta_tmp, text_tmp = directory / f".{META_FILE}.{pid}.tmp", directory / f".{TEXT_FILE}.{pid}.tmp"
    revisions = 0
    meta = _Buffered(meta_tmp, META_SCHEMA, META_GROUP_ROWS, 2**62)
    text = _Buffered(text_tmp, TEXT_SCHEMA, TEXT_GROUP_ROWS, TEXT_GROUP_BYTES)
    try:
        for rev in iter_revisions(path, wiki_db):
            meta.add({**rev.meta, CHUNK: revisions // revisions_per_chunk})
            if rev.text is not None:
                text.add({"revision_id": rev.meta["revision_id"], "revision_text": rev.text},
                         len(rev.text))
            revisions += 1
        meta.close()
        text.close()
    except DumpError as error:
        meta.writer.close()
        text.writer.close()
        _remove_staging(directory)
        return Staged(path.name, str(directory), 0, revisions, error=error.line())
    os.replace(meta_tmp, directory / META_FILE)
    os.replace(text_tmp, directory / TEXT_FILE)
    chunks = -(-revisions // revisions_per_chunk)
    marker.write_text(json.dumps({"source": path.name, "bytes": size, "chunks": chunks,
                                  "revisions": revisions,
                                  "revisions_per_chunk": revisions_per_chunk}))  # fmt: skip
    return Staged(path.name, str(directory), chunks, revisions)
