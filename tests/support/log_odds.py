"""A model's log-odds computed independently of the explanation code: XGBoost's trees summed in
float64 from the leaves each edit reaches (the booster's own output is float32), CatBoost's raw
formula value."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import xgboost as xgb
from catboost import CatBoostClassifier, Pool


def _leaf_values(tree: dict[str, Any], out: dict[int, float]) -> dict[int, float]:
    if "leaf" in tree:
        out[tree["nodeid"]] = tree["leaf"]
    for child in tree.get("children", ()):
        _leaf_values(child, out)
    return out


def xgboost_log_odds(booster: xgb.Booster, matrix: np.ndarray) -> list[float]:
    data = xgb.DMatrix(matrix, missing=np.nan, feature_names=booster.feature_names)
    leaves = booster.predict(data, pred_leaf=True).astype(int)
    trees = [_leaf_values(json.loads(t), {}) for t in booster.get_dump(dump_format="json")]
    base_score = float(
        json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"].strip("[]")
    )
    intercept = math.log(base_score / (1 - base_score))
    return [
        intercept + math.fsum(trees[t][leaf] for t, leaf in enumerate(row)) for row in leaves
    ]


def catboost_log_odds(booster: CatBoostClassifier, frame: Any, categorical: list[str]) -> list[float]:
    pool = Pool(frame, cat_features=categorical)
    return [float(v) for v in booster.predict(pool, prediction_type="RawFormulaVal")]
