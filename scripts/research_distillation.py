"""Phase-1 research: small BERT text classifiers trained on revert labels vs distilled toward the
production mBERT's recorded outputs (soft targets), cross-fitted over the development rows.

Writes var/research/bert_features.csv (out-of-fold pooled features per row, both modes) and
prints how well each mode reproduces the production outputs (Spearman) and separates reverts.
Run: .venv/bin/python scripts/research_distillation.py [folds]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from rich.progress import Progress
from scipy.stats import spearmanr
from sklearn.model_selection import StratifiedGroupKFold
from transformers import BertForSequenceClassification

from revertrisk_service.evaluation.ablation import auc
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.models.multilingual.text_classifiers import pool_scores
from revertrisk_service.training.holdout import holdout_mask
from revertrisk_service.training.text_classifiers import (
    TRAIN_MAX_LENGTH,
    as_classifier,
    small_bert_config,
    train_tokenizer,
)

DATA = DEFAULT_DATA_DIR / "ki_multilingual_sample.csv"
KINDS = {"insert": "texts_insert", "remove": "texts_removed", "change": "texts_change"}
SOFT = {"insert": "insert_p_1_mean", "remove": "remove_p_1_mean", "change": "change_p_1_mean"}


def _list(cell) -> list:
    return list(ast.literal_eval(cell)) if isinstance(cell, str) and cell else []


def train(tokenizer, texts, targets, seed, soft: bool, epochs=3, batch_size=32, lr=1e-3):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = BertForSequenceClassification(small_bert_config(len(tokenizer)))
    model.train()
    t = torch.tensor(targets, dtype=torch.float32)
    if soft:
        loss_fn = lambda logits, idx: -(torch.stack([1 - t[idx], t[idx]], 1)
                                        * torch.log_softmax(logits, 1)).sum(1).mean()
    else:
        y = t.long()
        pos = max(int(y.sum()), 1)
        ce = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, (len(y) - pos) / pos]))
        loss_fn = lambda logits, idx: ce(logits, y[idx])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    pairs = isinstance(texts[0], tuple)
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            if pairs:
                enc = tokenizer([texts[i][0] for i in idx], [texts[i][1] for i in idx], padding=True,
                                truncation=True, max_length=TRAIN_MAX_LENGTH, return_tensors="pt")
            else:
                enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                max_length=TRAIN_MAX_LENGTH, return_tensors="pt")
            loss = loss_fn(model(**enc).logits, torch.tensor(idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def main() -> None:
    folds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    df = pd.read_csv(DATA)
    df = df[~holdout_mask(df["wiki_db"], df["page_title"])].reset_index(drop=True)
    y = df["revision_is_identity_reverted"].astype(int).to_numpy()
    groups = (df["wiki_db"] + ":" + df["page_title"].astype(str)).to_numpy()
    texts = {k: [[tuple(map(str, x)) if k == "change" else str(x) for x in _list(c)] for c in df[col]]
             for k, col in KINDS.items()}
    out = {}
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=7)
    with Progress() as progress:
        task = progress.add_task("small BERT, label vs distilled", total=folds * 6)
        for fold, (tr, te) in enumerate(splitter.split(df, y, groups)):
            corpus = [s for k in KINDS for i in tr for t in texts[k][i]
                      for s in (t if isinstance(t, tuple) else (t,))]
            tokenizer = train_tokenizer(corpus)
            for kind in KINDS:
                flat = [(i, t) for i in tr for t in texts[kind][i]]
                items = [t for _, t in flat]
                for mode in ("label", "distil"):
                    targets = ([float(y[i]) for i, _ in flat] if mode == "label"
                               else [max(float(df[SOFT[kind]].iloc[i]), 0.0) for i, _ in flat])
                    model = train(tokenizer, items, targets, 42 + fold, soft=mode == "distil")
                    scorer = as_classifier(tokenizer, model, TRAIN_MAX_LENGTH)
                    test_flat = [(j, t) for j, i in enumerate(te) for t in texts[kind][i]]
                    logits = scorer.scores([t for _, t in test_flat])
                    pooled = pool_scores(kind, logits, [j for j, _ in test_flat], len(te))
                    for name in (f"{kind}_p_1_max", f"{kind}_p_1_mean", f"{kind}_s_1_max"):
                        out.setdefault(f"{mode}_{name}", np.full(len(df), -1.0))[te] = pooled[name]
                    progress.advance(task)
    frame = pd.DataFrame(out)
    Path("var/research").mkdir(parents=True, exist_ok=True)
    frame.to_csv("var/research/bert_features.csv", index=False)
    for kind in KINDS:
        has = df[SOFT[kind]].to_numpy() >= 0
        for mode in ("label", "distil"):
            mine = frame[f"{mode}_{kind}_p_1_mean"].to_numpy()
            rho = spearmanr(mine[has], df[SOFT[kind]].to_numpy()[has]).statistic
            print(f"{kind:7s} {mode:7s} rows with text {has.sum():4d}  spearman vs production "
                  f"{rho:.3f}  AUC(max) on rows with text {auc(y[has], frame[f'{mode}_{kind}_p_1_max'].to_numpy()[has]):.3f}"
                  f"  production AUC {auc(y[has], df[kind + '_p_1_max'].to_numpy()[has]):.3f}")


if __name__ == "__main__":
    main()
