"""Repeated grouped cross-validation and page-clustered intervals."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from revertrisk_service.evaluation.ablation import (
    CvPlan,
    PageBootstrap,
    ablation_rows,
    auc,
    markdown_table,
    out_of_fold,
)

RNG = np.random.default_rng(0)
N = 300
LABELS = (RNG.random(N) < 0.2).astype(int)
GROUPS = np.array([f"page{i // 3}" for i in range(N)])
ANON = RNG.random(N) < 0.3
SIGNAL = LABELS + RNG.normal(0, 1.0, N)


def test_auc_matches_sklearn_with_ties():
    scores = np.round(SIGNAL, 1)
    assert auc(LABELS, scores) == roc_auc_score(LABELS, scores)
    assert np.isnan(auc(np.zeros(5), np.arange(5)))


def test_every_row_is_scored_once_per_repeat_by_a_model_that_never_saw_its_page():
    plan = CvPlan(repeats=3, folds=5)
    seen_pages: list[tuple[set, set]] = []

    def fit_predict(train, test, repeat, fold):
        seen_pages.append((set(GROUPS[train]), set(GROUPS[test])))
        return SIGNAL[test]

    scores = out_of_fold(plan, LABELS, GROUPS, fit_predict)
    assert scores.shape == (3, N) and not np.isnan(scores).any()
    assert all(not (train & test) for train, test in seen_pages)


def test_paired_difference_is_zero_for_identical_scores_and_positive_for_a_real_signal():
    scores = np.tile(SIGNAL, (2, 1))
    noise = np.tile(RNG.normal(0, 1, N), (2, 1))
    boot = PageBootstrap(GROUPS, np.ones(N, dtype=bool), draws=200)
    same = boot.difference(LABELS, scores, scores)
    assert same.value == same.low == same.high == 0
    better = boot.difference(LABELS, scores, noise)
    assert better.low > 0
    estimate = boot.estimate(LABELS, scores)
    assert estimate.low < estimate.value < estimate.high


def test_ablation_table_flags_only_groups_that_beat_noise():
    scores = np.tile(SIGNAL, (2, 1))
    noise = np.tile(RNG.normal(0, 1, N), (2, 1))
    rows = ablation_rows(LABELS, GROUPS, ANON, scores, {"useful": noise, "useless": scores},
                         {"useful": 3, "useless": 2}, draws=200)
    by_name = {r.group: r for r in rows}
    assert by_name["useful"].beats_noise() is True
    assert by_name["useless"].beats_noise() is False
    assert by_name["all"].features == 5
    table = markdown_table(rows)
    assert "**all groups**" in table and "useful" in table


def test_run_ablation_renders_the_evaluation_section():
    import pandas as pd

    from revertrisk_service.evaluation.ablation_runs import (
        AblationSpec,
        render_ablation_markdown,
        run_ablation,
    )

    frame = pd.DataFrame({"signal": SIGNAL, "noise": RNG.normal(0, 1, N)})

    def fit_predict(x_train, y_train, x_test, seed):
        # A fixed linear score stands in for a learner: the column sum.
        return x_test.sum(axis=1).to_numpy()

    spec = AblationSpec(
        model="toy", frame=frame, groups={"useful": ("signal",), "useless": ("noise",)},
        shipped_groups=("useful",), labels=LABELS, pages=GROUPS, anonymous=ANON,
        fit_predict=fit_predict, notes=("a note",),
    )  # fmt: skip
    result = run_ablation(spec, CvPlan(repeats=2, folds=3), draws=100)
    assert [row["group"] for row in result["table"]] == ["useful", "useless", "all"]
    assert result["table"][0]["gain_over_model_without_group"]["ci_low"] > 0
    markdown = render_ablation_markdown(result)
    assert "beats the noise (interval above 0): overall useful;" in markdown
    assert "Shipped groups (useful)" in markdown and "- a note" in markdown
