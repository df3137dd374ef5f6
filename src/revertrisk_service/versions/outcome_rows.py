"""Observed outcomes as training rows: each decided edit fetched again from MediaWiki and turned
into the models' signal values, as the feedback export does for judged edits, with its label
(reverted or not) and where the label came from (`label_source`: the identity revert seen by
sha1, the reverting event's own list, both, or the closed window), so that a trainer or a
reader can weigh or leave out any source.

The table follows the training-data contract (dataset/reader.py): wiki_db, rev_id, page_id,
page_title, rev_timestamp, label, then the signals; kind "outcomes" in dataset.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.feedback.export import DATASET_JSON, _signals_of
from revertrisk_service.feedback.signal_values import computable_signals
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.outcomes.records import DecidedScore
from revertrisk_service.outcomes.store import OutcomeStore

PARQUET_FILE = "outcomes.parquet"


def decided_edits(store: OutcomeStore, model_name: str) -> list[DecidedScore]:
    """Every edit with an outcome that any version of the model scored, once each."""
    found: dict[tuple[str, int], DecidedScore] = {}
    for version in store.versions(model_name):
        for decided in store.decided_scores(model_name, version):
            found.setdefault((decided.wiki_db, decided.rev_id), decided)
    return [found[key] for key in sorted(found)]


async def export_outcome_rows(
    decided: Sequence[DecidedScore],
    client: MediaWikiClient,
    out_dir: Path,
    model_signals: Sequence[str],
    on_chunk: Callable[[int], None] = lambda n: None,
) -> dict[str, Any]:
    """Write the Parquet table and dataset.json under `out_dir`; returns dataset.json's content.
    An edit MediaWiki no longer serves is left out (counted): its outcome is known but nothing
    to learn it from."""
    fetched = await _signals_of(client, [(d.wiki_db, d.rev_id) for d in decided], on_chunk)
    signals = [name for name in dict.fromkeys(model_signals) if name != "wiki_db"]
    failures: dict[str, int] = {}
    rows = []
    for edit in decided:
        found = fetched[(edit.wiki_db, edit.rev_id)]
        if isinstance(found, str):
            failures[found] = failures.get(found, 0) + 1
            continue
        identity, values = found
        rows.append({
            "wiki_db": edit.wiki_db, "rev_id": edit.rev_id, **identity,
            "label": edit.reverted, "label_source": str(edit.decided_by),
            "is_anonymous": edit.editor_anonymous,
            **{name: values.get(name) for name in signals},
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=[
        "wiki_db", "rev_id", "page_id", "page_title", "rev_timestamp", "label", "label_source",
        "is_anonymous", *signals,
    ])  # fmt: skip
    frame = frame.astype({"rev_id": "int64", "page_id": "Int64", "label": "bool"})
    frame["rev_timestamp"] = pd.to_datetime(frame["rev_timestamp"], utc=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out_dir / PARQUET_FILE, index=False)
    summary = {
        "kind": "outcomes",
        "created": datetime.now(UTC).isoformat(),
        "rows": len(frame),
        "positives": int(frame["label"].sum()),
        "label_sources": {str(k): int(v) for k, v in frame["label_source"].value_counts().items()},
        "fetch_failed": failures,
        "missing_signals": [name for name in signals if name not in computable_signals()],
        "files": [PARQUET_FILE],
    }
    (out_dir / DATASET_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
