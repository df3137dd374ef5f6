"""Parsing ORES-style threshold queries and choosing thresholds on hand-computed tables."""

from __future__ import annotations

import numpy as np
import pytest

from revertrisk_service.errors import InvalidRequest, InvalidThresholdQuery
from revertrisk_service.evaluation.thresholds import compute_threshold_table
from revertrisk_service.transparency.threshold_query import (
    ThresholdQuery,
    answer_threshold_query,
    parse_threshold_query,
)

# Sorted by score: P P N P N N P N N N. Thresholds between scores give these flagged sets.
LABELS = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])


@pytest.fixture(scope="module")
def table():
    return compute_threshold_table(LABELS, SCORES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "maximum recall @ precision >= 0.9",
            ThresholdQuery("maximum", "recall", "precision", ">=", 0.9),
        ),
        (
            "minimum filter_rate @ recall >= 0.75",
            ThresholdQuery("minimum", "filter_rate", "recall", ">=", 0.75),
        ),
        (
            "  MAXIMUM   Precision@Recall>=.5 ",
            ThresholdQuery("maximum", "precision", "recall", ">=", 0.5),
        ),
        (
            "minimum fpr @ match_rate <= 1",
            ThresholdQuery("minimum", "fpr", "match_rate", "<=", 1.0),
        ),
        ("maximum f1 @ fpr <= 0.10", ThresholdQuery("maximum", "f1", "fpr", "<=", 0.1)),
    ],
)
def test_parse_valid_queries(text, expected):
    assert parse_threshold_query(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "maximum recall",
        "max recall @ precision >= 0.9",
        "maximum accuracy @ precision >= 0.9",
        "maximum recall @ precision > 0.9",
        "maximum recall @ precision >= high",
        "maximum recall @ !precision >= 0.9",
        "maximum recall @ precision >= 0.9 and more",
        "maximum recall precision >= 0.9",
    ],
)
def test_parse_rejects_malformed_queries_with_the_grammar(text):
    with pytest.raises(InvalidThresholdQuery) as info:
        parse_threshold_query(text)
    error = info.value
    assert isinstance(error, InvalidRequest)
    assert error.code == "invalid_threshold_query" and error.status == 400
    assert "(maximum|minimum)" in error.message and "filter_rate" in error.message


def test_maximum_recall_at_precision(table):
    # Precision >= 0.75 holds when flagging the top 1, 2 or 4 (3 TP / 4 flagged); recall 3/4 is best,
    # reached at every threshold in (0.5, 0.6], and ties go to the higher F1 then the highest threshold.
    answer = answer_threshold_query(table, "maximum recall @ precision >= 0.75")
    assert answer["threshold"] == pytest.approx(0.6)
    assert answer["recall"] == pytest.approx(0.75) and answer["precision"] == pytest.approx(0.75)
    assert (answer["tp"], answer["fp"]) == (3, 1)


def test_precision_exactly_at_bound_qualifies(table):
    answer = answer_threshold_query(table, "maximum recall @ precision >= 1")
    assert answer["recall"] == pytest.approx(0.5) and answer["threshold"] == pytest.approx(0.8)


def test_maximum_filter_rate_at_recall(table):
    # Recall 1.0 needs flagging down to score 0.3: 7 of 10 flagged, filter_rate 0.3.
    answer = answer_threshold_query(table, "maximum filter_rate @ recall >= 1.0")
    assert answer["filter_rate"] == pytest.approx(0.3)
    assert answer["threshold"] == pytest.approx(0.3)


def test_minimum_filter_rate_is_taken_literally(table):
    # Flagging everything filters nothing and keeps recall 1; ties go to the highest such threshold.
    answer = answer_threshold_query(table, "minimum filter_rate @ recall >= 0.75")
    assert answer["filter_rate"] == 0.0 and answer["threshold"] == pytest.approx(0.0)


def test_minimum_fpr_tie_prefers_more_true_positives(table):
    # fpr 1/6 holds for thresholds in (0.4, 0.7]; the lowest of them flags 3 reverts instead of 2.
    answer = answer_threshold_query(table, "minimum fpr @ recall >= 0.5")
    assert answer["fpr"] == pytest.approx(0.0)
    answer = answer_threshold_query(table, "minimum fpr @ recall >= 0.75")
    assert (
        answer["fpr"] == pytest.approx(1 / 6)
        and answer["tp"] == 3
        and answer["threshold"] == pytest.approx(0.6)
    )


def test_flagging_nothing_never_qualifies_on_precision(table):
    # Above 0.9 nothing is flagged and precision is undefined; it must not count as satisfying the bound.
    answer = answer_threshold_query(table, "maximum filter_rate @ precision >= 0.0")
    assert answer["match_rate"] > 0
    assert answer["threshold"] == pytest.approx(0.9)


def test_unsatisfiable_query_is_none(table):
    assert answer_threshold_query(table, "maximum recall @ precision >= 1.01") is None


def test_answer_contains_every_statistic(table):
    answer = answer_threshold_query(table, "maximum f1 @ recall >= 0")
    assert set(answer) >= {
        "threshold",
        "precision",
        "recall",
        "filter_rate",
        "match_rate",
        "fpr",
        "f1",
    }
