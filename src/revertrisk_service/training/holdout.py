"""The project's own hold-out: a fixed fifth of the KI sample's pages that no feature choice,
ablation or hyperparameter ever looked at; and, for training tables of several sources, the same
page rule where a source has many pages and a split by time where it has few.

A page is held out when sha256("<wiki_db>:<page_title>") is 0 modulo 5 (208 rows, 15 reverted,
44 anonymous with 12 reverted). The rule depends only on the page, so every edit of a page is on
one side, and it was fixed before any ablation was run. Ablations and model selection use the
other rows only; the shipped artifacts are fitted on them and scored once on the hold-out, and
the figures training writes into a manifest are computed here (the full evaluation lives in
evaluation/).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

HOLDOUT_MODULUS = 5
HOLDOUT_DESCRIPTION = (
    "KI rows whose page key sha256('<wiki_db>:<page_title>') is 0 modulo 5: about a fifth of the "
    "pages, fixed before any ablation, never used for feature selection or tuning."
)


def page_key(wiki_db: str, page_title: str) -> str:
    return f"{wiki_db}:{page_title}"


def is_held_out(wiki_db: str, page_title: str) -> bool:
    digest = hashlib.sha256(page_key(wiki_db, page_title).encode("utf-8")).hexdigest()
    return int(digest, 16) % HOLDOUT_MODULUS == 0


def holdout_mask(wiki_dbs: Sequence[str], page_titles: Sequence[str]) -> np.ndarray:
    return np.array([is_held_out(w, str(t)) for w, t in zip(wiki_dbs, page_titles, strict=True)])


def roc_auc_or_none(labels: np.ndarray, scores: np.ndarray, digits: int | None = None) -> float | None:
    """ROC AUC, or None when only one class is present (undefined)."""
    if len(np.unique(labels)) < 2:
        return None
    value = float(roc_auc_score(labels, scores))
    return value if digits is None else round(value, digits)


# A source with at least this many pages is held out by page (the rule above); one with fewer
# (a single page's long history) by time: its last fifth of edits.
PAGES_FOR_PAGE_HOLDOUT = 100
TIME_HOLDOUT_SHARE = 0.2


@dataclass(frozen=True)
class SourceHoldout:
    """Which rows are held out, and how each source was split."""

    mask: np.ndarray
    rules: dict[str, str]


def source_holdout(sources: Sequence[str], pages: Sequence[str], wiki_dbs: Sequence[str],
                   page_titles: Sequence[str], timestamps: pd.Series) -> SourceHoldout:
    """Hold-out rows that measure what users get, unseen pages and later edits, source by source:
    a source with many pages by page (every edit of a fifth of its pages, the rule above), a
    source with few by time (its edits after the time that leaves four fifths before it, so the
    model is trained on a page's past and tested on its future)."""
    sources = np.asarray(sources)
    stamps = pd.to_datetime(timestamps, utc=True).reset_index(drop=True)
    mask = np.zeros(len(sources), dtype=bool)
    rules: dict[str, str] = {}
    for source in sorted(set(sources.tolist())):
        rows = np.flatnonzero(sources == source)
        if len({pages[i] for i in rows}) >= PAGES_FOR_PAGE_HOLDOUT:
            mask[rows] = holdout_mask([wiki_dbs[i] for i in rows], [page_titles[i] for i in rows])
            rules[source] = "by page: sha256('<wiki_db>:<page_title>') is 0 modulo 5"
            continue
        when = stamps.iloc[rows]
        cut = when.quantile(1 - TIME_HOLDOUT_SHARE)
        mask[rows] = (when >= cut).to_numpy()
        rules[source] = (f"by time: edits at or after {cut.isoformat()} (the last "
                         f"{TIME_HOLDOUT_SHARE:.0%}), trained on the earlier ones")
    return SourceHoldout(mask, rules)
