"""`revertrisk dataset feedback --out DIR`: the current judgments as a labeled training table
(docs/training-data-contract.md), each judged edit fetched again from MediaWiki and turned into the
models' signal values by `training.fetched_rows`.

One row per current judgment (a revision judged by two reviewers is two rows: groups split by page,
so both land on the same side). `label` is True for "damaging". A revision MediaWiki no longer
serves (deleted since, text hidden) keeps its row with every signal null, counted in _dataset.json.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.training.fetched_rows import (
    fetch_signal_values,
    row_signals,
    write_fetched_rows,
)

PARQUET_FILE = "feedback.parquet"


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
    fetched = await fetch_signal_values(client, revisions, on_chunk)
    signals = row_signals(model_signals)
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
    return write_fetched_rows(
        frame, out_dir, PARQUET_FILE, kind="feedback", signals=signals, fetch_failed=failures,
        counts={"revisions": len(revisions),
                "judgments": {k: int(v) for k, v in frame["judgment"].value_counts().items()}},
        timestamp_columns=("rev_timestamp", "judged_at"),
    )  # fmt: skip
