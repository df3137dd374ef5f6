"""Observed outcomes as training rows: each decided edit fetched again from MediaWiki and turned
into the models' signal values, as the feedback export does for judged edits, with its label
(reverted or not) and where the label came from (`label_source`: the identity revert seen by
sha1, the reverting event's own list, both, or the closed window), so that a trainer or a
reader can weigh or leave out any source.

The table follows the training-data contract (training.contract): wiki_db, rev_id, page_id,
page_title, rev_timestamp, label, then the signals; kind "outcomes" in its metadata file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.outcomes.records import DecidedScore
from revertrisk_service.outcomes.store import OutcomeStore
from revertrisk_service.training.fetched_rows import (
    fetch_signal_values,
    row_signals,
    write_fetched_rows,
)

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
    """Write the Parquet table and its metadata file under `out_dir`; returns the metadata.
    An edit MediaWiki no longer serves is left out (counted): its outcome is known but nothing
    to learn it from."""
    fetched = await fetch_signal_values(
        client, [(d.wiki_db, d.rev_id) for d in decided], on_chunk
    )
    signals = row_signals(model_signals)
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
    return write_fetched_rows(
        frame, out_dir, PARQUET_FILE, kind="outcomes", signals=signals, fetch_failed=failures,
        counts={"label_sources": {
            str(k): int(v) for k, v in frame["label_source"].value_counts().items()
        }},
    )  # fmt: skip
