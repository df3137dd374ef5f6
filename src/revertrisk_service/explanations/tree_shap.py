"""Exact tree SHAP contributions, from the boosting libraries themselves.

A tree model's log-odds is a sum over its trees; SHAP splits each tree's output among the features
on the paths it takes, so that `base_value + sum(contributions) == log-odds` for every edit.
XGBoost (`pred_contribs`) computes this in float32; summed over 200 trees its rounding reaches
1e-6 in log-odds. So the trees are explained in slices with the intercept taken out (each slice's
numbers stay small and exact to float32), the slices are summed in float64 and the intercept is
added back once, from the model's own `base_score`. CatBoost (`ShapValues`) computes in float64.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import xgboost as xgb
from catboost import CatBoostClassifier, Pool

from revertrisk_service.explanations.explained import Explained, stored_explanation

__all__ = ["Explained", "XGBoostExplainer", "catboost_explain", "stored_explanation"]

# Trees per XGBoost slice: 50 kept the sum within 3e-7 of the exact leaf sum (bench/RESULTS.md)
# at about the cost of one whole-model call.
TREES_PER_SLICE = 50


class XGBoostExplainer:
    """SHAP contributions of a binary:logistic booster, exact to float64 rounding."""

    def __init__(self, booster: xgb.Booster, trees_per_slice: int = TREES_PER_SLICE) -> None:
        config = json.loads(booster.save_config())["learner"]
        objective = config["objective"]["name"]
        if objective != "binary:logistic":
            raise ValueError(f"explanations need a binary:logistic booster, not {objective}")
        base_score = float(config["learner_model_param"]["base_score"].strip("[]"))
        # binary:logistic keeps its intercept as a probability; the trees add to its log-odds.
        self.intercept = math.log(base_score / (1.0 - base_score))
        rounds = booster.num_boosted_rounds()
        self._slices = [
            booster[start : min(rounds, start + trees_per_slice)]
            for start in range(0, rounds, trees_per_slice)
        ]
        self.feature_count = booster.num_features()

    def contributions(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(base values, contributions): one base value per row, one column per feature."""
        if matrix.shape[1] != self.feature_count:
            raise ValueError(f"{matrix.shape[1]} columns for a {self.feature_count}-feature model")
        # No feature names: the columns are the booster's by construction (the model checks its
        # manifest at load), and XGBoost's per-call name check cost more than the prediction.
        data = xgb.DMatrix(
            matrix,
            missing=np.nan,
            base_margin=np.zeros(len(matrix)),  # the intercept is added once, below
            # One thread, as the booster's own: with the default (every core), building this
            # one-row matrix took 17-50 ms on the shared 2-core machine instead of 0.7 ms.
            nthread=1,
        )
        total = np.zeros((len(matrix), matrix.shape[1] + 1), dtype=np.float64)
        for part in self._slices:
            total += part.predict(data, pred_contribs=True, validate_features=False).astype(
                np.float64
            )
        return total[:, -1] + self.intercept, total[:, :-1]


def catboost_explain(
    booster: CatBoostClassifier, frame: pd.DataFrame, categorical: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probabilities, base values, contributions) of a CatBoost classifier, the last two in its
    log-odds (RawFormulaVal), from one Pool: converting the frame is the dearer part."""
    # thread_count=1 for the same reason as XGBoost's DMatrix above (2.4 ms instead of 6-15 ms).
    pool = Pool(
        frame, cat_features=[c for c in categorical if c in frame.columns], thread_count=1
    )
    probabilities = booster.predict_proba(pool, thread_count=1)[:, 1]
    shap = booster.get_feature_importance(data=pool, type="ShapValues", thread_count=1)
    return probabilities, shap[:, -1], shap[:, :-1]
