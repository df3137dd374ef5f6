"""Training rows shaped as the feedback export writes them, from the real KI sample's edits with
their signals solved by the declarations the export uses: a feedback export without a wiki."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from revertrisk_service.feedback.export import PARQUET_FILE
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.signals import solve
from revertrisk_service.training.contract import DATASET_METADATA_FILE
from revertrisk_service.training.datasets import load_ki
from revertrisk_service.training.fetched_rows import computable_signals


def ki_feedback_export(out: Path) -> pd.DataFrame:
    """The KI sample's edits as the feedback export writes judged edits."""
    data = load_ki(DEFAULT_DATA_DIR)
    signals = sorted(computable_signals())
    judged_at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i, (given, label) in enumerate(zip(data.facts, data.labels, strict=True)):
        values = solve(signals, given)
        rows.append({
            "wiki_db": given["wiki_db"], "rev_id": int(given["rev_id"]),
            "page_id": None, "page_title": given["page_title"],
            "rev_timestamp": given["timestamp"], "label": bool(label),
            "judgment": "damaging" if label else "ok", "reviewer": "Patroller",
            "judged_at": judged_at + timedelta(seconds=i), "model_name": "x", "score": 0.5,
            **{n: values[n] for n in signals},
        })  # fmt: skip
    frame = pd.DataFrame(rows).astype({"rev_id": "int64", "page_id": "Int64", "label": "bool"})
    for column in ("rev_timestamp", "judged_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    out.mkdir()
    frame.to_parquet(out / PARQUET_FILE, index=False)
    (out / DATASET_METADATA_FILE).write_text(json.dumps({
        "kind": "feedback", "created": judged_at.isoformat(), "rows": len(frame),
        "positives": int(frame["label"].sum()), "missing_signals": [], "files": [PARQUET_FILE],
    }))  # fmt: skip
    return frame
