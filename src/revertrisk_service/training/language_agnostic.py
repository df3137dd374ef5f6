"""Train the language-agnostic XGBoost model on the real offline data and write its artifact.

Run: python -m revertrisk_service.training.language_agnostic [output_dir] [data_dir] [seed]

Training data: ki_multilingual_sample.csv (46 Wikipedias, label = identity-reverted), which is
the label the service predicts. PAN-WVC-11 (English 2009, label = vandalism, metadata only) is
used solely as a secondary, out-of-domain check. Neither has wikitext: the wikitext features are
missing in every training row, so the booster never splits on them and they cost serving time
without affecting scores until the model is retrained on data with text.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mwedittypes
import mwparserfromhell
import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.model_selection import StratifiedGroupKFold

from revertrisk_service.locations import DEFAULT_DATA_DIR, PREDICTIONS_FILE, artifact_dir
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.features import (
    FEATURE_NAMES,
    feature_matrix,
    solved_features,
)
from revertrisk_service.models.manifest import ModelManifest, write_manifest
from revertrisk_service.signals import describe
from revertrisk_service.training.dataset_reader import feature_columns
from revertrisk_service.training.datasets import LabelledEdits, load_ki, load_pan
from revertrisk_service.training.holdout import (
    HOLDOUT_DESCRIPTION,
    holdout_mask,
    roc_auc_or_none,
    source_holdout,
)
from revertrisk_service.training.progress import progress_bar
from revertrisk_service.training.reproducible import content_version
from revertrisk_service.training.source_holdouts import source_report
from revertrisk_service.training.table import TrainingTable, table_training_data

MODEL_NAME = LANGUAGE_AGNOSTIC
MODEL_FILE = "model.ubj"
MODEL_VERSION_PREFIX = "0.1.0"
DEFAULT_OUTPUT_DIR = artifact_dir(MODEL_NAME)

# Small, shallow and heavily regularised: 1,000 rows with 77 positives overfit quickly.
# nthread=1 keeps results bit-for-bit reproducible across machines with different core counts.
BOOSTER_PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "eval_metric": "auc",
    "eta": 0.05,
    "max_depth": 3,
    "min_child_weight": 2.0,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "lambda": 2.0,
    "tree_method": "hist",
    "nthread": 1,
}
BOOSTING_ROUNDS = 200
SHIPPING_DECISION = (
    "Ships its established features (user, edit structure, summary) and none of the new "
    "candidate groups: in the repeated grouped cross-validation over the development rows "
    "(EVALUATION.md, ablation table) the character statistics, word priors (wordfreq rarity, "
    "profanity lists) and language ID of the added text did not beat the model without them by "
    "more than the noise, overall or on anonymous edits; a group ships only when it does. The "
    "page's revision count did not either (+0.006 [-0.027, +0.039] overall, -0.048 [-0.109, "
    "+0.007] on anonymous edits), so the MediaWiki client does not spend a request on it. Of "
    "the established groups only the editor group clearly beats the noise here."
)
CV_FOLDS = 4


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    return roc_auc_or_none(labels, scores, digits=4)


def fit_booster(features: np.ndarray, labels: np.ndarray, seed: int) -> xgb.Booster:
    dtrain = xgb.DMatrix(features, label=labels, missing=np.nan, feature_names=list(FEATURE_NAMES))
    return xgb.train({**BOOSTER_PARAMS, "seed": seed}, dtrain, num_boost_round=BOOSTING_ROUNDS)


def predict(booster: xgb.Booster, features: np.ndarray) -> np.ndarray:
    return booster.inplace_predict(features, missing=np.nan)


def _grouped_cv_auc(x: np.ndarray, y: np.ndarray, groups: list[str], seed: int) -> dict[str, Any]:
    """AUC over every row, each scored by a model that never saw its page: steadier than one fold.
    A history of fewer pages than folds (one article's) has no such split: None, and why."""
    pages = len(set(groups))
    if pages < CV_FOLDS:
        return {"folds": CV_FOLDS, "auc_out_of_fold": None,
                "skipped": f"{pages} page(s), fewer than the {CV_FOLDS} folds"}
    scores = np.zeros(len(y))
    splitter = StratifiedGroupKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y, np.asarray(groups)):
        scores[test] = predict(fit_booster(x[train], y[train], seed), x[test])
    return {"folds": CV_FOLDS, "auc_out_of_fold": _auc(y, scores)}


def _unused_features(x: np.ndarray) -> list[str]:
    """Features with no information in the training rows: all missing or constant."""
    unused = []
    for column, name in enumerate(FEATURE_NAMES):
        values = x[:, column]
        present = values[~np.isnan(values)]
        if present.size == 0 or np.all(present == present[0]):
            unused.append(name)
    return unused


def _describe_data(data: LabelledEdits, x: np.ndarray) -> dict[str, Any]:
    stamps = [f["timestamp"] for f in data.facts if f["timestamp"] is not None]
    return {
        "file": data.source,
        "rows": len(data),
        "positives": int(sum(data.labels)),
        "anonymous_rows": int(sum(bool(f["user_is_anonymous"]) for f in data.facts)),
        "wikis": len({f["wiki_db"] for f in data.facts}),
        "pages": len(set(data.groups)),
        "date_range": [min(stamps).isoformat(), max(stamps).isoformat()] if stamps else None,
        "features_unused_absent_or_constant": _unused_features(x),
    }


def _library_versions() -> dict[str, str]:
    # Read from the modules rather than the installed distributions: the same `xgboost` module
    # is published as `xgboost-cpu` and as `xgboost`, and either may be the one installed.
    return {
        "python": platform.python_version(),
        "xgboost": xgb.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "mwedittypes": mwedittypes.__version__,
        "mwparserfromhell": mwparserfromhell.__version__,
    }


def _top_features(booster: xgb.Booster, limit: int = 15) -> list[dict[str, Any]]:
    gains = booster.get_score(importance_type="total_gain")
    ranked = sorted(gains.items(), key=lambda item: -item[1])[:limit]
    return [{"feature": name, "total_gain": round(gain, 3)} for name, gain in ranked]


@dataclass(frozen=True)
class RowIds:
    """What identifies each training row, for the hold-out split and the predictions file."""

    wiki_db: list[str]
    page_title: list[str]
    rev_id: list[int | None]
    anonymous: np.ndarray  # bool


def train(data: LabelledEdits, seed: int) -> tuple[xgb.Booster, dict[str, Any], pd.DataFrame]:
    """Fit on the development rows; return the booster, metrics and hold-out predictions.

    The shipped booster is fitted without the project's hold-out pages (training.holdout), so the
    reported hold-out AUC is the AUC of exactly the artifact that ships.
    """
    ids = RowIds(
        wiki_db=[f["wiki_db"] or "" for f in data.facts],
        page_title=[f["page_title"] or "" for f in data.facts],
        rev_id=[f["rev_id"] for f in data.facts],
        anonymous=np.array([bool(f["user_is_anonymous"]) for f in data.facts]),
    )
    return train_matrix(feature_matrix(solved_features(data.facts)), np.asarray(data.labels, dtype=np.float32),
                        ids, data.groups, seed, holdout_mask(ids.wiki_db, ids.page_title))


def train_matrix(x: np.ndarray, y: np.ndarray, ids: RowIds, groups: Sequence[str], seed: int,
                 held_out: np.ndarray) -> tuple[xgb.Booster, dict[str, Any], pd.DataFrame]:
    """`train` on a ready feature matrix (columns in FEATURE_NAMES order) and float32 labels;
    `held_out` marks the rows it is scored on and never trained on."""
    train_idx, test_idx = np.flatnonzero(~held_out), np.flatnonzero(held_out)
    booster = fit_booster(x[train_idx], y[train_idx], seed)
    scores = predict(booster, x[test_idx])
    anonymous = ids.anonymous[test_idx]
    y_test = y[test_idx]
    metrics = {
        "heldout_auc": _auc(y_test, scores),
        "heldout_auc_anonymous": _auc(y_test[anonymous], scores[anonymous]),
        "heldout_auc_registered": _auc(y_test[~anonymous], scores[~anonymous]),
        "heldout_rows": len(test_idx),
        "heldout_positives": int(y_test.sum()),
        "heldout_anonymous_rows": int(anonymous.sum()),
        "heldout_anonymous_positives": int(y_test[anonymous].sum()),
        "train_rows": len(train_idx),
        "train_positives": int(y[train_idx].sum()),
        "grouped_cross_validation": _grouped_cv_auc(
            x[train_idx], y[train_idx], [groups[i] for i in train_idx], seed
        ),
    }
    predictions = pd.DataFrame({
        "wiki_db": [ids.wiki_db[i] for i in test_idx],
        "rev_id": [ids.rev_id[i] for i in test_idx],
        "is_anonymous": anonymous.astype(int),
        "label": y_test.astype(int),
        "score": np.round(scores.astype(float), 6),
    })  # fmt: skip
    return booster, metrics, predictions


def _out_of_domain_check(booster: xgb.Booster, data_dir: Path) -> dict[str, Any]:
    pan = load_pan(data_dir)
    scores = predict(booster, feature_matrix(solved_features(pan.facts)))
    labels = np.asarray(pan.labels)
    return {
        "file": pan.source,
        "label": "vandalism (1) vs regular (0); 'dunno' dropped",
        "rows": len(pan),
        "positives": int(labels.sum()),
        "facts_available": ["user_is_anonymous", "comment"],
        "auc": _auc(labels, scores),
    }


def main(output_dir: Path = DEFAULT_OUTPUT_DIR, data_dir: Path = DEFAULT_DATA_DIR, seed: int = 42,
         *, ki_limit: int | None = None, with_pan_check: bool = True) -> dict[str, Any]:
    """Train, evaluate and write model.ubj, model.json and test_predictions.csv; return the manifest.

    `ki_limit` trains on the first rows only (tests use it to stay fast).
    """
    output_dir, data_dir = Path(output_dir), Path(data_dir)
    data = load_ki(data_dir)
    if ki_limit is not None:
        data = LabelledEdits(data.source, data.facts[:ki_limit], data.labels[:ki_limit],
                             data.groups[:ki_limit])
    with progress_bar(f"training {MODEL_NAME}", 2 if with_pan_check else 1) as step:
        booster, metrics, predictions = train(data, seed)
        step("trained")
        if with_pan_check:
            metrics["out_of_domain_pan_wvc_11"] = _out_of_domain_check(booster, data_dir)
            step("PAN-WVC-11 check")

    training_data = {
        **_describe_data(data, feature_matrix(solved_features(data.facts))),
        "label": "revision_is_identity_reverted",
        "choice": (
            "Trained on ki_multilingual_sample.csv only: it has the label served "
            "(identity-reverted) and 46 wikis. PAN-WVC-11 has a different label "
            "(vandalism), one wiki and 2009 edits, so it is only an out-of-domain check."
        ),
        "has_wikitext": False,
    }
    return write_artifact(output_dir, booster, predictions, metrics, training_data, seed)


def write_artifact(output_dir: Path, booster: xgb.Booster, predictions: pd.DataFrame,
                    metrics: dict[str, Any], training_data: dict[str, Any], seed: int,
                    split: str = HOLDOUT_DESCRIPTION) -> dict[str, Any]:
    """model.ubj, test_predictions.csv and model.json; returns the manifest."""
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / MODEL_FILE).write_bytes(bytes(booster.save_raw(raw_format="ubj")))
    predictions.to_csv(output_dir / PREDICTIONS_FILE, index=False)

    manifest = ModelManifest(
        name=MODEL_NAME,
        version=content_version(MODEL_VERSION_PREFIX, output_dir, [output_dir / MODEL_FILE]),
        features=list(FEATURE_NAMES),
        feature_descriptions={name: describe(name) for name in FEATURE_NAMES},
        training_data=training_data,
        split=split,
        verdict=SHIPPING_DECISION,
        metrics=metrics,
        top_features_by_gain=_top_features(booster),
        artifact={"file": MODEL_FILE, "format": "XGBoost UBJSON", "boosting_rounds": BOOSTING_ROUNDS,
                  "params": BOOSTER_PARAMS},
        library_versions=_library_versions(),
        seed=seed,
    )
    write_manifest(output_dir, manifest)
    return manifest.model_dump()


def table_features(table: TrainingTable) -> np.ndarray:
    """The booster's input for every row of a training table (columns in FEATURE_NAMES order)."""
    return feature_columns(table.frame, FEATURE_NAMES).to_numpy(dtype=np.float32)


def main_from_table(output_dir: Path, table: TrainingTable, seed: int = 42) -> dict[str, Any]:
    """Train from a training table (built datasets, feedback exports, the sample): the same
    booster, features by their declared names, held out source by source
    (training.holdout.source_holdout) and reported per source and across sources."""
    frame = table.frame
    x = table_features(table)
    y = table.labels.astype(np.float32)
    ids = RowIds(frame["wiki_db"].astype(str).tolist(), frame["page_title"].astype(str).tolist(),
                 [int(r) for r in frame["rev_id"]], table.anonymous)
    split = source_holdout(table.source, table.pages, ids.wiki_db, ids.page_title,
                           frame["rev_timestamp"])
    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        return predict(fit_booster(x[train], y[train], seed), x[test])

    with progress_bar(f"training {MODEL_NAME}", 2) as step:
        booster, metrics, predictions = train_matrix(x, y, ids, table.pages.tolist(), seed,
                                                     split.mask)
        step("trained")
        metrics["sources"] = source_report(table, split, fit_predict)
        step("per source and across sources")
    training_data = {
        **table_training_data(table, split),
        "features_unused_absent_or_constant": _unused_features(x),
        "has_wikitext": True,
    }
    return write_artifact(Path(output_dir), booster, predictions, metrics, training_data, seed,
                           split="Held out source by source: " + "; ".join(
                               f"{s}: {r}" for s, r in split.rules.items()))


if __name__ == "__main__":
    args = sys.argv[1:]
    result = main(
        Path(args[0]) if len(args) > 0 else DEFAULT_OUTPUT_DIR,
        Path(args[1]) if len(args) > 1 else DEFAULT_DATA_DIR,
        int(args[2]) if len(args) > 2 else 42,
    )
    print(json.dumps({"version": result["version"], "metrics": result["metrics"],
                      "training_data": {k: v for k, v in result["training_data"].items()
                                        if k != "features_unused_absent_or_constant"}}, indent=2))
