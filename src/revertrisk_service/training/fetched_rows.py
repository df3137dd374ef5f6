"""Training rows from edits fetched again from MediaWiki: the feedback export's judged edits and
the observed outcomes' decided edits. A fetched edit's values of the training row's signals
(training.contract) are solved by the shared signal declarations from the same EditContext root
as serving, so its columns are the values the models read, under their declared names; the rows
are written as a dataset directory the trainers read (a Parquet file beside the metadata file).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.errors import ServiceError
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.signals import edit_signals
from revertrisk_service.training.contract import (
    training_row_signals,
    write_dataset_metadata,
)
from revertrisk_service.wikis import wiki_by_dbname

FETCH_CHUNK = 50

# (wiki_db, rev_id) -> (identity: page_id, page_title, rev_timestamp; signal values), or the
# error code that prevented the fetch.
FetchedSignals = dict[tuple[str, int], tuple[dict[str, Any], dict[str, Any]] | str]


def computable_signals() -> frozenset[str]:
    """Every signal a fetched edit fills: the training row's signals, all of which a fetched
    edit knows."""
    return frozenset(training_row_signals())


def signal_values(context: EditContext) -> dict[str, Any]:
    """Signal name -> raw value for one edit; None where it is unknown (never a guess)."""
    values = edit_signals(context, sorted(computable_signals()))
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in values.items()
    }


async def fetch_signal_values(
    client: MediaWikiClient,
    revisions: Sequence[tuple[str, int]],
    on_chunk: Callable[[int], None] = lambda n: None,
) -> FetchedSignals:
    """Each revision fetched from MediaWiki, FETCH_CHUNK at a time (`on_chunk` told how many
    after each), as its identity and signal values."""
    found: FetchedSignals = {}
    for start in range(0, len(revisions), FETCH_CHUNK):
        chunk = revisions[start:start + FETCH_CHUNK]
        wikis = [wiki_by_dbname(db) for db, _ in chunk]
        wanted = [(w, rev) for w, (_, rev) in zip(wikis, chunk) if w is not None]
        results = iter(await client.fetch_edits(wanted))
        for wiki, key in zip(wikis, chunk):
            if wiki is None:
                found[key] = "invalid_lang"
                continue
            result = next(results)
            if isinstance(result, ServiceError):
                found[key] = result.code
                continue
            identity = {"page_id": result.revision.page_id,
                        "page_title": result.revision.page_title,
                        "rev_timestamp": result.revision.timestamp}
            found[key] = (identity, signal_values(result))
        on_chunk(len(chunk))
    return found


def row_signals(model_signals: Sequence[str]) -> list[str]:
    """The signal columns of a fetched table: the models' inputs, each once, less the wiki (an
    identity column)."""
    return [name for name in dict.fromkeys(model_signals) if name != "wiki_db"]


def write_fetched_rows(
    frame: pd.DataFrame,
    out_dir: Path,
    parquet_file: str,
    *,
    kind: str,
    signals: Sequence[str],
    fetch_failed: Mapping[str, int],
    counts: Mapping[str, Any],
    timestamp_columns: Sequence[str] = ("rev_timestamp",),
) -> dict[str, Any]:
    """`frame` as `parquet_file` under `out_dir` (its identity columns typed as the contract
    reads them), beside the metadata file; returns the metadata. `counts`: what this kind of
    rows counts besides its rows and positives."""
    frame = frame.astype({"rev_id": "int64", "page_id": "Int64", "label": "bool"})
    for column in timestamp_columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out_dir / parquet_file, index=False)
    computable = computable_signals()
    metadata = {
        "kind": kind,
        "created": datetime.now(UTC).isoformat(),
        "rows": len(frame),
        "positives": int(frame["label"].sum()),
        **counts,
        "fetch_failed": dict(fetch_failed),
        "missing_signals": [name for name in signals if name not in computable],
        "files": [parquet_file],
    }
    write_dataset_metadata(out_dir, metadata)
    return metadata
