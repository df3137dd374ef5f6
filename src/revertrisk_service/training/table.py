"""What every trainer starts from: one table of training rows in the contract's shape
(docs/training-data-contract.md), from built datasets and, when asked, the labelled sample, each
row tagged with the source it came from.

The sample (ki_multilingual_sample.csv) becomes rows of the same shape: its facts solved into
the training row's signals by the same declarations, its texts in the same columns. So both
models train, hold out and report per source through one path whatever the mix of sources.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revertrisk_service.signals import solve
from revertrisk_service.training.contract import LABEL_COLUMN, training_row_signals
from revertrisk_service.training.dataset_reader import load_datasets, page_groups
from revertrisk_service.training.datasets import KI_FILE, KI_LABEL, facts_from_ki_row
from revertrisk_service.training.holdout import SourceHoldout

SOURCE_COLUMN = "source"
SAMPLE_SOURCE = "ki_multilingual_sample"
# Each source's licence, for the model card: history is Wikipedia's text; the sample's is
# given by shared/data/README.md.
HISTORY_LICENCE = ("CC BY-SA (older revisions also GFDL); attribution is the history itself: "
                   "each revision names its contributor")
SAMPLE_LICENCE = "Apache-2.0 (github trokhymovych/KI_multilingual_training, data/data_sample.csv)"
SAMPLE_ANONYMOUS_COLUMN = "is_anonymous"


@dataclass(frozen=True)
class TrainingTable:
    """Training rows (identity, label, signals, texts, source) and what each source is."""

    frame: pd.DataFrame
    sources: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def labels(self) -> np.ndarray:
        return self.frame[LABEL_COLUMN].astype(int).to_numpy()

    @property
    def anonymous(self) -> np.ndarray:
        return self.frame["is_anonymous"].fillna(False).astype(bool).to_numpy()

    @property
    def pages(self) -> np.ndarray:
        """One id per page: every edit of a page shares a side of a page-grouped split."""
        return page_groups(self.frame)

    @property
    def source(self) -> np.ndarray:
        return self.frame[SOURCE_COLUMN].astype(str).to_numpy()

    def subset(self, rows: np.ndarray) -> TrainingTable:
        return TrainingTable(self.frame.iloc[rows].reset_index(drop=True), self.sources)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def sample_rows(data_dir: Path) -> pd.DataFrame:
    """The labelled sample as training rows. It records anonymity twice, disagreeing on 3 rows:
    `is_anonymous` (the Data Lake's, the multilingual model's) is taken for both models."""
    csv = pd.read_csv(Path(data_dir) / KI_FILE)
    names = training_row_signals()
    rows = []
    for record in csv.to_dict("records"):
        facts = facts_from_ki_row(record, SAMPLE_ANONYMOUS_COLUMN)
        solved = solve((*names, "texts"), facts)
        texts = solved["texts"]
        rows.append({
            "wiki_db": facts["wiki_db"], "rev_id": facts["rev_id"], "page_id": None,
            "page_title": facts["page_title"], "is_anonymous": bool(facts["user_is_anonymous"]),
            "rev_timestamp": facts["timestamp"], LABEL_COLUMN: bool(record[KI_LABEL]),
            **{n: _number(solved[n]) for n in names if n != "is_anonymous"},
            "texts_insert": None if texts is None else list(texts.inserts),
            "texts_removed": None if texts is None else list(texts.removes),
            "texts_change": None if texts is None else [[o, n] for o, n in texts.changes],
            SOURCE_COLUMN: SAMPLE_SOURCE,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    signals = [n for n in names if n != "is_anonymous"]
    frame[signals] = frame[signals].astype("float64")
    frame["rev_timestamp"] = pd.to_datetime(frame["rev_timestamp"], utc=True)
    return frame.astype({"page_id": "Int64"})


def _describe(name: str, frame: pd.DataFrame, kind: str, licence: str, files: list[str]
              ) -> dict[str, Any]:
    stamps = pd.to_datetime(frame["rev_timestamp"], utc=True).dropna()
    return {
        "source": name,
        "kind": kind,
        "files": files,
        "wikis": sorted(frame["wiki_db"].astype(str).unique().tolist()),
        "rows": len(frame),
        "positives": int(frame[LABEL_COLUMN].sum()),
        "anonymous_rows": int(frame["is_anonymous"].fillna(False).astype(bool).sum()),
        "pages": len(set(page_groups(frame))),
        "date_range": ([stamps.min().date().isoformat(), stamps.max().date().isoformat()]
                       if len(stamps) else None),
        "licence": licence,
    }


def load_table(dataset_dirs: Sequence[Path], sample_dir: Path | None = None) -> TrainingTable:
    """Every row of the datasets (each directory one source, named after it) and of the sample
    when `sample_dir` is given, in a fixed order: the sample first, then the datasets as given,
    each in revision order and without the edits an earlier source already has."""
    frames, sources = [], []
    if sample_dir is not None:
        rows = sample_rows(sample_dir)
        frames.append(rows)
        sources.append(_describe(SAMPLE_SOURCE, rows, "labelled sample", SAMPLE_LICENCE,
                                 [KI_FILE]))
    for directory in dataset_dirs:
        rows, described = load_datasets([directory])
        # In revision order, whatever files and partitions the builder wrote: the same history
        # gives the same rows in the same order, so the same model bytes.
        rows = rows.sort_values(["wiki_db", "rev_id"], kind="stable").reset_index(drop=True)
        # An edit in two sources (two dumps of one page) counts once, in the first: else it
        # could be trained on in one source and held out in the other.
        seen = {(w, int(r)) for frame in frames for w, r in zip(frame["wiki_db"], frame["rev_id"])}
        repeated = np.array([(w, int(r)) in seen for w, r in zip(rows["wiki_db"], rows["rev_id"])],
                            dtype=bool)
        rows = rows[~repeated].reset_index(drop=True)
        name = Path(directory).name
        rows[SOURCE_COLUMN] = name
        frames.append(rows)
        kind = str(described[0].get("kind", "history"))
        licence = HISTORY_LICENCE if kind == "history" else "patroller judgments of this service"
        sources.append({**_describe(name, rows, kind, licence, described[0].get("sources", [])),
                        "counts": described[0].get("counts"),
                        "rows_in_an_earlier_source": int(repeated.sum())})
    with warnings.catch_warnings():
        # A signal no row of a source knows is an all-null float64 column in it, as in every
        # other source: the concatenated dtype is float64 either way.
        warnings.simplefilter("ignore", FutureWarning)
        frame = pd.concat(frames, ignore_index=True)
    return TrainingTable(frame, sources)


LABEL_DEFINITION = (
    "label: the edit was identity-reverted (a later revision within 15 revisions and 48 hours "
    "restored an earlier text: mwreverts, as the Data Lake's revision_is_identity_reverted; "
    "the sample's own column) or, in feedback exports, judged damaging by a patroller"
)
HISTORY_LACKS = (
    "Rows built from history dumps have no user groups (so no admin, reviewer or other group "
    "signals), no change tags (so no mobile, app, VisualEditor or WikiEditor signals) and no "
    "temporary-account flag: those signals are null in them; the editor's edit count and age "
    "are as of the edit, where serving reads today's account"
)


def table_training_data(table: TrainingTable, split: SourceHoldout) -> dict[str, Any]:
    """What a manifest (and so the model card) says the model learned from."""
    held = split.mask
    return {
        "rows": len(table),
        "positives": int(table.labels.sum()),
        "anonymous_rows": int(table.anonymous.sum()),
        "train_rows": int((~held).sum()),
        "heldout_rows": int(held.sum()),
        "wikis": int(table.frame["wiki_db"].nunique()),
        "pages": len(set(table.pages.tolist())),
        "sources": [{**s, "holdout": split.rules.get(s["source"])} for s in table.sources],
        "label": LABEL_DEFINITION,
        "history_rows_lack": HISTORY_LACKS,
        "licence": ("Wikipedia text and history: CC BY-SA (older revisions also GFDL), "
                    "attributed by the histories themselves (each revision names its "
                    f"contributor); the labelled sample: {SAMPLE_LICENCE}"),
    }


def capped_rows(rows: np.ndarray, labels: np.ndarray, limit: int | None, seed: int) -> np.ndarray:
    """At most `limit` of `rows` (indices into `labels`), drawn without replacement within each
    class so the reverted share stays what it was, in their original order; all of them when
    they fit. The draw depends only on the rows, the labels and the seed."""
    if limit is None or len(rows) <= limit:
        return rows
    rng = np.random.default_rng(seed)
    kept = []
    classes = np.unique(labels[rows])
    for position, value in enumerate(classes):
        members = rows[labels[rows] == value]
        share = len(members) * limit / len(rows)
        # The last class takes what is left, so exactly `limit` rows are kept.
        take = (limit - sum(len(k) for k in kept) if position == len(classes) - 1
                else round(share))
        kept.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(kept))
