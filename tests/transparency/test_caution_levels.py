"""Caution levels: each level's threshold is the lowest whose precision meets the level."""

from __future__ import annotations

import numpy as np
import pytest

from revertrisk_service.transparency.caution_levels import (
    CAUTION_LEVELS,
    LEVEL_NAMES,
    caution_level,
    level_thresholds,
    level_thresholds_from_scores,
)
from revertrisk_service.transparency.threshold_table import (
    ThresholdTable,
    compute_threshold_table,
)


def test_levels_are_named_and_ordered_most_cautious_first() -> None:
    assert LEVEL_NAMES == ("very-cautious", "cautious", "balanced", "loose")
    assert [level.min_precision for level in CAUTION_LEVELS] == [0.99, 0.95, 0.90, 0.75]
    assert caution_level("cautious").min_precision == 0.95
    with pytest.raises(KeyError, match="known: very-cautious, cautious, balanced, loose"):
        caution_level("careful")


def test_each_level_meets_its_precision_at_the_lowest_such_threshold() -> None:
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, 4000)
    scores = np.clip(labels * 0.35 + rng.random(4000) * 0.65, 0, 1)
    answers = {a.level: a for a in level_thresholds_from_scores(labels, scores)}
    for level in CAUTION_LEVELS:
        answer = answers[level.name]
        assert answer.threshold is not None
        flagged = scores >= answer.threshold
        precision = labels[flagged].mean()
        assert precision >= level.min_precision
        assert answer.precision == pytest.approx(precision)
        assert answer.recall == pytest.approx(labels[flagged].sum() / labels.sum())
        assert answer.flagged == int(flagged.sum()) and answer.n == 4000
        lower = round(answer.threshold - 0.001, 6)
        below = scores >= lower
        assert lower < 0 or labels[below].mean() < level.min_precision - 1e-9
    # Stricter levels need a threshold at least as high here (precision rises with it).
    thresholds = [answers[name].threshold for name in LEVEL_NAMES]
    assert thresholds == sorted(thresholds, reverse=True)


def test_a_level_no_threshold_meets_is_none() -> None:
    # 9 of 10 reverted at best: 0.90 is met, 0.95 is not.
    labels = [1] * 9 + [0]
    scores = [0.9] * 10
    answers = {a.level: a for a in level_thresholds_from_scores(labels, scores)}
    assert answers["very-cautious"].threshold is None
    assert answers["cautious"].precision is None and answers["cautious"].flagged == 0
    assert answers["balanced"].threshold == 0.0
    assert answers["balanced"].precision == pytest.approx(0.9)
    assert answers["loose"].recall == 1.0


def test_a_saved_table_answers_like_the_scores() -> None:
    labels, scores = [1, 1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.3, 0.1]
    table = compute_threshold_table(labels, scores)
    reloaded = ThresholdTable.from_json_dict(table.to_json_dict())
    assert level_thresholds(reloaded) == level_thresholds_from_scores(labels, scores)
    loose = level_thresholds(reloaded)[-1]
    assert (loose.threshold, loose.precision, loose.recall) == (0.301, 0.75, 1.0)


def test_no_labelled_edit_gives_no_threshold() -> None:
    assert all(a.threshold is None and a.n == 0 for a in level_thresholds_from_scores([], []))
