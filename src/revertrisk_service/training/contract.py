"""The training-data contract (docs/training-data-contract.md): which signals a training row
carries, what its label is, and how a dataset directory names its metadata file.

Every producer of training rows (the history builder, the feedback export, observed outcomes)
asks this module for its signal list, so a row from any source has the same signal columns under
the declared names, and both trainers can read any of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from revertrisk_service.models.language_agnostic import features as language_agnostic
from revertrisk_service.models.multilingual import features as multilingual
from revertrisk_service.signals import CATALOGUE

# A dataset directory's side files, beside the Parquet files. Their names start with `_`, Spark's
# and Arrow's convention for files that are not data (`_SUCCESS`, `_metadata`), so that
# `pd.read_parquet(DIR)`, `pyarrow.dataset.dataset(DIR)` and `spark.read.parquet(DIR)` read the
# directory in one call. The metadata file (what was built, from what, with which options; the
# counts; the signal list) is written by the builder and the feedback export, and read by the
# reader; the README gives the label definition, the filters and the missing signals.
DATASET_METADATA_FILE = "_dataset.json"
DATASET_README = "_README.md"

# True when the edit was damaging: identity-reverted within the builder's window (history), or
# judged "damaging" by a patroller (feedback).
LABEL_COLUMN = "label"
# What every dataset file has, whichever source wrote it.
REQUIRED_COLUMNS: tuple[str, ...] = ("wiki_db", "rev_id", "page_title", LABEL_COLUMN)
# The edit's texts, as the multilingual text classifiers read them (the sample's column names):
# lists of sentences, and of (old, new) sentence pairs.
TEXT_COLUMNS: tuple[str, ...] = ("texts_insert", "texts_removed", "texts_change")
# The wiki is an identity column of every row, never a signal column.
WIKI_COLUMN = "wiki_db"


@cache
def training_row_signals() -> tuple[str, ...]:
    """The signals a training row carries, in column order: every input of the language-agnostic
    model, then the multilingual model's shipped inputs, each once.

    Left out: the wiki (an identity column) and the multilingual text classifiers' scores, which
    are outputs of models, not facts of the edit (a row carries the edit's texts instead, so the
    text models can be trained from it)."""
    names = (*language_agnostic.FEATURE_NAMES,
             *multilingual.features_of(multilingual.SHIPPED_GROUPS))
    return tuple(n for n in dict.fromkeys(names)
                 if n != WIKI_COLUMN and CATALOGUE[n].source != "model")


def write_dataset_metadata(out_dir: Path, metadata: Mapping[str, Any]) -> Path:
    """A dataset directory's metadata file, as every producer writes it and the reader reads it."""
    path = Path(out_dir) / DATASET_METADATA_FILE
    path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    return path
