"""Phase-1 research: does CatBoost (shipped params) gain from the small BERTs' cross-fitted
outputs, label-trained or distilled toward the production mBERT? Needs
var/research/bert_features.csv from research_distillation.py. 5x5 grouped CV, dev rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier

from revertrisk_service.evaluation.ablation import CvPlan, PageBootstrap, out_of_fold
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.models.multilingual import features as ml
from revertrisk_service.training import multilingual as ml_train
from revertrisk_service.training.holdout import holdout_mask

df, facts = ml_train.read_labelled(DEFAULT_DATA_DIR)
keep = ~holdout_mask(df["wiki_db"], df["page_title"])
df = df[keep].reset_index(drop=True)
facts = [f for f, k in zip(facts, keep, strict=True) if k]
y = df[ml_train.LABEL].astype(int).to_numpy()
pages = (df["wiki_db"] + ":" + df["page_title"].astype(str)).to_numpy()
anon = df["is_anonymous"].astype(bool).to_numpy()
base = ml.feature_frame(facts, None, ml.features_of(ml.SHIPPED_GROUPS))
bert = pd.read_csv("var/research/bert_features.csv")
production = df[["insert_p_1_max", "insert_p_1_mean", "insert_s_1_max", "remove_p_1_max",
                 "remove_p_1_mean", "remove_s_1_max", "change_p_1_max", "change_p_1_mean",
                 "change_s_1_max"]].reset_index(drop=True)
frames = {
    "shipped (user + edit structure)": base,
    "+ small BERT, label-trained": pd.concat([base, bert.filter(like="label_")], axis=1),
    "+ small BERT, distilled": pd.concat([base, bert.filter(like="distil_")], axis=1),
    "+ production mBERT outputs (reference only)": pd.concat([base, production], axis=1),
}


def fit(frame):
    def fp(tr, te, r, k):
        m = CatBoostClassifier(**ml_train.CATBOOST_PARAMS, random_seed=42 + r)
        m.fit(frame.iloc[tr], y[tr], cat_features=["wiki_db"])
        return m.predict_proba(frame.iloc[te])[:, 1]
    return fp


scores = {name: out_of_fold(CvPlan(), y, pages, fit(f)) for name, f in frames.items()}
E = PageBootstrap(pages, np.ones(len(y), bool))
A = PageBootstrap(pages, anon, seed=1)
ref = scores["shipped (user + edit structure)"]
for name, s in scores.items():
    print(f"{name}: AUC {E.estimate(y, s)} anon {A.estimate(y, s)} | vs shipped "
          f"{E.difference(y, s, ref)} anon {A.difference(y, s, ref)}")
