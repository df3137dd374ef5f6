"""The dataset's files: one Parquet file per (source, chunk), written whole or not at all, its
counts in the file's metadata; and the side files (layout: _dataset.json, _README.md) beside them
(docs/training-data-contract.md). A partition is written a row group at a time (ChunkWriter), so a
task holds one batch of rows, never a whole partition."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from revertrisk_service.dataset.columns import TEXT_COLUMNS
from revertrisk_service.dataset.history_edit import (
    AS_OF_EDIT_SIGNALS,
    DUMP_MISSING_SIGNALS,
    SIGNAL_COLUMNS,
    SIGNAL_NAMES,
)
from revertrisk_service.training.contract import DATASET_README, write_dataset_metadata

COUNTS_KEY = b"revertrisk.counts"

SCHEMA = pa.schema([
    ("wiki_db", pa.string()),
    ("rev_id", pa.int64()),
    ("parent_rev_id", pa.int64()),
    ("page_id", pa.int64()),
    ("page_title", pa.string()),
    ("user_text", pa.string()),
    ("is_anonymous", pa.bool_()),
    ("rev_timestamp", pa.timestamp("us", tz="UTC")),
    ("revision_is_identity_reverted", pa.bool_()),
    ("reverting_rev_id", pa.int64()),
    ("seconds_to_revert", pa.float64()),
    ("label", pa.bool_()),
    *((name, pa.float64()) for name in SIGNAL_COLUMNS),
    (TEXT_COLUMNS[0], pa.list_(pa.string())),
    (TEXT_COLUMNS[1], pa.list_(pa.string())),
    (TEXT_COLUMNS[2], pa.list_(pa.list_(pa.string()))),
])  # fmt: skip


def source_key(name: str) -> str:
    """A dump file's name as a safe directory name (the `source=` partition)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def chunk_path(out_dir: Path, source: str, chunk: int) -> Path:
    return Path(out_dir) / f"source={source_key(source)}" / f"chunk-{chunk:06d}.parquet"


class ChunkWriter:
    """One partition's file, written a row group at a time to a temporary name and renamed when
    closed: a chunk file exists only when it is complete, so a crash or a Spark retry never
    leaves half a partition that a resume would skip. Its counts are known before its rows (the
    labels stage counts every filter), so they go in the schema's metadata up front."""

    def __init__(self, out_dir: Path, source: str, chunk: int, counts: Mapping[str, int]) -> None:
        self.path = chunk_path(out_dir, source, chunk)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        schema = SCHEMA.with_metadata({COUNTS_KEY: json.dumps(dict(counts)).encode()})
        self.writer = pq.ParquetWriter(self.temporary, schema, compression="zstd")
        self.rows = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.writer.write_table(pa.Table.from_pylist(rows, schema=self.writer.schema))
            self.rows += len(rows)

    def close(self) -> Path:
        self.writer.close()
        os.replace(self.temporary, self.path)
        return self.path


def write_chunk(out_dir: Path, source: str, chunk: int, rows: list[dict[str, Any]],
                counts: Mapping[str, int]) -> Path:
    writer = ChunkWriter(out_dir, source, chunk, counts)
    writer.write(rows)
    return writer.close()


def chunk_files(out_dir: Path) -> list[Path]:
    return sorted(Path(out_dir).glob("source=*/chunk-*.parquet"))


def written_chunks(out_dir: Path) -> set[tuple[str, int]]:
    done = set()
    for path in chunk_files(out_dir):
        done.add((path.parent.name.removeprefix("source="), int(path.stem.removeprefix("chunk-"))))
    return done


def chunk_counts(path: Path) -> Counter[str]:
    metadata = pq.read_schema(path).metadata or {}
    return Counter(json.loads(metadata.get(COUNTS_KEY, b"{}")))


def total_counts(out_dir: Path) -> Counter[str]:
    total: Counter[str] = Counter()
    for path in chunk_files(out_dir):
        total.update(chunk_counts(path))
    return total


def write_readme(out_dir: Path) -> Path:
    """The dataset's README (labels, filters, missing signals) beside its files."""
    from importlib import resources

    text = resources.files("revertrisk_service.dataset").joinpath("README.md").read_text()
    path = Path(out_dir) / DATASET_README
    path.write_text(text)
    return path


def write_dataset_json(out_dir: Path, counts: Mapping[str, int], sources: Iterable[str],
                       options: Mapping[str, Any]) -> Path:
    return write_dataset_metadata(out_dir, {
        "kind": "history",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": dict(sorted(counts.items())),
        "missing_signals": list(DUMP_MISSING_SIGNALS),
        "as_of_edit_signals": list(AS_OF_EDIT_SIGNALS),
        "signals": list(SIGNAL_NAMES),
        "sources": sorted(sources),
        "options": dict(options),
    })  # fmt: skip
