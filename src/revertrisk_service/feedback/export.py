"""`revertrisk dataset feedback --out DIR`: the current judgments as a labeled training table
(docs/training-data-contract.md), each judged edit fetched again from MediaWiki and turned into the
models' signal values by `signal_values`.

One row per current judgment (a revision judged by two reviewers is two rows: groups split by page,
so both land on the same side). `label` is True for "damaging". A revision MediaWiki no longer
serves (deleted since, text hidden) keeps its row with every signal null, counted in _dataset.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.errors import ServiceError
from revertrisk_service.feedback.signal_values import computable_signals, signal_values
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.training.contract import DATASET_METADATA_FILE as DATASET_JSON
from revertrisk_service.wikis import wiki_by_dbname

PARQUET_FILE = "feedback.parquet"
FETCH_CHUNK = 50


async def _signals_of(
    client: MediaWikiClient,
    revisions: Sequence[tuple[str, int]],
    on_chunk: Callable[[int], None],
) -> dict[tuple[str, int], tuple[dict[str, Any], dict[str, Any]] | str]:
    """(wiki_db, rev_id) -> (identity, signals), or the error code that prevented the fetch."""
    found: dict[tuple[str, int], tuple[dict[str, Any], dict[str, Any]] | str] = {}
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


async def export_feedback(
    judgments: Sequence[dict[str, Any]],
    client: MediaWikiClient,
    out_dir: Path,
    model_signals: Sequence[str],
    on_chunk: Callable[[int], None] = lambda n: None,
) -> dict[str, Any]:
    """Write the Parquet table and _dataset.json under `out_dir`; returns _dataset.json's content.
    `model_signals`: the served models' signal names (their manifests' feature lists)."""
    revisions = sorted({(j["wiki_db"], int(j["rev_id"])) for j in judgments})
    fetched = await _signals_of(client, revisions, on_chunk)
    computable = computable_signals()
    signals = [name for name in dict.fromkeys(model_signals) if name != "wiki_db"]
    failures: dict[str, int] = {}
    rows = []
    for judgment in judgments:
        found = fetched[(judgment["wiki_db"], int(judgment["rev_id"]))]
        if isinstance(found, str):
            failures[found] = failures.get(found, 0) + 1
            identity: dict[str, Any] = {"page_id": None, "page_title": None, "rev_timestamp": None}
            values: dict[str, Any] = {}
        else:
            identity, values = found
        rows.append({
            "wiki_db": judgment["wiki_db"],
            "rev_id": int(judgment["rev_id"]),
            **identity,
            "label": judgment["judgment"] == "damaging",
            "judgment": judgment["judgment"],
            "reviewer": judgment["reviewer"],
            "judged_at": judgment["judged_at"],
            "model_name": judgment["model_name"],
            "score": judgment["score"],
            **{name: values.get(name) for name in signals},
        })
    frame = pd.DataFrame(rows, columns=[
        "wiki_db", "rev_id", "page_id", "page_title", "rev_timestamp", "label", "judgment",
        "reviewer", "judged_at", "model_name", "score", *signals])
    frame = frame.astype({"rev_id": "int64", "page_id": "Int64", "label": "bool"})
    for column in ("rev_timestamp", "judged_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out_dir / PARQUET_FILE, index=False)
    summary = {
        "kind": "feedback",
        "created": datetime.now(UTC).isoformat(),
        "rows": len(frame),
        "positives": int(frame["label"].sum()),
        "revisions": len(revisions),
        "judgments": {k: int(v) for k, v in frame["judgment"].value_counts().items()},
        "fetch_failed": failures,
        "missing_signals": [name for name in signals if name not in computable],
        "files": [PARQUET_FILE],
    }
    (out_dir / DATASET_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
