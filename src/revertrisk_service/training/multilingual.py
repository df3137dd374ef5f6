"""Train revertrisk-multilingual on ki_multilingual_sample.csv and write the model directory.

Leakage control: the project's hold-out pages (training.holdout) are never trained on; the
artifact is fitted on the other rows and scored once on the hold-out. When the text-model group
is used, the tokenizer and text classifiers see only training texts and CatBoost learns from
out-of-fold text scores (each row scored by classifiers that never saw its page). Which feature
groups ship is decided by the repeated grouped cross-validation in evaluation.ablation_runs.
"""

from __future__ import annotations

import json
import math
import platform
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import catboost
import mwedittypes
import numpy as np
import pandas as pd
import tokenizers
import torch
import transformers
from catboost import CatBoostClassifier
from sklearn.model_selection import StratifiedGroupKFold

from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.locations import DEFAULT_DATA_DIR, PREDICTIONS_FILE, artifact_dir
from revertrisk_service.model_table import MULTILINGUAL
from revertrisk_service.models.manifest import ModelManifest, write_manifest
from revertrisk_service.models.multilingual.features import (
    CATEGORICAL_FEATURES,
    DEFAULT_MAX_TEXTS_PER_REVISION,
    SHIPPED_GROUPS,
    TEXT_MODELS,
    WIKI_FEATURE,
    cap_texts,
    feature_frame,
    features_of,
    solved_inputs,
    text_features,
)
from revertrisk_service.models.multilingual.text_classifiers import TextClassifier
from revertrisk_service.signals import CATALOGUE, SignalValues, describe, given_facts, solve
from revertrisk_service.signals.groups import CHARACTERS, COMMENT, LANGUAGE_ID, WORD_PRIORS
from revertrisk_service.signals.text_models import TEXT_KINDS, TEXT_SCORE_FEATURES
from revertrisk_service.training.contract import TEXT_COLUMNS
from revertrisk_service.training.dataset_reader import feature_columns
from revertrisk_service.training.datasets import facts_from_ki_row
from revertrisk_service.training.holdout import (
    HOLDOUT_DESCRIPTION,
    SourceHoldout,
    holdout_mask,
    roc_auc_or_none,
    source_holdout,
)
from revertrisk_service.training.progress import progress_bar
from revertrisk_service.training.reproducible import (
    content_version,
    seed_everything,
    strip_volatile_metadata,
)
from revertrisk_service.training.source_holdouts import source_report
from revertrisk_service.training.table import (
    SAMPLE_SOURCE,
    TrainingTable,
    capped_rows,
    table_training_data,
)
from revertrisk_service.training.text_classifiers import (
    TRAIN_MAX_LENGTH,
    as_classifier,
    save_classifier,
    train_text_classifier,
    train_tokenizer,
)
from revertrisk_service.wikis import wiki_by_dbname

MODEL_NAME = MULTILINGUAL
MODEL_VERSION = "0.1.0"
DEFAULT_OUTPUT_DIR = artifact_dir(MODEL_NAME)
DATA_FILE = "ki_multilingual_sample.csv"
LABEL = "revision_is_identity_reverted"
OOF_FOLDS = 3
SHIPPING_DECISION = (
    "Ships without text classifiers: CatBoost over the editor and edit-structure features (the "
    "published design's no-text part). In the repeated grouped cross-validation over the "
    "development rows (EVALUATION.md, ablation table) none of the added groups (summary facts, "
    "character statistics, word priors, language ID, the small text classifiers) beat the model "
    "without it by more than the noise, overall or on anonymous edits, and a group ships only "
    "when it does. Distilling the small text classifiers toward the production mBERT outputs "
    "recorded in the sample did not help either (+0.004 [-0.012, +0.021] AUC, anonymous -0.007 "
    "[-0.048, +0.031]), and even the recorded production mBERT outputs themselves, which cannot "
    "be served here, added only +0.005 [-0.018, +0.031] (anonymous +0.008 [-0.049, +0.070]): "
    "with about 60 reverted development edits, 38 of them anonymous, no text signal is "
    "measurable. So the anonymous-edit AUC does not beat the no-text baseline: the shipped model "
    "is that baseline. The text-model path stays: `revertrisk train multilingual --text-models "
    "DIR` retrains CatBoost on an operator's fine-tuned mBERT checkpoints and ships them."
)
# The most training rows the trainer keeps; above it, a draw within each class. The trainer holds
# about 23 KB a row at its peak (docs/training-at-scale.md): 300,000 rows fit in about 8 GiB.
DEFAULT_MAX_TRAIN_ROWS = 300_000
CATBOOST_PARAMS = {
    "iterations": 400,
    "depth": 4,
    "learning_rate": 0.05,
    "loss_function": "Logloss",
    "eval_metric": "AUC",
    "verbose": False,
    # One thread: identical bytes on any machine, and the build machine is shared.
    "thread_count": 1,
    "allow_writing_files": False,
}


def _examples(
    inputs: Sequence[SignalValues], labels: np.ndarray, max_texts: int
) -> dict[str, tuple[list, list[int]]]:
    """(texts, labels) per classifier kind; every text carries its revision's label."""
    examples: dict[str, tuple[list, list[int]]] = {kind: ([], []) for kind in TEXT_KINDS}
    for revision, label in zip(inputs, labels, strict=True):
        texts = cap_texts(revision["edit_texts"], max_texts)
        for kind, items in (
            ("title", [texts.title]),
            ("insert", texts.inserts),
            ("remove", texts.removes),
            ("change", texts.changes),
        ):
            examples[kind][0].extend(items)
            examples[kind][1].extend([int(label)] * len(items))
    return examples


def _train_classifiers(tokenizer, inputs, labels, seed, max_texts):
    examples = _examples(inputs, labels, max_texts)
    return {
        kind: train_text_classifier(tokenizer, texts, ys, seed=seed + i)
        for i, (kind, (texts, ys)) in enumerate(examples.items())
    }


def _scorers(tokenizer, models) -> dict[str, TextClassifier]:
    return {kind: as_classifier(tokenizer, m, TRAIN_MAX_LENGTH) for kind, m in models.items()}


def _metrics(y: np.ndarray, score: np.ndarray, anonymous: np.ndarray) -> dict[str, object]:
    return {
        "roc_auc": roc_auc_or_none(y, score),
        "roc_auc_anonymous": roc_auc_or_none(y[anonymous], score[anonymous]),
        "rows": len(y),
        "positives": int(y.sum()),
        "anonymous_rows": int(anonymous.sum()),
        "anonymous_positives": int(y[anonymous].sum()),
    }


# The published multilingual model serves these 47 Wikipedias; the sample covers 46 of them (it
# has no ptwiki rows), so pt is served on what the model learnt from the other wikis.
PUBLISHED_EXTRA_WIKIS = frozenset({"enwiki", "ptwiki"})


def supported_wikis(df: pd.DataFrame) -> list[dict[str, str]]:
    dbnames = sorted(set(df["wiki_db"]) | PUBLISHED_EXTRA_WIKIS)
    wikis = [wiki_by_dbname(db) for db in dbnames]
    return [{"lang": w.lang, "dbname": w.dbname} for w in wikis if w is not None]


def cross_fitted_text_scores(
    facts: Sequence[SignalValues], y: np.ndarray, pages: np.ndarray, seed: int, folds: int,
    step=None,
) -> dict[str, np.ndarray]:
    """Text-classifier features for every row, each from small classifiers (and a tokenizer)
    fitted on the other folds' pages only: what a model that never saw the row would say."""
    max_texts = DEFAULT_MAX_TEXTS_PER_REVISION
    scores = {name: np.zeros(len(facts)) for name in TEXT_SCORE_FEATURES}
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (fit, held) in enumerate(splitter.split(np.zeros(len(y)), y, groups=pages)):
        fit_facts = [facts[i] for i in fit]
        tokenizer = train_tokenizer(_corpus(fit_facts))
        models = _train_classifiers(tokenizer, fit_facts, y[fit], seed + 10 * fold, max_texts)
        held_scores = text_features(
            _scorers(tokenizer, models), [facts[i]["edit_texts"] for i in held], max_texts
        )
        for name, values in held_scores.items():
            scores[name][held] = values
        if step is not None:
            step(f"text classifiers, fold {fold + 1}/{folds}")
    return scores


def _corpus(facts: Sequence[SignalValues]):
    for revision in facts:
        texts = revision["edit_texts"]
        yield texts.title
        yield from texts.inserts
        yield from texts.removes
        for old, new in texts.changes:
            yield old
            yield new


def load_checkpoints(directory: Path) -> dict[str, TextClassifier]:
    """An operator's checkpoints (e.g. fine-tuned mBERT): `<directory>/<kind>/` per text kind."""
    return {
        kind: TextClassifier.load(Path(directory) / kind, "cpu", TRAIN_MAX_LENGTH)
        for kind in TEXT_KINDS
    }


def read_labelled(data_dir: Path) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The rows and the facts each gives (solve them with features.solved_inputs)."""
    df = pd.read_csv(Path(data_dir) / DATA_FILE)
    # The one CSV reader; this model was trained on the CSV's `is_anonymous` column.
    return df, [facts_from_ki_row(row, "is_anonymous") for row in df.to_dict("records")]


@dataclass(frozen=True)
class TrainingRows:
    """The labelled rows either source gives: identifiers, labels, facts (for the texts) and the
    final classifier's input for any subset of rows."""

    wiki_db: np.ndarray
    rev_id: np.ndarray
    page_title: np.ndarray
    pages: np.ndarray  # one id per page: the split and the text models' folds group by it
    y: np.ndarray
    anonymous: np.ndarray
    facts: list[SignalValues]  # solved; the text models read their "edit_texts"
    inputs: Sequence[Mapping[str, Any]]  # each row's feature values, what `features` encodes
    held_out: np.ndarray  # bool: scored once, never trained on

    def features(self, idx: np.ndarray, scores: dict | None, names: Sequence[str]) -> pd.DataFrame:
        """The final classifier's input for the rows `idx`, encoded as serving encodes them."""
        return feature_frame([self.inputs[i] for i in idx], scores, names)


def main(
    output_dir: Path,
    data_dir: Path,
    seed: int = 42,
    groups: Sequence[str] = SHIPPED_GROUPS,
    text_models_dir: Path | None = None,
) -> dict:
    """Train on the development rows, score the hold-out once, and write model.json, model.cbm,
    text_models/ (when the groups include the text models) and test_predictions.csv.

    `text_models_dir` holds an operator's own checkpoints (`<kind>/` each, e.g. the production
    fine-tuned mBERT): CatBoost is then trained on their outputs and they ship as the artifact's
    text_models/. Without it the text-model group trains the project's small classifiers.
    Returns the manifest.
    """
    df, given = read_labelled(data_dir)
    facts = solved_inputs(given, features_of(_with_text_models(groups, text_models_dir)))
    rows = TrainingRows(
        wiki_db=df["wiki_db"].to_numpy(),
        rev_id=df["revision_id"].to_numpy(),
        page_title=df["page_title"].to_numpy(),
        pages=(df["wiki_db"] + ":" + df["page_title"].astype(str)).to_numpy(),
        y=df[LABEL].astype(int).to_numpy(),
        anonymous=df["is_anonymous"].astype(bool).to_numpy(),
        facts=facts,
        inputs=facts,
        held_out=holdout_mask(df["wiki_db"], df["page_title"]),
    )
    return _train_and_write(output_dir, rows, seed, groups, text_models_dir,
                            lambda n_train, n_test: _csv_training_data(n_train, n_test),
                            supported_wikis(df))


def table_inputs(table: TrainingTable, feature_names: Sequence[str]) -> list[dict[str, Any]]:
    """Each row's values of the model's edit-fact features (None: unknown), to be encoded by
    features.feature_frame exactly as serving encodes a live edit."""
    names = [n for n in feature_names if CATALOGUE[n].source != "model" and n != WIKI_FEATURE]
    columns = feature_columns(table.frame, [n for n in names if n != "is_anonymous"])
    columns["is_anonymous"] = table.anonymous.astype(float)
    wikis = table.frame["wiki_db"].astype(str).tolist()
    return [{**{n: (None if math.isnan(v) else v) for n, v in zip(names, values, strict=True)},
             WIKI_FEATURE: wiki}
            for values, wiki in zip(columns[names].itertuples(index=False), wikis, strict=True)]


def main_from_table(
    output_dir: Path,
    table: TrainingTable,
    seed: int = 42,
    groups: Sequence[str] = SHIPPED_GROUPS,
    text_models_dir: Path | None = None,
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS,
) -> dict:
    """Train from a training table (built datasets, feedback exports, the sample): the signals
    by their declared names encoded as serving encodes them, the texts for the text models, held
    out source by source (training.holdout.source_holdout). Above `max_train_rows` training
    rows, CatBoost learns from that many, drawn within each class (training.table.capped_rows);
    the hold-out is never sampled."""
    split = source_holdout(table.source, table.pages, table.frame["wiki_db"].astype(str).tolist(),
                           table.frame["page_title"].astype(str).tolist(),
                           table.frame["rev_timestamp"])
    described = table_training_data(table, split)
    available = int((~split.mask).sum())
    # The cap applies before any row becomes Python objects: what the trainer holds per row
    # (docs/training-at-scale.md) is what limits one machine.
    kept = capped_rows(np.flatnonzero(~split.mask), table.labels, max_train_rows, seed)
    if len(kept) < available:
        keep = np.sort(np.concatenate([kept, np.flatnonzero(split.mask)]))
        table, split = table.subset(keep), SourceHoldout(split.mask[keep], split.rules)
    frame = table.frame
    feature_names = features_of(_with_text_models(groups, text_models_dir))
    inputs = table_inputs(table, feature_names)
    # A feedback export has no texts: the text models then read the title alone.
    texts = [c for c in TEXT_COLUMNS if c in frame.columns]
    facts = [_facts_with_texts(row) for row in frame[["page_title", *texts]].to_dict("records")]
    wiki_db = frame["wiki_db"].astype(str).to_numpy()
    page_title = frame["page_title"].astype(str).to_numpy()
    rows = TrainingRows(
        wiki_db=wiki_db,
        rev_id=frame["rev_id"].to_numpy(),
        page_title=page_title,
        pages=table.pages,
        y=table.labels,
        anonymous=table.anonymous,
        facts=facts,
        inputs=inputs,
        held_out=split.mask,
    )
    # With the sample, the published model's wikis are served, as when trained on it alone.
    with_sample = SAMPLE_SOURCE in set(table.source.tolist())
    wikis = supported_wikis(frame) if with_sample else [
        {"lang": w.lang, "dbname": w.dbname}
        for w in (wiki_by_dbname(db) for db in sorted(set(wiki_db))) if w is not None]

    def training_data(n_train: int, n_test: int) -> dict:
        return {
            **described,
            "train_rows_used": (n_train if n_train == available else
                                f"{n_train} of {available}, drawn within each class "
                                f"(--max-train-rows {max_train_rows})"),
            "split": "Held out source by source: " + "; ".join(
                f"{s}: {r}" for s, r in split.rules.items()),
        }

    report = None
    if TEXT_MODELS not in feature_names:
        def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
            return _fit_catboost(rows.features(train, None, feature_names), rows.y[train],
                                 feature_names, seed).predict_proba(
                rows.features(test, None, feature_names))[:, 1]

        with progress_bar("revertrisk-multilingual per source and across sources", 1) as step:
            report = source_report(table, split, fit_predict)
            step("done")
    return _train_and_write(output_dir, rows, seed, groups, text_models_dir, training_data, wikis,
                            {"sources": report} if report else {})


def _fit_catboost(x: pd.DataFrame, y: np.ndarray, feature_names: Sequence[str], seed: int
                  ) -> CatBoostClassifier:
    model = CatBoostClassifier(**CATBOOST_PARAMS, random_seed=seed)
    model.fit(x, y, cat_features=[c for c in CATEGORICAL_FEATURES if c in feature_names])
    strip_volatile_metadata(model)
    return model


def _facts_with_texts(row: dict) -> SignalValues:
    """What the text models read from a dataset row: its texts (the title alone when the row has
    none), through the same `edit_texts` signal serving uses."""
    title = str(row.get("page_title") or "")
    inserts, removes, changes = (row.get(c) for c in ("texts_insert", "texts_removed",
                                                      "texts_change"))
    texts = None if inserts is None and changes is None else EditTexts(
        title=title.replace("_", " "),
        inserts=[str(t) for t in (inserts if inserts is not None else [])],
        removes=[str(t) for t in (removes if removes is not None else [])],
        changes=[(str(p[0]), str(p[1])) for p in (changes if changes is not None else [])],
    )  # fmt: skip
    return solve(["edit_texts"], given_facts(page_title=title, texts=texts))


def _with_text_models(groups: Sequence[str], text_models_dir: Path | None) -> tuple[str, ...]:
    """Operator checkpoints imply the text-model group."""
    if text_models_dir is not None and TEXT_MODELS not in groups:
        return (*groups, TEXT_MODELS)
    return tuple(groups)


def _train_and_write(output_dir, rows: TrainingRows, seed, groups, text_models_dir,
                     training_data, wikis, extra_metrics: dict | None = None) -> dict:
    seed_everything(seed)
    output_dir = Path(output_dir)
    groups = _with_text_models(groups, text_models_dir)
    feature_names = features_of(groups)
    with_text = TEXT_MODELS in groups
    facts, y, anonymous, pages = rows.facts, rows.y, rows.anonymous, rows.pages
    train_idx, test_idx = np.flatnonzero(~rows.held_out), np.flatnonzero(rows.held_out)
    train_facts = [facts[i] for i in train_idx]
    test_facts = [facts[i] for i in test_idx]
    y_train, y_test = y[train_idx], y[test_idx]
    max_texts = DEFAULT_MAX_TEXTS_PER_REVISION

    steps = (OOF_FOLDS + 1 if with_text and text_models_dir is None else 1) + 2
    with progress_bar(f"training {MODEL_NAME}", steps) as step:
        train_scores = test_scores = None
        text_source = None
        if with_text and text_models_dir is not None:
            classifiers = load_checkpoints(text_models_dir)
            train_scores = text_features(classifiers, [f["edit_texts"] for f in train_facts], max_texts)
            test_scores = text_features(classifiers, [f["edit_texts"] for f in test_facts], max_texts)
            text_source = f"operator checkpoints from {Path(text_models_dir).name}/"
            step("text classifiers scored")
        elif with_text:
            # CatBoost learns from out-of-fold text scores of the training rows.
            train_scores = cross_fitted_text_scores(
                train_facts, y_train, pages[train_idx], seed, OOF_FOLDS, step
            )
            tokenizer = train_tokenizer(_corpus(train_facts))
            final_models = _train_classifiers(tokenizer, train_facts, y_train, seed, max_texts)
            test_scores = text_features(
                _scorers(tokenizer, final_models), [f["edit_texts"] for f in test_facts], max_texts
            )
            text_source = "the project's small BERT classifiers, trained on the training rows"
            step("final text classifiers")
        x_train = rows.features(train_idx, train_scores, feature_names)
        x_test = rows.features(test_idx, test_scores, feature_names)
        step("features")
        model = _fit_catboost(x_train, y_train, feature_names, seed)
        score = model.predict_proba(x_test)[:, 1]
        step("CatBoost")

    metrics = {"holdout": _metrics(y_test, score, anonymous[test_idx]), **(extra_metrics or {})}
    output_dir.mkdir(parents=True, exist_ok=True)
    text_dir = output_dir / "text_models"
    if text_dir.exists():
        shutil.rmtree(text_dir)
    if with_text and text_models_dir is not None:
        for kind in TEXT_KINDS:
            shutil.copytree(Path(text_models_dir) / kind, text_dir / kind)
    elif with_text:
        for kind, text_model in final_models.items():
            save_classifier(tokenizer, text_model, text_dir / kind)
    model.save_model(str(output_dir / "model.cbm"), format="cbm")
    pd.DataFrame(
        {
            "wiki_db": rows.wiki_db[test_idx],
            "revision_id": rows.rev_id[test_idx],
            "is_anonymous": anonymous[test_idx],
            "label": y_test,
            "score": np.round(score, 6),
        }
    ).to_csv(output_dir / PREDICTIONS_FILE, index=False)

    manifest = _manifest(wikis, training_data(len(train_idx), len(test_idx)), metrics, seed,
                         feature_names, groups, text_source)
    artifacts = [output_dir / "model.cbm", *sorted((output_dir / "text_models").rglob("*"))]
    manifest["version"] = content_version(MODEL_VERSION, output_dir, artifacts)
    write_manifest(output_dir, ModelManifest.model_validate(manifest))
    return manifest


def _csv_training_data(n_train: int, n_test: int) -> dict:
    return {
        "file": DATA_FILE,
        "description": (
            "1,000 real revisions from 46 Wikipedias (2022-07-01..07), label "
            "revision_is_identity_reverted, from the KI_multilingual_training sample "
            "(Apache-2.0). Edit types from its mwedittypes columns, texts from its text "
            "columns; the production mBERT outputs in the CSV are NOT used."
        ),
        "split": (
            f"{HOLDOUT_DESCRIPTION} Trained on the other {n_train} rows, scored once on "
            f"the {n_test} held-out rows."
        ),
        "label": LABEL,
    }


_DESCRIBED_GROUPS = frozenset((COMMENT, CHARACTERS, WORD_PRIORS, LANGUAGE_ID))


def _manifest(wikis, training_data, metrics, seed, feature_names, groups, text_source) -> dict:
    return {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "features": list(feature_names),
        "feature_groups": list(groups),
        # Described here: the candidate signal groups' features (the manifests shipped so far
        # list none, so their descriptions stay as they were).
        "feature_descriptions": {n: describe(n) for n in feature_names
                                 if CATALOGUE[n].group in _DESCRIBED_GROUPS},
        "categorical_features": [c for c in CATEGORICAL_FEATURES if c in feature_names],
        "text_models": (
            {kind: f"text_models/{kind}" for kind in TEXT_KINDS} if text_source else None
        ),
        "text_models_source": text_source,
        "max_texts_per_revision": DEFAULT_MAX_TEXTS_PER_REVISION,
        "supported_wikis": wikis,
        "training_data": training_data,
        "metrics": metrics,
        "verdict": SHIPPING_DECISION,
        "seed": seed,
        "library_versions": {
            "python": platform.python_version(),
            "catboost": catboost.__version__,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "mwedittypes": mwedittypes.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
    }


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    result = main(
        Path(args[0]) if args else DEFAULT_OUTPUT_DIR,
        Path(args[1]) if len(args) > 1 else DEFAULT_DATA_DIR,
    )
    print(json.dumps(result["metrics"], indent=2))
