"""Disparate impact over out-of-fold predictions, on synthetic rows with known ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revertrisk_service.evaluation.ablation import CvPlan
from revertrisk_service.evaluation.ablation_runs import AblationSpec
from revertrisk_service.evaluation.disparate_impact import (
    cross_validated_disparate_impact,
    disparate_impact,
    render_disparate_impact_markdown,
)

# Four pages, each with one anonymous and one registered edit.
PAGES = np.array(["a", "b", "c", "d"] * 2)
ANON = np.array([True] * 4 + [False] * 4)
LABELS = np.array([1, 1, 0, 0, 1, 0, 0, 0])  # revert rates 1/2 and 1/4: label ratio 2
SCORES = np.array([
    [0.9, 0.8, 0.6, 0.1, 0.7, 0.2, 0.1, 0.0],  # flagged 3/4 and 1/4; mean scores 0.6 and 0.25
    [0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1],  # flagged 4/4 and 0/4; mean scores 0.9 and 0.1
])


def test_ratios_of_one_repeat():
    result = disparate_impact(LABELS, ANON, SCORES[0], PAGES, threshold=0.5, draws=50)
    assert result["label_ratio"]["value"] == pytest.approx(2.0)
    assert result["flagged_share_ratio"]["value"] == pytest.approx(3.0)
    assert result["mean_prediction_ratio"]["value"] == pytest.approx(2.4)
    assert result["over_label_ratio"]["flagged_share_ratio"]["value"] == pytest.approx(1.5)
    assert result["over_label_ratio"]["mean_prediction_ratio"]["value"] == pytest.approx(1.2)
    for name in ("label_ratio", "flagged_share_ratio", "mean_prediction_ratio"):
        body = result[name]
        assert body["ci_low"] <= body["value"] <= body["ci_high"]


def test_repeats_are_pooled_before_the_ratio():
    result = disparate_impact(LABELS, ANON, SCORES, PAGES, threshold=0.5, draws=50)
    # anonymous flagged (3 + 4) / 8, registered (1 + 0) / 8
    assert result["flagged_share_ratio"]["value"] == pytest.approx(7.0)
    assert result["mean_prediction_ratio"]["value"] == pytest.approx((0.6 + 0.9) / (0.25 + 0.1), abs=1e-4)
    assert result["anonymous_flagged_per_repeat"] == pytest.approx(3.5)
    assert result["registered_flagged_per_repeat"] == pytest.approx(0.5)


def _many_pages(pages: int = 200):
    anon_labels = np.arange(pages) % 2 == 0  # revert rate 1/2
    registered_labels = np.arange(pages) % 4 == 0  # revert rate 1/4
    labels = np.concatenate([anon_labels, registered_labels]).astype(int)
    page_ids = np.concatenate([np.arange(pages), np.arange(pages)]).astype(str)
    anon = np.array([True] * pages + [False] * pages)
    return labels, anon, page_ids


def test_predictions_that_follow_the_labels_do_not_exceed_the_label_ratio():
    labels, anon, pages = _many_pages()
    result = disparate_impact(labels, anon, 0.1 + 0.8 * labels, pages, draws=200)
    assert result["flagged_share_ratio"]["value"] == pytest.approx(2.0)
    assert "Flagged-share ratio does not differ from the label ratio" in result["verdict"]


def test_flagging_every_anonymous_edit_exceeds_the_label_ratio_beyond_noise():
    labels, anon, pages = _many_pages()
    scores = np.where(anon, 0.9, 0.1 + 0.8 * labels)  # flagged shares 1 and 1/4: ratio 4 vs 2
    result = disparate_impact(labels, anon, scores, pages, draws=200)
    assert result["flagged_share_ratio"]["value"] == pytest.approx(4.0)
    assert result["over_label_ratio"]["flagged_share_ratio"]["ci_low"] > 1
    assert result["verdict"].startswith("Flagged-share ratio exceeds the label ratio beyond the noise")


def test_cross_validation_scores_the_shipped_groups_only():
    labels, anon, pages = _many_pages(40)
    score = np.where(anon, 0.9, 0.1 + 0.8 * labels)
    frame = pd.DataFrame({"score": score, "unshipped": np.zeros(len(score))})

    def fit_predict(x_train, y_train, x_test, seed):
        assert list(x_test.columns) == ["score"]
        return x_test["score"].to_numpy()

    spec = AblationSpec(model="toy", frame=frame,
                        groups={"user": ("score",), "characters": ("unshipped",)},
                        shipped_groups=("user",), labels=labels, pages=pages, anonymous=anon,
                        fit_predict=fit_predict)
    result = cross_validated_disparate_impact(spec, CvPlan(repeats=2, folds=4), draws=50)
    direct = disparate_impact(labels, anon, score, pages, draws=50)
    assert result["shipped_groups"] == ["user"]
    for name in ("flagged_share_ratio", "mean_prediction_ratio", "label_ratio"):
        assert result[name]["value"] == pytest.approx(direct[name]["value"])
    markdown = render_disparate_impact_markdown(
        result, {"disparate_impact_predictions": {"value": 18.6}})
    assert "| 18.60 |" in markdown and "Verdict: Flagged-share ratio" in markdown
