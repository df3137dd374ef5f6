"""Stage 1 for a dump file: its pages, whole, into Parquet chunks of the wikitext-history shape
under <out>/_staging/<source>/, so every later stage reads dumps and Data Lake exports alike.

One Spark task per dump file (a dump is one compressed stream). A chunk file is written only
when its pages are complete; `_COMPLETE.json` marks a file staged to its end, so a rerun skips
it. A broken dump returns its error (one line) instead of raising, so the other files go on.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from revertrisk_service.dataset.columns import CHUNK, TABLE_COLUMNS
from revertrisk_service.dataset.dump_reader import DumpError, iter_pages
from revertrisk_service.dataset.parquet_out import source_key

STAGING = "_staging"
COMPLETE = "_COMPLETE.json"

STAGING_SCHEMA = pa.schema([
    ("wiki_db", pa.string()), ("page_id", pa.int64()), ("page_namespace", pa.int64()),
    ("page_title", pa.string()), ("user_id", pa.int64()), ("user_text", pa.string()),
    ("revision_id", pa.int64()), ("revision_parent_id", pa.int64()),
    ("revision_timestamp", pa.string()), ("revision_minor_edit", pa.bool_()),
    ("revision_comment", pa.string()), ("revision_text_bytes", pa.int64()),
    ("revision_text_sha1", pa.string()), ("revision_text", pa.string()),
    ("revision_content_model", pa.string()), (CHUNK, pa.int64()),
])  # fmt: skip
assert tuple(STAGING_SCHEMA.names[:-1]) == TABLE_COLUMNS


@dataclass(frozen=True)
class Staged:
    source: str
    directory: str
    chunks: int
    pages: int
    revisions: int
    error: str | None = None


def staging_dir(out_dir: Path, dump: Path) -> Path:
    return Path(out_dir) / STAGING / source_key(Path(dump).name)


def _write(directory: Path, chunk: int, rows: list[dict]) -> None:
    table = pa.Table.from_pylist([{**r, CHUNK: chunk} for r in rows], schema=STAGING_SCHEMA)
    path = directory / f"chunk-{chunk:06d}.parquet"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, path)


def stage_dump(dump: str, out_dir: str, pages_per_chunk: int) -> Staged:
    path = Path(dump)
    directory = staging_dir(Path(out_dir), path)
    marker = directory / COMPLETE
    size = path.stat().st_size
    if marker.is_file():
        done = json.loads(marker.read_text())
        if done.get("bytes") == size:
            return Staged(done["source"], str(directory), done["chunks"], done["pages"],
                          done["revisions"])
    directory.mkdir(parents=True, exist_ok=True)
    chunk = pages = revisions = 0
    pending: list[dict] = []
    pending_pages = 0
    try:
        for page in iter_pages(path):
            pending.extend(page.rows)
            pending_pages += 1
            pages += 1
            revisions += len(page.rows)
            if pending_pages >= pages_per_chunk:
                _write(directory, chunk, pending)
                chunk, pending, pending_pages = chunk + 1, [], 0
        if pending:
            _write(directory, chunk, pending)
            chunk += 1
    except DumpError as error:
        return Staged(path.name, str(directory), chunk, pages, revisions, error=str(error))
    marker.write_text(json.dumps({"source": path.name, "bytes": size, "chunks": chunk,
                                  "pages": pages, "revisions": revisions}))
    return Staged(path.name, str(directory), chunk, pages, revisions)
