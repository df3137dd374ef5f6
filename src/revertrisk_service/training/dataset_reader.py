"""Read training datasets (docs/training-data-contract.md): one or more directories of Parquet files
with their metadata file, from the history builder or the feedback export, as one pandas frame."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revertrisk_service.training.contract import DATASET_METADATA_FILE, REQUIRED_COLUMNS


class DatasetError(ValueError):
    """A directory that is not a training dataset, said in one line."""


def describe(directory: Path) -> dict[str, Any]:
    path = Path(directory) / DATASET_METADATA_FILE
    if not path.is_file():
        raise DatasetError(f"{directory} is not a training dataset ({DATASET_METADATA_FILE} missing): "
                           "build one with `revertrisk dataset build`")  # fmt: skip
    return json.loads(path.read_text())


def load_datasets(directories: Sequence[Path]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """All rows of all directories, and each directory's metadata (DATASET_METADATA_FILE)."""
    import pyarrow.parquet as pq  # the `dataset` extra: only training from Parquet needs it

    frames, descriptions = [], []
    for directory in directories:
        descriptions.append({"dir": str(directory), **describe(directory)})
        files = sorted(Path(directory).rglob("*.parquet"))
        files = [f for f in files if not any(p.startswith(("_", ".")) for p in f.relative_to(directory).parts)]
        frames.extend(pq.read_table(f).to_pandas() for f in files)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if frame.empty or missing:
        raise DatasetError(
            f"no usable rows in {', '.join(map(str, directories))}"
            + (f" (columns missing: {', '.join(missing)})" if missing and not frame.empty else "")
        )
    frame = frame[frame["label"].notna()].reset_index(drop=True)
    frame["label"] = frame["label"].astype(bool)
    return frame, descriptions


def page_groups(frame: pd.DataFrame) -> np.ndarray:
    """One id per page (wiki_db and page_id, else page_title): a page's edits share a split."""
    page = frame["page_title"].astype(str)
    if "page_id" in frame.columns:
        page = frame["page_id"].astype("Int64").astype(str).where(frame["page_id"].notna(), page)
    return (frame["wiki_db"].astype(str) + ":" + page).to_numpy()


def feature_columns(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The named signal columns as floats, a column the dataset lacks all missing (NaN)."""
    columns = {
        n: (frame[n].astype("float64") if n in frame.columns else np.full(len(frame), np.nan))
        for n in names
    }
    return pd.DataFrame(columns, index=frame.index)
