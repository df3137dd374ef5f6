"""Phase-1 research (superseded by `revertrisk ablate`, kept as the record): which feature groups beat noise, for both learners, on every KI row.

Run: .venv/bin/python scripts/research_ablation.py [xgboost|catboost] [repeats] [folds]
Writes var/research/<learner>.json and prints the ablation table.
"""

from __future__ import annotations

import ast
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from revertrisk_service.edits.signals import COMMENT_SIGNALS
from rich.progress import Progress
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold

from revertrisk_service.edits.edit_types import EDIT_TYPE_COLUMNS
from revertrisk_service.edits.fragments import edit_fragments
from revertrisk_service.edits.language_id import language_id
from revertrisk_service.edits.text_stats import text_stats
from revertrisk_service.edits.user import FLAGGED_GROUPS as USER_GROUPS
from revertrisk_service.edits.word_priors import word_priors
from revertrisk_service.evaluation.ablation import (
    CvPlan,
    ablation_rows,
    markdown_table,
    out_of_fold,
)
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.signals import CATALOGUE
from revertrisk_service.signals.facts import INTERFACE_FLAG_FAMILY
from revertrisk_service.training.holdout import holdout_mask
from revertrisk_service.wikis import wiki_by_dbname

DATA = DEFAULT_DATA_DIR / "ki_multilingual_sample.csv"
OUT = Path("var/research")
INTERFACE_FLAGS = CATALOGUE.names(family=INTERFACE_FLAG_FAMILY)


def _list(cell) -> list:
    return list(ast.literal_eval(cell)) if isinstance(cell, str) and cell else []


def build(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]], pd.DataFrame]:
    rows, docs = [], []
    for r in df.to_dict("records"):
        wiki = wiki_by_dbname(r["wiki_db"])
        lang = wiki.lang if wiki else None
        inserts = [str(t) for t in _list(r["texts_insert"])]
        removes = [str(t) for t in _list(r["texts_removed"])]
        changes = [(str(a), str(b)) for a, b in _list(r["texts_change"])]
        added, removed = edit_fragments(inserts, removes, changes, lang)
        comment = "" if not isinstance(r["event_comment"], str) else r["event_comment"]
        row = {
            "is_anonymous": int(r["is_anonymous"]),
            **{f"is_{g}": int(r[f"is_{g}"]) for g in USER_GROUPS},
            "user_log_seconds_since_previous_edit": (
                math.log1p(r["event_user_seconds_since_previous_revision"])
                if r["event_user_seconds_since_previous_revision"] == r["event_user_seconds_since_previous_revision"]
                else np.nan),
            **{c: r[c] for c in EDIT_TYPE_COLUMNS},
            "revision_text_bytes_diff": r["revision_text_bytes_diff"],
            **{flag: int(r[flag]) for flag in INTERFACE_FLAGS},
            "n_insert_texts": len(inserts), "n_remove_texts": len(removes),
            "n_change_texts": len(changes),
            **{c.name: c.compute(comment) for c in COMMENT_SIGNALS},
            "page_log_revision_count": math.log1p(int(r["page_revision_count"])),
            **text_stats(added, removed, lang),
            **word_priors(added, removed, lang),
            **language_id(added, lang),
            "wiki_db": r["wiki_db"],
        }
        rows.append(row)
        docs.append({"added": "\n".join(added), "removed": "\n".join(removed),
                     "title": str(r["page_title"]).replace("_", " ")})
    frame = pd.DataFrame(rows).astype({c: float for c in rows[0] if c != "wiki_db"})
    probe = {
        "user": ["is_anonymous", *(f"is_{g}" for g in USER_GROUPS), "user_log_seconds_since_previous_edit"],
        "edit structure": [*EDIT_TYPE_COLUMNS, "revision_text_bytes_diff", *INTERFACE_FLAGS,
                           "n_insert_texts", "n_remove_texts", "n_change_texts"],
        "comment & page": [*(c.name for c in COMMENT_SIGNALS), "page_log_revision_count"],
        "characters": list(text_stats([], [], "en").keys()),
        "word priors": list(word_priors([], [], "en").keys()),
        "language ID": list(language_id([], "en").keys()),
    }
    return frame, probe, pd.DataFrame(docs)


TARGETS = {"added": "insert_p_1_max", "removed": "remove_p_1_max"}


class TextModels:
    """Char n-gram models over the added/removed text, fitted inside each training fold; the
    training rows get inner out-of-fold outputs so the learner never sees in-sample scores."""

    def __init__(self, docs: pd.DataFrame, labels: np.ndarray, production: pd.DataFrame,
                 groups: np.ndarray):
        self.docs, self.labels, self.production, self.groups = docs, labels, production, groups
        self.cache: dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]] = {}

    def _fit_predict(self, kind: str, mode: str, fit: np.ndarray, apply: np.ndarray) -> np.ndarray:
        text = self.docs[kind].to_numpy()
        has = np.array([bool(t.strip()) for t in text])
        out = np.full(len(apply), -1.0)
        fit = fit[has[fit]]
        target = (self.labels if mode == "label" else self.production[TARGETS[kind]].to_numpy())
        if len(fit) < 10 or (mode == "label" and len(np.unique(target[fit])) < 2):
            return out
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
                              max_features=20000)
        x_fit = vec.fit_transform(text[fit])
        if mode == "label":
            model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
            model.fit(x_fit, target[fit])
            predict = lambda x: model.predict_proba(x)[:, 1]
        else:
            model = Ridge(alpha=3.0)
            model.fit(x_fit, target[fit])
            predict = model.predict
        mask = has[apply]
        if mask.any():
            out[mask] = predict(vec.transform(text[apply[mask]]))
        return out

    def features(self, train: np.ndarray, test: np.ndarray, key) -> tuple[pd.DataFrame, pd.DataFrame]:
        if key in self.cache:
            return self.cache[key]
        tr, te = {}, {}
        for kind in ("added", "removed"):
            for mode in ("label", "distil"):
                name = f"text_{kind}_{mode}"
                te[name] = self._fit_predict(kind, mode, train, test)
                inner = np.full(len(train), -1.0)
                for fit, held in GroupKFold(n_splits=3).split(train, groups=self.groups[train]):
                    inner[held] = self._fit_predict(kind, mode, train[fit], train[held])
                tr[name] = inner
        self.cache[key] = (pd.DataFrame(tr), pd.DataFrame(te))
        return self.cache[key]


TEXT_LABEL = ["text_added_label", "text_removed_label"]
TEXT_DISTIL = ["text_added_distil", "text_removed_distil"]
PRODUCTION = ["insert_p_1_max", "insert_p_1_mean", "change_p_1_max", "change_p_1_mean",
              "remove_p_1_max", "remove_p_1_mean", "title_s_0"]


def learner(name: str):
    if name == "xgboost":
        import xgboost as xgb

        from revertrisk_service.training.language_agnostic import (
            BOOSTER_PARAMS,
            BOOSTING_ROUNDS,
        )

        def fit_predict(xtr, ytr, xte, seed):
            xtr, xte = xtr.drop(columns=["wiki_db"], errors="ignore"), xte.drop(columns=["wiki_db"], errors="ignore")
            booster = xgb.train({**BOOSTER_PARAMS, "seed": seed},
                                xgb.DMatrix(xtr.to_numpy(np.float32), label=ytr, missing=np.nan),
                                num_boost_round=BOOSTING_ROUNDS)
            return booster.inplace_predict(xte.to_numpy(np.float32), missing=np.nan)
        return fit_predict
    from catboost import CatBoostClassifier

    from revertrisk_service.training.multilingual import CATBOOST_PARAMS

    def fit_predict(xtr, ytr, xte, seed):
        params = {**CATBOOST_PARAMS, "thread_count": 1}
        cats = [c for c in xtr.columns if c == "wiki_db"]
        model = CatBoostClassifier(**params, random_seed=seed)
        model.fit(xtr, ytr, cat_features=cats)
        return model.predict_proba(xte)[:, 1]
    return fit_predict


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "xgboost"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    df = pd.read_csv(DATA)
    # The hold-out is never looked at here.
    df = df[~holdout_mask(df["wiki_db"], df["page_title"])].reset_index(drop=True)
    y = df["revision_is_identity_reverted"].astype(int).to_numpy()
    anon = df["is_anonymous"].astype(bool).to_numpy()
    groups = (df["wiki_db"] + ":" + df["page_title"].astype(str)).to_numpy()
    frame, base_groups, docs = build(df)
    frame = pd.concat([frame, df[PRODUCTION].astype(float)], axis=1)
    texts = TextModels(docs, y, df, groups)
    plan = CvPlan(repeats=repeats, folds=folds)
    fit = learner(which)
    if which == "catboost":
        base_groups["edit structure"] = [*base_groups["edit structure"], "wiki_db"]

    def config(columns: list[str], text_cols: list[str]):
        def fit_predict(train, test, repeat, fold):
            xtr, xte = frame.iloc[train][columns].reset_index(drop=True), frame.iloc[test][columns].reset_index(drop=True)
            if text_cols:
                ttr, tte = texts.features(train, test, (repeat, fold))
                xtr = pd.concat([xtr, ttr[text_cols]], axis=1)
                xte = pd.concat([xte, tte[text_cols]], axis=1)
            return fit(xtr, y[train], xte, 42 + repeat)
        return fit_predict

    groups_all = {**base_groups, "text models": TEXT_LABEL + TEXT_DISTIL}
    plain = lambda gs: [c for g in gs for c in groups_all[g] if g != "text models"]
    textc = lambda gs: groups_all["text models"] if "text models" in gs else []
    configs: dict[str, tuple[list[str], list[str]]] = {"all": (plain(groups_all), textc(groups_all))}
    for g in groups_all:
        rest = [h for h in groups_all if h != g]
        configs[f"-{g}"] = (plain(rest), textc(rest))
    base = ["user", "edit structure"]
    configs["old baseline: user + edit structure"] = (plain(base), [])
    configs["all, text = label-trained only"] = (plain(groups_all), TEXT_LABEL)
    configs["all, text = distilled only"] = (plain(groups_all), TEXT_DISTIL)
    configs["all but text + production mBERT outputs (reference)"] = (plain(groups_all) + PRODUCTION, [])
    no_text = [g for g in groups_all if g != "text models"]
    configs["user + edit + comment & page"] = (plain(["user", "edit structure", "comment & page"]), [])
    configs["... + characters"] = (plain(["user", "edit structure", "comment & page", "characters"]), [])
    configs["... + word priors + language ID (no text models)"] = (plain(no_text), [])

    scores = {}
    total = len(configs) * repeats * folds
    with Progress() as progress:
        task = progress.add_task(f"{which} {repeats}x{folds} CV", total=total)
        for name, (cols, tcols) in configs.items():
            scores[name] = out_of_fold(plan, y, groups, config(cols, tcols),
                                       on_fold=lambda: progress.advance(task))
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / f"{which}_scores.npz", **{k: v for k, v in scores.items()}, y=y, anon=anon)
    sizes = {g: len(c) for g, c in groups_all.items()}
    rows = ablation_rows(y, groups, anon, scores["all"], {g: scores[f"-{g}"] for g in groups_all}, sizes)
    print(markdown_table(rows))
    from revertrisk_service.evaluation.ablation import PageBootstrap
    everyone = PageBootstrap(groups, np.ones(len(y), bool))
    anonb = PageBootstrap(groups, anon, seed=1)
    extra = {}
    for name in configs:
        if name.startswith("-") or name == "all":
            continue
        extra[name] = {"auc": str(everyone.estimate(y, scores[name])),
                       "auc_anon": str(anonb.estimate(y, scores[name])),
                       "all_minus_this": str(everyone.difference(y, scores["all"], scores[name])),
                       "all_minus_this_anon": str(anonb.difference(y, scores["all"], scores[name]))}
        print(name, extra[name])
    (OUT / f"{which}.json").write_text(json.dumps({"rows": [r.as_dict() for r in rows], "extra": extra}, indent=1))


if __name__ == "__main__":
    main()
